"""Applying the retention policy: rows through transcripts.retention, then the audio files.

Audio paths come from the database; relay/recordings.py deletes a file only when it lies inside
the instance folder, so a tampered or stale path can never make the purge delete anything else.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from relay.recordings import delete_recordings, prune_simulator_audio
from relay.services import Services
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
        prune_simulator_audio(instance_path, cutoff.timestamp())
        delete_recordings(instance_path, report.audio_paths)
        if report.conversations or report.receipts:
            log.info(
                "retention: deleted %d conversations, %d messages, %d webhook payloads",
                report.conversations,
                report.messages,
                report.receipts,
            )
    return report
