"""The admin metrics page: the service-level figures of `transcripts.metrics` for a chosen period,
in the words a 120 centre reports them, with each figure's definition, the charts over time and
a CSV beside each chart. Same numbers as `/api/metrics`, readable by a person."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Response, abort, render_template, request

from relay.agent.access import admin_required
from relay.agent.charts import as_csv, period_charts
from relay.agent.presenters import CHANNEL_LABELS, language_label
from relay.centre_time import centre_zone, days_span, today
from relay.services import services
from transcripts.metrics import PROMPT_REPLY_SECONDS, service_figures
from transcripts.metrics_series import figure_series

bp = Blueprint("review_metrics", __name__, url_prefix="/admin")

DEFAULT_DAYS = 7


def percent(share: float | None) -> str:
    """0.8754 → "87.5%"; no data → "—"."""
    return "—" if share is None else f"{share * 100:.1f}%"


def duration(seconds: float | None) -> str:
    """125.0 → "2분 5초"; no data → "—"."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, rest = divmod(rest, 60)
    if hours:
        return f"{hours}시간 {minutes}분"
    return f"{minutes}분 {rest}초" if minutes else f"{rest}초"


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
        return (*default, "날짜는 YYYY-MM-DD 형식입니다.")
    if first > last:
        return (*default, "시작일이 종료일보다 늦습니다.")
    return first, last, None


@bp.get("/metrics")
@admin_required
def metrics() -> Any:
    """Figures for conversations opened on the chosen days, at the centre's clock."""
    first, last, error = _period(request.args)
    since, until = days_span(first, last)
    figures = service_figures(services().sessions, since, until)
    charts = period_charts(
        figure_series(services().sessions, since, until, centre_zone()),
        PROMPT_REPLY_SECONDS // 60,
    )
    topics = sorted(figures.closed_by_topic.items(), key=lambda kv: (kv[0] == "none", -kv[1]))
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
        charts=charts,
        topics=topics,
    )


@bp.get("/metrics/charts/<name>.csv")
@admin_required
def chart_csv(name: str) -> Any:
    """One chart's numbers as CSV, for the same days as the page."""
    first, last, _error = _period(request.args)
    since, until = days_span(first, last)
    series = figure_series(services().sessions, since, until, centre_zone())
    chart = next(
        (c for c in period_charts(series, PROMPT_REPLY_SECONDS // 60) if c.name == name), None
    )
    if chart is None:
        abort(404)
    filename = f"relay-{name}-{first.isoformat()}-{last.isoformat()}.csv"
    return Response(
        as_csv(chart),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
