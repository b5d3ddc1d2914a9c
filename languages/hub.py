"""Ready CTranslate2 conversions of M2M-100 on the Hugging Face Hub, fetched and verified.

`flask languages install m2m100_418M` should need nothing but a network connection, so relay
names one public conversion per model size (`HUB_MODELS`) at a pinned commit, and fetches only
the files the engine reads. The download is huggingface_hub's own (`hf_hub_download` into a
folder that survives an interrupted run): a dropped connection is resumed from the byte it
reached with a Range request, and a second run after a stopped one fetches only the files that
were not finished. Every file is then checked against the checksum the Hub's API lists for it
at that commit (SHA-256 for LFS files, the git blob id for the others), because a proxy, a
mirror or a broken disk can hand over other bytes under the right name, and a corrupt model
does not fail loudly: it translates into nonsense.

When asked (`--convert`), the model is instead converted from Facebook's original checkpoint
with `ct2-transformers-converter`, which needs transformers and torch; without them the error
says what to install. Nothing here knows the models folder: `model_store` installs the result.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[str, float | None], None]

#: The files M2MEngine reads from a conversion; any of the vocabulary names will do.
ENGINE_FILES = ("model.bin", "config.json", "sentencepiece.bpe.model")
VOCABULARY_FILES = ("shared_vocabulary.json", "shared_vocabulary.txt")
_CHUNK = 1 << 20


class HubError(RuntimeError):
    """A model could not be fetched, verified or converted; the message says why and what to do."""


@dataclass(frozen=True)
class HubModel:
    """One model relay installs by name: where its conversion lives and what it comes from."""

    name: str
    repo_id: str  # a CTranslate2 conversion on the Hub
    revision: str  # a pinned commit: what was checked is what is installed
    original: str  # the Facebook checkpoint `--convert` starts from
    download_size: str  # for the operator deciding whether to fetch it


#: michaelfeil's ct2fast conversions are the ones most used with CTranslate2 (converted with
#: ct2-transformers-converter 3.13 in float16, MIT like the originals, with the SentencePiece
#: model copied in); CTranslate2 4 loads them and quantises to int8 on CPU when it loads.
HUB_MODELS: dict[str, HubModel] = {
    model.name: model
    for model in (
        HubModel(
            name="m2m100_418M",
            repo_id="michaelfeil/ct2fast-m2m100_418M",
            revision="06bd83294674f3737eb929e501aa5beafaa229d8",
            original="facebook/m2m100_418M",
            download_size="0.97 GB",
        ),
        HubModel(
            name="m2m100_1.2B",
            repo_id="michaelfeil/ct2fast-m2m100_1.2B",
            revision="081c9b82953d4eeb2309daabf2951e395c5dc979",
            original="facebook/m2m100_1.2B",
            download_size="2.5 GB",
        ),
    )
}


@dataclass(frozen=True)
class ListedFile:
    """A file as the Hub's API lists it at one commit, with the checksum it promises."""

    path: str
    size: int
    sha256: str | None  # LFS files
    blob_id: str | None  # git's SHA-1 of the blob, for files stored in git itself


@dataclass(frozen=True)
class Snapshot:
    """A fetched and verified conversion, ready for `model_store` to install."""

    folder: Path
    repo_id: str
    commit: str
    files: tuple[ListedFile, ...]


def fetch(
    model: HubModel,
    folder: Path,
    endpoint: str | None = None,
    progress: ProgressCallback | None = None,
) -> Snapshot:
    """Download the engine's files of `model` into `folder`, verified; resumable on re-run.

    `endpoint` is the Hub's address (None: huggingface_hub's default, which honours
    HF_ENDPOINT); a mirror or a test server stands in for it.
    """
    from huggingface_hub import HfApi, hf_hub_download
    from huggingface_hub.errors import HfHubHTTPError

    api = HfApi(endpoint=endpoint)
    try:
        info = api.model_info(model.repo_id, revision=model.revision, files_metadata=True)
    except HfHubHTTPError as error:
        raise HubError(f"the Hub refused {model.repo_id}@{model.revision[:12]}: {error}") from None
    except Exception as error:  # connection refused, DNS, timeouts: httpx's own classes
        raise HubError(_offline_advice(model, api.endpoint, error)) from None
    files = _wanted(model, _listed(info.siblings or []))
    commit = str(info.sha or model.revision)
    total = sum(file.size for file in files) or 1
    done = 0
    folder.mkdir(parents=True, exist_ok=True)
    for file in files:
        _report(progress, f"downloading {file.path} ({file.size / 1e6:.1f} MB)", done / total)
        try:
            hf_hub_download(
                model.repo_id,
                file.path,
                revision=commit,
                local_dir=folder,
                endpoint=endpoint,
            )
        except HfHubHTTPError as error:
            raise HubError(
                f"download of {file.path} from {model.repo_id} failed ({error}); run the same "
                "command again to resume: finished files are kept"
            ) from None
        except Exception as error:
            raise HubError(
                f"download of {file.path} was interrupted ({type(error).__name__}: {error}); "
                "run the same command again to resume: finished files are kept"
            ) from None
        _report(progress, f"verifying {file.path}", None)
        verify(folder / file.path, file)
        done += file.size
    _report(progress, f"fetched {model.repo_id} at {commit[:12]}", 1.0)
    return Snapshot(folder=folder, repo_id=model.repo_id, commit=commit, files=tuple(files))


def _listed(siblings: Sequence[object]) -> list[ListedFile]:
    listed = []
    for sibling in siblings:
        lfs = getattr(sibling, "lfs", None)
        listed.append(
            ListedFile(
                path=str(getattr(sibling, "rfilename", "")),
                size=int(getattr(sibling, "size", None) or (lfs.size if lfs else 0)),
                sha256=str(lfs.sha256) if lfs is not None else None,
                blob_id=getattr(sibling, "blob_id", None),
            )
        )
    return listed


def _wanted(model: HubModel, listed: Sequence[ListedFile]) -> list[ListedFile]:
    """The engine's files among those listed; a repository without them is refused up front."""
    by_path = {file.path: file for file in listed}
    missing = [name for name in ENGINE_FILES if name not in by_path]
    vocabulary = [by_path[name] for name in VOCABULARY_FILES if name in by_path][:1]
    if not vocabulary:
        missing.append(" or ".join(VOCABULARY_FILES))
    if missing:
        raise HubError(
            f"{model.repo_id}@{model.revision[:12]} is not a CTranslate2 M2M-100 conversion: "
            f"it has no {', '.join(missing)}"
        )
    return [by_path[name] for name in ENGINE_FILES] + vocabulary


def verify(path: Path, listed: ListedFile) -> None:
    """Refuse a file whose bytes are not the ones the Hub lists; the bad copy is deleted."""
    size = path.stat().st_size
    if listed.sha256 is not None:
        expected, actual = listed.sha256, file_sha256(path)
        kind = "SHA-256"
    elif listed.blob_id is not None:
        expected, actual = listed.blob_id, git_blob_id(path)
        kind = "git blob id"
    else:
        path.unlink()
        raise HubError(f"the Hub lists no checksum for {listed.path}; it cannot be verified")
    if size != listed.size or actual != expected:
        path.unlink()
        raise HubError(
            f"checksum mismatch for {listed.path}: the Hub lists {kind} {expected} "
            f"({listed.size} bytes), the download has {actual} ({size} bytes); it was deleted, "
            "nothing was installed"
        )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as chunks:
        while chunk := chunks.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def git_blob_id(path: Path) -> str:
    """What git (and so the Hub's `blobId`) calls a file: SHA-1 over a `blob <size>` header."""
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(f"blob {path.stat().st_size}\0".encode())
    with path.open("rb") as chunks:
        while chunk := chunks.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _offline_advice(model: HubModel, endpoint: str, error: Exception) -> str:
    return (
        f"the Hub at {endpoint} could not be reached ({type(error).__name__}); offline, "
        f"fetch the folder on a connected machine (`hf download {model.repo_id} "
        f"--revision {model.revision} --local-dir {model.name}`) and install it with "
        f"`flask languages install FOLDER --name {model.name}`"
    )


# --- conversion from the original checkpoint -------------------------------------------------


def convert(model: HubModel, output: Path, progress: ProgressCallback | None = None) -> Path:
    """Convert Facebook's checkpoint to CTranslate2 (int8) in `output` with the official tool."""
    converter = shutil.which("ct2-transformers-converter")
    missing = [name for name in ("transformers", "torch") if importlib.util.find_spec(name) is None]
    if missing or converter is None:
        raise HubError(
            f"--convert needs {' and '.join(missing) or 'ct2-transformers-converter'}, which "
            "is not installed: `pip install transformers torch` (torch: the CPU build), or "
            f"install the ready conversion without --convert ({model.repo_id})"
        )
    _report(progress, f"converting {model.original} (downloads it first)", None)
    command = [
        converter,
        "--model",
        model.original,
        "--output_dir",
        str(output),
        "--copy_files",
        "sentencepiece.bpe.model",
        "--quantization",
        "int8",
        "--force",
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if completed.returncode != 0:
        tail = (completed.stderr or completed.stdout).strip().splitlines()[-3:]
        raise HubError(f"ct2-transformers-converter failed: {' / '.join(tail)}")
    return output


def _report(progress: ProgressCallback | None, message: str, fraction: float | None) -> None:
    logger.info("%s", message)
    if progress is not None:
        progress(message, fraction)
