"""The buttons the 120 centres use on a thread: abuse warning and block, interpreter, transfer,
retry, close. Each parses the form and calls one use case of `transcripts.agent_actions`, which
checks that the agent holds the thread (or is an admin) and leaves an audit event; refusals are
answered by relay/errors.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, request, url_for

from relay.agent.access import actor, agent_required, back_to_thread, me
from relay.agent.tools import agent_tools
from relay.channels.interpreter import connect_interpreter
from relay.channels.live_end import end_live_call
from relay.ids import MAX_ID
from relay.replies import centre_sender, human_reply
from relay.services import services
from transcripts.models import Author, Disposition
from transcripts.outbound import ReplyDraft

bp = Blueprint("agent_actions", __name__, url_prefix="/agent/conversations/<int:conversation_id>")


@bp.post("/abuse")
@agent_required
def abuse(conversation_id: int) -> Any:
    """Send the centre's warning in the resident's language, flag the contact, maybe block it."""
    hours_raw = request.form.get("block_hours") or "0"
    # isdigit() alone passes "²", which int() refuses; a length not on the form is refused below.
    hours = int(hours_raw) if hours_raw.isascii() and hours_raw.isdigit() else -1
    if hours and hours not in current_app.config["ABUSE_BLOCK_HOURS"]:
        return back_to_thread(conversation_id, "허용되지 않은 차단 기간입니다.", "error")
    svc = services()
    outcome = svc.record.agents.warn_abuse(
        conversation_id,
        actor(),
        _warning,
        block_for=timedelta(hours=hours) if hours else None,
        reason="악성 민원 경고 (abuse warning sent)",
    )
    svc.jobs.send_outbound(outcome.warning_message_id)
    done = "경고문을 보내고 번호에 표시했습니다."
    if outcome.blocked_until is not None:
        done += f" {hours}시간 동안 이 번호의 메시지는 보관만 되고 번역되지 않습니다."
    return back_to_thread(conversation_id, done)


def _warning(language: str) -> ReplyDraft:
    """The centre's warning, written by people in each language, as a reply draft."""
    warnings = agent_tools().abuse_warnings
    return human_reply(
        warnings["ko"],
        warnings[language],
        language,
        author=Author.SYSTEM,
        source="abuse_warning",
        user_id=me(),
        public_base_url=current_app.config["PUBLIC_BASE_URL"],
        sender=centre_sender(current_app.config),
    )


@bp.post("/typing")
@agent_required
def typing(conversation_id: int) -> Any:
    """The holder is typing a reply: the resident's chat page shows it for a few seconds.
    agent.js sends at most one of these every few seconds while the agent types."""
    services().record.chat.typing(conversation_id, actor())
    return Response(status=204)


@bp.post("/escalate")
@agent_required
def escalate(conversation_id: int) -> Any:
    """Mark the thread for a three-way human interpreter; on a live call, dial the centre's
    interpreter line into a conference with the caller (relay/channels/interpreter.py)."""
    svc = services()
    escalation = svc.record.agents.escalate(conversation_id, actor())
    if escalation.live is None:
        return back_to_thread(conversation_id, "3자 통역 연결을 요청했습니다.")
    outcome = connect_interpreter(svc, current_app.config, escalation, me())
    return back_to_thread(conversation_id, outcome.notice, "ok" if outcome.connected else "error")


@bp.post("/transfer")
@agent_required
def transfer(conversation_id: int) -> Any:
    """Hand the thread to another agent."""
    target = request.form.get("to_user_id", type=int)
    if target is None or not 0 < target <= MAX_ID:  # a longer number overflows the database
        return back_to_thread(conversation_id, "이관할 상담원을 고르세요.", "error")
    services().record.agents.transfer(conversation_id, actor(), target)
    flash(f"{conversation_id}번 대화를 이관했습니다.", "ok")
    return redirect(url_for("agent_queue.queue"), code=303)


@bp.post("/messages/<int:message_id>/retry")
@agent_required
def retry(conversation_id: int, message_id: int) -> Any:
    """Translate (or transcribe) a failed resident message again, e.g. once its model is in."""
    svc = services()
    svc.record.agents.retry(message_id, actor(), conversation_id=conversation_id)
    svc.jobs.translate_inbound(message_id)
    return back_to_thread(conversation_id, "다시 번역을 요청했습니다.")


@bp.post("/close")
@agent_required
def close(conversation_id: int) -> Any:
    """Close the thread with how it ended (the figures the centres report)."""
    try:
        disposition = Disposition(request.form.get("disposition") or "")
    except ValueError:
        return back_to_thread(conversation_id, "종료 사유를 고르세요.", "error")
    svc = services()
    live = svc.record.agents.close(conversation_id, actor(), disposition)
    flash(f"{conversation_id}번 대화를 종료했습니다.", "ok")
    if live is not None:  # the caller is still on the line: goodbye, then hang up
        flash(end_live_call(svc, current_app.config, live, me()), "ok")
    return redirect(url_for("agent_queue.queue"), code=303)
