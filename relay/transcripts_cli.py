"""`flask --app wsgi transcripts ...`: export the record and apply the retention policy."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import IO

import click
from flask import current_app
from flask.cli import AppGroup

from relay.centre_time import at_centre, centre_zone
from relay.retention import purge_expired
from relay.services import services
from transcripts.export import export_rows, write_csv, write_jsonl

transcripts_cli = AppGroup("transcripts", help="Export transcripts and apply retention.")


@transcripts_cli.command("export")
@click.option(
    "--since", type=click.DateTime(), default=None, help="From this date (RELAY_TIMEZONE)."
)
@click.option(
    "--until", type=click.DateTime(), default=None, help="Before this date (RELAY_TIMEZONE)."
)
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl")
@click.option(
    "--unmasked",
    is_flag=True,
    help=(
        "Keep registration, passport, card and phone numbers and e-mail addresses "
        "(only for a resident's own data request)."
    ),
)
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-")
def export_command(
    since: datetime | None, until: datetime | None, fmt: str, unmasked: bool, output: IO[str]
) -> None:
    """Write every message in the period, one row each, with personal data masked."""
    rows = export_rows(
        services().sessions,
        since=at_centre(since) if since else None,
        until=at_centre(until) if until else None,
        masked=not unmasked,
        zone=centre_zone(),
    )
    writer = write_csv if fmt == "csv" else write_jsonl
    count = writer(rows, output)
    click.echo(f"exported {count} messages", err=True)


@transcripts_cli.command("purge")
@click.option("--days", type=int, default=None, help="Override RELAY_RETENTION_DAYS.")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
def purge_command(days: int | None, dry_run: bool) -> None:
    """Delete conversations closed longer ago than the retention period."""
    days = days if days is not None else int(current_app.config["RETENTION_DAYS"])
    if days <= 0:
        raise click.ClickException("retention is off (RELAY_RETENTION_DAYS=0); pass --days N")
    report = purge_expired(services(), days, Path(current_app.instance_path), dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    click.echo(
        f"{verb} {report.conversations} conversations, {report.messages} messages, "
        f"{len(report.audio_paths)} audio files and {report.receipts} webhook payloads "
        f"closed or received more than {days} days ago"
    )
