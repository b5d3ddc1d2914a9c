"""The floor's pages: an agent's own state (the header's form) and the supervisor's live view.

`/admin/live` refreshes itself by htmx polling (every 5 seconds), not through the SSE feed: what
the supervisor watches changes with the clock as much as with events (a wait passing the
15-minute target is no event), the feed carries event ids only, and a poll of one
server-rendered fragment keeps a single code path and takes none of the feed's limited slots.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, url_for

from relay.agent.access import actor, admin_required, agent_required, me, wants_fragment
from relay.agent.floor_labels import AGENT_LANGUAGES, AVAILABILITY_LABELS, language_name
from relay.auth import local_target
from relay.ids import MAX_ID
from relay.services import services
from transcripts.db import utcnow
from transcripts.floor_listings import ANSWER_TARGET, availability_of, floor, suggestions
from transcripts.models import Availability

bp = Blueprint("floor", __name__)

#: How often the live view asks for a fresh fragment.
LIVE_REFRESH_SECONDS = 5


@bp.post("/agent/availability")
@agent_required
def availability() -> Any:
    """Set the signed-in agent's state from the header; back to the page they were on."""
    try:
        state = Availability(request.form.get("availability") or "")
    except ValueError:
        flash("상태를 고르세요.", "error")
        return redirect(_back(), code=303)
    svc = services()
    change = svc.record.floor.set_availability(actor(), state)
    if change.changed and state is Availability.AVAILABLE and current_app.config["AUTO_ASSIGN"]:
        svc.jobs.auto_assign()  # someone can take a contact now
    flash(f"상태: {AVAILABILITY_LABELS[state.value]}", "ok")
    return redirect(_back(), code=303)


def _back() -> str:
    """The page the form was on, if it is one of ours (never an address elsewhere)."""
    return local_target(request.form.get("next")) or url_for("agent_queue.queue")


@bp.get("/admin/live")
@admin_required
def live() -> Any:
    """The floor now: agents, what they hold, the waits per language, the target at risk."""
    now = utcnow()
    with services().sessions() as session:
        view = floor(session, now)
        template = "admin/_live.html" if wants_fragment() else "admin/live.html"
        return render_template(
            template,
            view=view,
            labels=AVAILABILITY_LABELS,
            languages=AGENT_LANGUAGES,
            target_minutes=int(ANSWER_TARGET.total_seconds() // 60),
            refresh=LIVE_REFRESH_SECONDS,
            names={a.user_id: a.username for a in view.agents},
            suggested=suggestions(view),
        )


@bp.post("/admin/live/conversations/<int:conversation_id>/transfer")
@admin_required
def transfer(conversation_id: int) -> Any:
    """Reassign a conversation from the live view (the thread's own transfer use case)."""
    target = request.form.get("to_user_id", type=int)
    if target is None or not 0 < target <= MAX_ID:
        flash("이관할 상담원을 고르세요.", "error")
        return redirect(url_for("floor.live"), code=303)
    services().record.agents.transfer(conversation_id, actor(), target)
    flash(f"{conversation_id}번 대화를 이관했습니다.", "ok")
    return redirect(url_for("floor.live"), code=303)


@bp.post("/admin/live/agents/<int:user_id>/languages")
@admin_required
def languages(user_id: int) -> Any:
    """Set the languages an agent serves (the five residents' languages and Korean)."""
    if not 0 < user_id <= MAX_ID:
        flash("상담원을 찾을 수 없습니다.", "error")
        return redirect(url_for("floor.live"), code=303)
    allowed = {language.code for language in AGENT_LANGUAGES}
    chosen = set(request.form.getlist("languages")) & allowed
    kept = services().record.floor.set_languages(actor(), user_id, chosen)
    names = ", ".join(language_name(code) for code in kept) or "없음"
    flash(f"상담 언어를 저장했습니다: {names}", "ok")
    return redirect(url_for("floor.live"), code=303)


def elapsed(since: datetime | None, now: datetime | None = None) -> str:
    """How long since `since`, as a supervisor reads it: "40초", "12분", "1시간 5분" and,
    past a day, "2일 3시간"."""
    if since is None:
        return "—"
    seconds = max(0, int(((now or utcnow()) - since).total_seconds()))
    if seconds < 60:
        return f"{seconds}초"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}분"
    hours = minutes // 60
    if hours < 24:
        return f"{hours}시간 {minutes % 60}분"
    return f"{hours // 24}일 {hours % 24}시간"


def register_floor(app: Flask) -> None:
    """The blueprint, the `elapsed` filter, and the header's reading of one's own state."""
    app.register_blueprint(bp)
    app.add_template_filter(elapsed)
    app.add_template_filter(language_name)

    @app.context_processor
    def _my_state() -> dict[str, Any]:
        return {"my_availability": _my_availability, "availability_labels": AVAILABILITY_LABELS}


def _my_availability() -> str:
    """The signed-in agent's state, read when the header is drawn (one small query)."""
    with services().sessions() as session:
        return availability_of(session, me()).value
