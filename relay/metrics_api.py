"""`GET /api/metrics`: the service-level figures of a period, for admins and reporting."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, request

from relay.auth import role_required
from relay.centre_time import at_centre
from relay.services import services
from transcripts.metrics import PROMPT_REPLY_SECONDS, service_figures
from transcripts.models import Role

bp = Blueprint("metrics", __name__, url_prefix="/api/metrics")


def _moment(name: str, default: datetime) -> datetime:
    value = request.args.get(name)
    if not value:
        return default
    return at_centre(datetime.fromisoformat(value))  # a date alone is the centre's midnight


@bp.get("")
@role_required(Role.ADMIN)
def metrics() -> Any:
    """Figures for conversations opened in [since, until); the last 24 hours by default."""
    now = datetime.now(UTC)
    try:
        until = _moment("until", now)
        since = _moment("since", until - timedelta(days=1))
    except (ValueError, OverflowError):  # OverflowError: before the calendar's first day
        return {"error": "since and until are ISO dates, e.g. 2026-11-01 or 2026-11-01T09:00"}, 400
    if since >= until:
        return {"error": "since must be before until"}, 400
    figures = service_figures(services().sessions, since, until)
    data = asdict(figures)
    data["since"], data["until"] = since.isoformat(), until.isoformat()
    data["reply_target_seconds"] = PROMPT_REPLY_SECONDS
    return data
