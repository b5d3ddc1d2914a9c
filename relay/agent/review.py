"""Admin corrections from the thread view: the Korean of a resident's message, the transcript of
a recording, one timed segment. The rules (machine text kept, audit, translation memory) live in
`transcripts.corrections`; these views parse the form and say what happened."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, request

from relay.agent.access import admin_required, back_to_thread, me
from relay.services import services
from transcripts.corrections import Correction, CorrectionError, Corrections
from transcripts.errors import NotFoundError
from transcripts.writes import get_message

bp = Blueprint("review", __name__, url_prefix="/admin")

MAX_FORM_CHARS = 6000  # above the use case's own limit, so it can say why


def _corrections() -> Corrections:
    return services().record.corrections


def _conversation_of(message_id: int) -> int:
    with services().sessions() as session:
        try:
            return get_message(session, message_id).conversation_id
        except NotFoundError:
            abort(404)


def _refusal(error: CorrectionError) -> str:
    """Why a correction was refused, in Korean (the record's English is for logs and the API)."""
    return f"수정할 수 없습니다: {error.korean or '이 메시지는 고칠 수 없습니다.'}"


def _outcome(conversation_id: int, done: list[Correction]) -> Any:
    if not done:
        return back_to_thread(conversation_id, "바뀐 내용이 없습니다.")
    remembered = any(c.remembered for c in done)
    note = " 번역 메모리에 저장했습니다." if remembered else ""
    return back_to_thread(conversation_id, f"수정을 저장했습니다.{note}")


@bp.post("/messages/<int:message_id>/correct")
@admin_required
def correct_message(message_id: int) -> Any:
    """Correct a message's Korean (field=translation) or a recording's transcript (original)."""
    conversation_id = _conversation_of(message_id)
    text = (request.form.get("text") or "")[:MAX_FORM_CHARS]
    field = request.form.get("field")
    try:
        if field == "translation":
            done = _corrections().correct_translation(message_id, text, me())
        elif field == "original":
            done = _corrections().correct_original(message_id, text, me())
        else:
            abort(400)
    except CorrectionError as error:
        return back_to_thread(conversation_id, _refusal(error), "error")
    return _outcome(conversation_id, [done] if done else [])


@bp.post("/messages/<int:message_id>/segments/<int:index>/correct")
@admin_required
def correct_segment(message_id: int, index: int) -> Any:
    """Correct one timed segment of a voice message: its transcript and/or its Korean."""
    conversation_id = _conversation_of(message_id)
    form = request.form
    text = form.get("text")
    korean = form.get("korean")
    try:
        done = _corrections().correct_segment(
            message_id,
            index,
            me(),
            text=text[:MAX_FORM_CHARS] if text is not None else None,
            korean=korean[:MAX_FORM_CHARS] if korean else None,  # left empty: no Korean yet
        )
    except CorrectionError as error:
        return back_to_thread(conversation_id, _refusal(error), "error")
    return _outcome(conversation_id, done)
