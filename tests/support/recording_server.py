"""Twilio's side of a call for tests: its media host as a local HTTP server, and its webhooks.

The server uses real sockets, so the app's downloader runs real `requests`.

Routes are registered per test: a file's bytes, a status code, a response that stalls longer
than the client's timeout, or an endless stream. Every request is logged with its
Authorization header, so tests can prove where credentials went.
"""

from __future__ import annotations

import secrets
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from werkzeug.test import TestResponse

from tests.support.app_fixtures import ACCOUNT_SID, CENTRE_NUMBER, Webhooks


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    delay: float = 0.0  # seconds to wait before answering (a stalled server)
    endless: bool = False  # stream zeros for ever (a file far over the size cap)
    fail_first: int = 0  # answer 503 this many times before the real answer


@dataclass
class RecordingServer:
    """Serves registered routes on 127.0.0.1; `url(path)` gives the address to hand out."""

    routes: dict[str, Route] = field(default_factory=dict)
    log: list[tuple[str, str | None]] = field(default_factory=list)
    port: int = 0
    requested: threading.Condition = field(default_factory=threading.Condition)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve_file(self, path: str, source: Path, **options: object) -> str:
        self.routes[path] = Route(body=source.read_bytes(), **options)  # type: ignore[arg-type]
        return self.url(path)

    def serve(self, path: str, route: Route) -> str:
        self.routes[path] = route
        return self.url(path)

    def hits(self, path: str) -> int:
        return sum(1 for hit, _auth in self.log if hit == path)

    def wait_for_hits(self, path: str, count: int, timeout: float) -> bool:
        """Wait until `path` was asked for `count` times (a worker reached its download)."""
        with self.requested:
            return self.requested.wait_for(lambda: self.hits(path) >= count, timeout)


def _handler(server: RecordingServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep test output quiet
            return None

        def do_GET(self) -> None:
            with server.requested:
                server.log.append((self.path, self.headers.get("Authorization")))
                server.requested.notify_all()
            route = server.routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            if route.fail_first > 0:
                route.fail_first -= 1
                self.send_error(503)
                return
            if route.delay:
                time.sleep(route.delay)
            try:
                self._answer(route)
            except (BrokenPipeError, ConnectionResetError):
                return  # the client gave up (timeout or size cap): that is the point

        def _answer(self, route: Route) -> None:
            self.send_response(route.status)
            self.send_header("Content-Type", "audio/x-wav")
            if route.endless:
                self.end_headers()
                chunk = bytes(65536)
                for _ in range(100_000):
                    self.wfile.write(chunk)
                return
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            self.wfile.write(route.body)

    return Handler


@contextmanager
def running_server() -> Iterator[RecordingServer]:
    """A recording host, stopped when the block ends (test modules wrap it in a fixture)."""
    state = RecordingServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, name="recording-server", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@dataclass
class TwilioCall:
    """Drives one call's webhooks as Twilio would, signed, in order, with one CallSid."""

    webhooks: Webhooks
    from_number: str = "+821055501234"
    sid: str = field(default_factory=lambda: "CA" + secrets.token_hex(16))

    def _params(self, **extra: str) -> dict[str, str]:
        return {"CallSid": self.sid, "AccountSid": ACCOUNT_SID, **extra}

    def start(self) -> TestResponse:
        params = self._params(
            From=self.from_number, To=CENTRE_NUMBER, CallStatus="ringing", Direction="inbound"
        )
        return self.webhooks.post("/twilio/voice", params)

    def press(self, digits: str | None) -> TestResponse:
        extra = {"Digits": digits} if digits is not None else {}
        return self.webhooks.post(
            "/twilio/voice/menu", self._params(CallStatus="in-progress", **extra)
        )

    def finish_recording(self, url: str, seconds: int) -> TestResponse:
        params = self._params(RecordingUrl=url, RecordingDuration=str(seconds), Digits="#")
        return self.webhooks.post("/twilio/voice/recorded", params)

    def recording_ready(
        self,
        url: str,
        seconds: int,
        *,
        status: str = "completed",
        recording_sid: str | None = None,
        **extra: str,
    ) -> TestResponse:
        params = self._params(
            RecordingSid=recording_sid or "RE" + secrets.token_hex(16),
            RecordingUrl=url,
            RecordingStatus=status,
            RecordingDuration=str(seconds),
            RecordingChannels="1",
            RecordingSource="RecordVerb",
            **extra,
        )
        return self.webhooks.post("/twilio/voice/recording", params)

    def status(self, status: str, seconds: int | None = None) -> TestResponse:
        extra = {"CallDuration": str(seconds)} if seconds is not None else {}
        return self.webhooks.post("/twilio/voice/status", self._params(CallStatus=status, **extra))


def parse_twiml(document: str) -> ET.Element:
    """Parse TwiML the app under test produced (trusted: it is our own output)."""
    return ET.fromstring(document)  # noqa: S314 - the app's own TwiML, not outside input
