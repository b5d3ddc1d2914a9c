"""Applying the retention policy: rows through transcripts.retention, then the audio files.

Audio paths come from the database; a file is deleted only when it lies inside the instance
folder, so a tampered or stale path can never make the purge delete anything else.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from relay.services import Services
from relay.voice.simulator import AUDIO_FOLDER as SIMULATOR_AUDIO
from transcripts.db import utcnow
from transcripts.retention import PurgeReport, purge_before

log = logging.getLogger(__name__)


def purge_expired(
    svc: Services, days: int, instance_path: Path, *, dry_run: bool = False
) -> PurgeReport:
    """Delete what closed more than `days` ago; returns what was (or would be) deleted."""
    if days <= 0:
        raise ValueError("retention must be at least one day")
    cutoff = utcnow() - timedelta(days=days)
    report = purge_before(svc.sessions, cutoff, dry_run=dry_run)
    if not dry_run:
        _prune_simulator_audio(instance_path / SIMULATOR_AUDIO, cutoff.timestamp())
        root = instance_path.resolve()
        for name in report.audio_paths:
            path = Path(name) if Path(name).is_absolute() else root / name
            resolved = path.resolve()
            if resolved.is_relative_to(root):
                resolved.unlink(missing_ok=True)
            else:
                log.warning("not deleting audio outside the instance folder: %s", resolved)
        if report.conversations or report.receipts:
            log.info(
                "retention: deleted %d conversations, %d messages, %d webhook payloads",
                report.conversations,
                report.messages,
                report.receipts,
            )
    return report


def _prune_simulator_audio(folder: Path, cutoff: float) -> None:
    """The resident simulator's uploads are served to the app itself once, then only take space."""
    if folder.is_dir():
        for path in folder.iterdir():
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
