"""A local stand-in for the Hugging Face Hub that serves a model folder the way the Hub does.

huggingface_hub (the real library, not a double) talks to it over real sockets. It answers the
calls `HfApi.model_info(files_metadata=True)` and `hf_hub_download` make:

* `GET /api/models/{repo}/revision/{rev}?blobs=True`: the commit (`sha`) and `siblings` with
  each file's size, git blob id and, for LFS files, `lfs.sha256`/`size`/`pointerSize`;
* `HEAD` and `GET /{repo}/resolve/{rev}/{path}` with `X-Repo-Commit`: files stored in git are
  answered there (`ETag` the blob id, `Content-Length`); LFS files are redirected, as the Hub
  redirects them to its CDN, with `X-Linked-Etag` (the SHA-256) and `X-Linked-Size`, to
  `/cdn-lfs/{sha256}` on a second port (another origin, as the CDN is, so huggingface_hub takes
  the metadata from the redirect and does not follow it for HEAD), which serves the bytes with
  `Accept-Ranges` and 206 answers to `Range: bytes=N-`.

Faults are set per file: `cut_after` sends the full Content-Length but only that many bytes on
the next GET and then drops the connection (what a lost network does mid-file); `fail` answers
500 that many times; `corrupt` serves other bytes than the listing's checksum describes.
Every request is logged with its method, path and Range header.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

#: Files the Hub stores with git LFS in the real conversions (binary, large).
LFS_SUFFIXES = (".bin", ".model")


@dataclass
class HubFile:
    path: str
    body: bytes
    lfs: bool

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    @property
    def blob_id(self) -> str:
        """git's id of the stored blob: of the content, or of the LFS pointer for LFS files."""
        stored = self.pointer() if self.lfs else self.body
        return hashlib.sha1(b"blob %d\0" % len(stored) + stored, usedforsecurity=False).hexdigest()

    def pointer(self) -> bytes:
        return (
            f"version https://git-lfs.github.com/spec/v1\noid sha256:{self.sha256}\n"
            f"size {len(self.body)}\n"
        ).encode()


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    range: str | None


@dataclass
class FakeHub:
    """One repository at one commit; `url` is the endpoint to hand to huggingface_hub."""

    repo_id: str
    commit: str
    files: dict[str, HubFile] = field(default_factory=dict)
    cut_after: dict[str, int] = field(default_factory=dict)
    fail: dict[str, int] = field(default_factory=dict)
    corrupt: set[str] = field(default_factory=set)
    log: list[Request] = field(default_factory=list)
    port: int = 0
    cdn_port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add_folder(self, folder: Path) -> None:
        for path in sorted(folder.iterdir()):
            if path.is_file():
                self.files[path.name] = HubFile(
                    path.name, path.read_bytes(), path.name.endswith(LFS_SUFFIXES)
                )

    def downloads(self, name: str) -> list[Request]:
        """The GET requests for one file's bytes (at the CDN address for LFS files)."""
        hub_file = self.files[name]
        where = f"/cdn-lfs/{hub_file.sha256}" if hub_file.lfs else f"/{name}"
        return [r for r in self.log if r.method == "GET" and r.path.endswith(where)]

    def model_info(self) -> dict[str, object]:
        siblings = []
        for hub_file in self.files.values():
            sibling: dict[str, object] = {
                "rfilename": hub_file.path,
                "size": len(hub_file.body),
                "blobId": hub_file.blob_id,
            }
            if hub_file.lfs:
                sibling["lfs"] = {
                    "sha256": hub_file.sha256,
                    "size": len(hub_file.body),
                    "pointerSize": len(hub_file.pointer()),
                }
            siblings.append(sibling)
        return {
            "_id": "0" * 24,
            "id": self.repo_id,
            "modelId": self.repo_id,
            "author": self.repo_id.split("/")[0],
            "sha": self.commit,
            "private": False,
            "disabled": False,
            "gated": False,
            "downloads": 0,
            "likes": 0,
            "tags": ["ctranslate2", "license:mit"],
            "siblings": siblings,
        }


def _handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    info_path = re.compile(rf"^/api/models/{re.escape(hub.repo_id)}/revision/([^/]+)$")
    resolve_path = re.compile(rf"^/{re.escape(hub.repo_id)}/resolve/([^/]+)/(.+)$")
    cdn_path = re.compile(r"^/cdn-lfs/([0-9a-f]{64})$")
    revisions = {"main", hub.commit}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_HEAD(self) -> None:
            self._answer(head=True)

        def do_GET(self) -> None:
            self._answer(head=False)

        def _answer(self, head: bool) -> None:
            path = unquote(urlsplit(self.path).path)
            with hub.lock:
                hub.log.append(Request(self.command, path, self.headers.get("Range")))
            if match := info_path.match(path):
                if match.group(1) not in revisions:
                    self._error(404, "RevisionNotFound")
                    return
                self._json(hub.model_info())
                return
            if match := cdn_path.match(path):
                by_sha = {f.sha256: f for f in hub.files.values() if f.lfs}
                if match.group(1) not in by_sha:
                    self._error(404, "EntryNotFound")
                    return
                self._file(by_sha[match.group(1)], head)
                return
            match = resolve_path.match(path)
            if not match or match.group(1) not in revisions or match.group(2) not in hub.files:
                self._error(404, "EntryNotFound")
                return
            hub_file = hub.files[match.group(2)]
            if hub_file.lfs:
                self._redirect(hub_file)
                return
            self._file(hub_file, head)

        def _redirect(self, hub_file: HubFile) -> None:
            self.send_response(302)
            cdn = f"http://127.0.0.1:{hub.cdn_port}"
            self.send_header("Location", f"{cdn}/cdn-lfs/{hub_file.sha256}")
            self.send_header("X-Repo-Commit", hub.commit)
            self.send_header("ETag", f'"{hub_file.blob_id}"')
            self.send_header("X-Linked-Etag", f'"{hub_file.sha256}"')
            self.send_header("X-Linked-Size", str(len(hub_file.body)))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _file(self, hub_file: HubFile, head: bool) -> None:
            name = hub_file.path
            with hub.lock:
                failing = not head and hub.fail.get(name, 0) > 0
                if failing:
                    hub.fail[name] -= 1
                cut = None if head else hub.cut_after.pop(name, None)
            if failing:
                self._error(500, "Internal Error")
                return
            body = hub_file.body
            if name in hub.corrupt:
                body = bytes([body[0] ^ 0xFF]) + body[1:]
            start = 0
            requested = self.headers.get("Range")
            if requested and (match := re.match(r"^bytes=(\d+)-$", requested)) and not head:
                start = int(match.group(1))
            self.send_response(206 if start else 200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Accept-Ranges", "bytes")
            if hub_file.lfs:  # the CDN: content addressed, no Hub headers
                self.send_header("ETag", f'"{hub_file.sha256}"')
            else:
                self.send_header("X-Repo-Commit", hub.commit)
                self.send_header("ETag", f'"{hub_file.blob_id}"')
            if start:
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            self.send_header("Content-Length", str(len(body) - start))
            self.end_headers()
            if head:
                return
            if cut is not None:
                self.wfile.write(body[start : start + cut])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body[start:])

        def _json(self, payload: object) -> None:
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Repo-Commit", hub.commit)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _error(self, status: int, code: str) -> None:
            data = json.dumps({"error": code}).encode()
            self.send_response(status)
            self.send_header("X-Error-Code", code)
            self.send_header("X-Repo-Commit", hub.commit)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

    return Handler


@contextmanager
def fake_hub(repo_id: str, commit: str, folder: Path) -> Iterator[FakeHub]:
    """Serve `folder` as `repo_id` at `commit` (and its CDN) on free local ports."""
    hub = FakeHub(repo_id=repo_id, commit=commit)
    hub.add_folder(folder)
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), _handler(hub)) for _ in range(2)]
    hub.port, hub.cdn_port = (int(server.server_address[1]) for server in servers)
    threads = [threading.Thread(target=server.serve_forever, daemon=True) for server in servers]
    for server, thread in zip(servers, threads, strict=True):
        server.daemon_threads = True
        thread.start()
    try:
        yield hub
    finally:
        for server, thread in zip(servers, threads, strict=True):
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)
