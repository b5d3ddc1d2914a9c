"""The buttons the 120 centres use on a thread: abuse warning and block, interpreter, transfer,
close. Each checks that the agent holds the thread (or is an admin) and leaves an audit event."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from werkzeug.exceptions import NotFound

from relay import MAX_ID
from relay.agent.access import agent_required, back_to_thread, is_admin, me
from relay.agent.outgoing import human_reply
from relay.agent.tools import agent_tools
from relay.services import services
from transcripts import repository
from transcripts.actions import AgentActions, NotYoursError
from transcripts.errors import ConversationClosedError, NotFoundError
from transcripts.models import Author, Disposition

bp = Blueprint("agent_actions", __name__, url_prefix="/agent/conversations/<int:conversation_id>")


@bp.errorhandler(NotYoursError)
def _not_yours(error: NotYoursError) -> Any:
    return back_to_thread(request.view_args["conversation_id"], str(error), "error")  # type: ignore[index]


@bp.errorhandler(ConversationClosedError)
def _closed(error: ConversationClosedError) -> Any:
    return back_to_thread(request.view_args["conversation_id"], "이미 종료된 대화입니다.", "error")  # type: ignore[index]


@bp.errorhandler(NotFoundError)
def _missing(_error: NotFoundError) -> Any:
    # A response, not abort(): an exception raised inside an error handler becomes a 500.
    return NotFound().get_response()


def _actions() -> AgentActions:
    return AgentActions(services().sessions)


@bp.post("/abuse")
@agent_required
def abuse(conversation_id: int) -> Any:
    """Send the centre's warning in the resident's language, flag the contact, maybe block it."""
    svc = services()
    actions = _actions()
    actions.require_actor(conversation_id, me(), as_admin=is_admin())
    hours_raw = request.form.get("block_hours") or "0"
    # isdigit() alone passes "²", which int() refuses; a length not on the form is refused below.
    hours = int(hours_raw) if hours_raw.isascii() and hours_raw.isdigit() else -1
    if hours and hours not in current_app.config["ABUSE_BLOCK_HOURS"]:
        return back_to_thread(conversation_id, "허용되지 않은 차단 기간입니다.", "error")
    with svc.sessions() as session:
        conversation = repository.get_conversation(session, conversation_id)
        if conversation is None:
            abort(404)
        language = conversation.language if conversation.language != "ko" else None
    warnings = agent_tools().abuse_warnings
    language = language or "en"  # an unknown language still gets a warning people can read
    draft = human_reply(
        warnings["ko"],
        warnings[language],
        language,
        author=Author.SYSTEM,
        source="abuse_warning",
        user_id=me(),
        public_base_url=current_app.config["PUBLIC_BASE_URL"],
    )
    message = svc.record.create_reply(conversation_id, draft)
    assert svc.jobs is not None
    svc.jobs.send_outbound(message.id)
    until = actions.flag_abuse(
        conversation_id,
        me(),
        block_for=timedelta(hours=hours) if hours else None,
        reason="악성 민원 경고 (abuse warning sent)",
        warning_message_id=message.id,
        as_admin=is_admin(),
    )
    done = "경고문을 보내고 번호에 표시했습니다."
    if until is not None:
        done += f" {hours}시간 동안 이 번호의 메시지는 보관만 되고 번역되지 않습니다."
    return back_to_thread(conversation_id, done)


@bp.post("/escalate")
@agent_required
def escalate(conversation_id: int) -> Any:
    """Mark the thread for a three-way human interpreter."""
    _actions().escalate(conversation_id, me(), as_admin=is_admin())
    return back_to_thread(conversation_id, "3자 통역 연결을 요청했습니다.")


@bp.post("/transfer")
@agent_required
def transfer(conversation_id: int) -> Any:
    """Hand the thread to another agent."""
    target = request.form.get("to_user_id", type=int)
    if target is None or not 0 < target <= MAX_ID:  # a longer number overflows the database
        return back_to_thread(conversation_id, "이관할 상담원을 고르세요.", "error")
    _actions().transfer(conversation_id, me(), target, as_admin=is_admin())
    flash(f"{conversation_id}번 대화를 이관했습니다.", "ok")
    return redirect(url_for("agent_queue.queue"), code=303)


@bp.post("/messages/<int:message_id>/retry")
@agent_required
def retry(conversation_id: int, message_id: int) -> Any:
    """Translate (or transcribe) a failed resident message again, e.g. once its model is in."""
    if not _actions().retry(conversation_id, message_id, me(), as_admin=is_admin()):
        return back_to_thread(
            conversation_id, "실패한 주민 메시지만 다시 번역할 수 있습니다.", "error"
        )
    jobs = services().jobs
    assert jobs is not None
    jobs.translate_inbound(message_id)
    return back_to_thread(conversation_id, "다시 번역을 요청했습니다.")


@bp.post("/close")
@agent_required
def close(conversation_id: int) -> Any:
    """Close the thread with how it ended (the figures the centres report)."""
    try:
        disposition = Disposition(request.form.get("disposition") or "")
    except ValueError:
        return back_to_thread(conversation_id, "종료 사유를 고르세요.", "error")
    _actions().require_actor(conversation_id, me(), as_admin=is_admin())
    services().record.close_conversation(conversation_id, disposition, me())
    flash(f"{conversation_id}번 대화를 종료했습니다.", "ok")
    return redirect(url_for("agent_queue.queue"), code=303)
