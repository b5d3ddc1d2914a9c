"""Export from the admin review list: the messages of the conversations the current filters
select, in a date range, as CSV or JSON Lines, masked unless the admin unticks it.

The rows and their masking come from `transcripts.export`; this view only parses the form,
audits the export and streams the chunks, so a year of messages never sits in memory.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, flash, redirect, request, url_for

from relay.agent.access import admin_required, me
from relay.agent.admin import review_filter
from relay.centre_time import centre_zone, day_start
from relay.services import services
from transcripts.export import csv_chunks, export_rows, jsonl_chunks, record_export

bp = Blueprint("review_export", __name__, url_prefix="/admin")

FORMATS = {
    # CSV starts with a byte-order mark so spreadsheet programs read the Korean as UTF-8.
    "csv": ("text/csv; charset=utf-8", csv_chunks, "\ufeff"),
    "jsonl": ("application/x-ndjson; charset=utf-8", jsonl_chunks, ""),
}
FILTER_FIELDS = ("q", "phone", "language", "channel", "status", "interpreter")


def _day(raw: str | None, *, after: bool = False) -> datetime | None:
    """A YYYY-MM-DD date as the midnight it starts at the centre (or, for the end date, the
    one after)."""
    if not raw:
        return None
    day = date.fromisoformat(raw)
    return day_start(day + timedelta(days=1) if after else day)


@bp.post("/conversations/export")
@admin_required
def export() -> Any:
    """Stream the export as a download named after its dates."""
    form = request.form
    back: dict[str, Any] = {k: form[k] for k in FILTER_FIELDS if form.get(k)}
    fmt = form.get("format", "csv")
    try:
        since = _day(form.get("since"))
        until = _day(form.get("until"), after=True)
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}")
        if since and until and since >= until:
            raise ValueError("the start date is after the end date")
    except (ValueError, OverflowError) as error:  # OverflowError: no day after 9999-12-31
        flash(f"내보낼 수 없습니다 (cannot export): {error}", "error")
        return redirect(url_for("admin.conversations", **back), code=303)
    filters = review_filter(form)
    masked = form.get("masked") == "1"
    sessions = services().sessions
    record_export(
        sessions,
        me(),
        format=fmt,
        masked=masked,
        since=since.isoformat() if since else None,
        until=until.isoformat() if until else None,
        filters=back,
    )
    mimetype, chunks, preamble = FORMATS[fmt]
    rows = export_rows(
        sessions,
        since=since,
        until=until,
        masked=masked,
        conversations=filters,
        zone=centre_zone(),
    )

    def body() -> Any:
        yield preamble
        yield from chunks(rows)

    days = [since.date() if since else None, (until - timedelta(days=1)).date() if until else None]
    span = "-".join(day.isoformat() for day in days if day) or "all"
    name = f"relay-transcripts-{span}{'' if masked else '-unmasked'}.{fmt}"
    return Response(
        body(),
        content_type=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
