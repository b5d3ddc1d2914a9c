"""The admin metrics page: the service-level figures of `transcripts.metrics` for a chosen period,
in the words a 120 centre reports them. Same numbers as `/api/metrics`, readable by a person."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, render_template, request

from relay.agent.access import admin_required
from relay.agent.presenters import CHANNEL_LABELS, language_label
from relay.centre_time import centre_zone, days_span, today
from relay.services import services
from transcripts.metrics import PROMPT_REPLY_SECONDS, service_figures

bp = Blueprint("review_metrics", __name__, url_prefix="/admin")

DEFAULT_DAYS = 7


def percent(share: float | None) -> str:
    """0.8754 → "87.5%"; no data → "—"."""
    return "—" if share is None else f"{share * 100:.1f}%"


def duration(seconds: float | None) -> str:
    """125.0 → "2분 5초 (125 s)"; no data → "—"."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    minutes, rest = divmod(whole, 60)
    spoken = f"{minutes}분 {rest}초" if minutes else f"{rest}초"
    return f"{spoken} ({seconds:g} s)"


def _period(args: Any) -> tuple[date, date, str | None]:
    """The chosen days (both included), the last DEFAULT_DAYS by default; an error sentence
    instead of a 500 for a date that does not parse or runs backwards."""
    now = today()
    default = (now - timedelta(days=DEFAULT_DAYS - 1), now)
    try:
        first = date.fromisoformat(args["since"]) if args.get("since") else default[0]
        last = date.fromisoformat(args["until"]) if args.get("until") else default[1]
        # OverflowError: 9999-12-31 has no next midnight, 0001-01-01 starts before UTC's year 1
        days_span(first, last)
    except OverflowError:  # a well-formed date the centre's clock cannot span
        return (*default, "0001-01-02부터 9999-12-30까지의 날짜만 볼 수 있습니다.")
    except ValueError:
        return (*default, "날짜는 YYYY-MM-DD 형식입니다 (dates are YYYY-MM-DD).")
    if first > last:
        return (*default, "시작일이 종료일보다 늦습니다 (the start is after the end).")
    return first, last, None


@bp.get("/metrics")
@admin_required
def metrics() -> Any:
    """Figures for conversations opened on the chosen days, at the centre's clock."""
    first, last, error = _period(request.args)
    since, until = days_span(first, last)
    figures = service_figures(services().sessions, since, until)
    languages = [
        (language_label(None if code == "unknown" else code), count)
        for code, count in sorted(figures.contacts_by_language.items(), key=lambda kv: -kv[1])
    ]
    channels = [
        (CHANNEL_LABELS.get(code, code), count)
        for code, count in sorted(figures.contacts_by_channel.items())
    ]
    return render_template(
        "admin/metrics.html",
        f=figures,
        first=first,
        last=last,
        error=error,
        languages=languages,
        channels=channels,
        target_minutes=PROMPT_REPLY_SECONDS // 60,
        percent=percent,
        duration=duration,
        zone=centre_zone().key,
        api_since=since.isoformat(),
        api_until=until.isoformat(),
    )
