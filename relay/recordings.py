"""Recordings on disk: where callers' audio is written, read and deleted, with one path check.

Everything lives under the instance folder: recorded calls in `recordings/<year>/<month>/`,
the resident simulator's uploads in `dev-audio/`. A path read from the database is never
trusted to point anywhere else, for reading (the agent's player) or for deleting (retention).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

log = logging.getLogger(__name__)

RECORDINGS_FOLDER = "recordings"
SIMULATOR_FOLDER = "dev-audio"
_SAFE = re.compile(r"[^A-Za-z0-9_-]")


def inside(root: Path, candidate: Path) -> Path | None:
    """`candidate` resolved, if it lies inside `root` (symbolic links and `..` followed)."""
    resolved = candidate.resolve()
    return resolved if resolved.is_relative_to(root.resolve()) else None


def new_recording_path(recording_sid: str, when: datetime) -> str:
    """Where a downloaded recording is kept, relative to the instance folder."""
    return f"{RECORDINGS_FOLDER}/{when:%Y/%m}/{_SAFE.sub('_', recording_sid)[:64]}.wav"


def stored_recording(instance_path: Path, relative: str) -> Path | None:
    """The stored recording for a message's `audio_path`, only if it is a file in the
    recordings folder."""
    found = inside(instance_path / RECORDINGS_FOLDER, instance_path / relative)
    if found is None or found == (instance_path / RECORDINGS_FOLDER).resolve():
        return None
    return found if found.is_file() else None


def audio_mimetype(path: Path) -> str:
    """What a stored recording is, from its first bytes (Twilio sends WAV; uploads may be MP3)."""
    with path.open("rb") as handle:
        head = handle.read(12)
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[:3] == b"ID3" or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    return "application/octet-stream"


def delete_recordings(instance_path: Path, paths: Iterable[str]) -> None:
    """Delete purged messages' audio; a path outside the instance folder is logged, not
    followed."""
    for name in paths:
        path = Path(name) if Path(name).is_absolute() else instance_path / name
        found = inside(instance_path, path)
        if found is None:
            log.warning("not deleting audio outside the instance folder: %s", path.resolve())
            continue
        found.unlink(missing_ok=True)


def prune_simulator_audio(instance_path: Path, cutoff: float) -> None:
    """The resident simulator's uploads are served to the app itself once, then only take
    space: remove those older than `cutoff` (a POSIX timestamp)."""
    folder = instance_path / SIMULATOR_FOLDER
    if folder.is_dir():
        for path in folder.iterdir():
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
