"""The language an agent answers a resident in, chosen on the thread.

Detection cannot always tell: a Korean speaker's short text, a German text marked for an
interpreter. The agent picks one of the five resident languages, Korean (sent as written, with no
translation), or "통역 필요" (the thread is marked for an interpreter); the choice is stored on
the conversation and audited by `transcripts.agent_actions.AgentActions.choose_language`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from languages import registry
from relay.agent.access import actor, agent_required, back_to_thread
from relay.services import services

bp = Blueprint(
    "agent_reply_language", __name__, url_prefix="/agent/conversations/<int:conversation_id>"
)

INTERPRETER = "interpreter"


def reply_language_choices() -> list[tuple[str, str]]:
    """(value, Korean label) for the picker: the five, Korean, and the interpreter mark."""
    choices = [
        (lang.code, f"{lang.flag} {lang.korean_name}") for lang in registry.RESIDENT_LANGUAGES
    ]
    korean = registry.KOREAN
    choices.append((korean.code, f"{korean.flag} {korean.korean_name} (번역 없이 답변)"))
    choices.append((INTERPRETER, "통역 필요 (지원하지 않는 언어)"))
    return choices


@bp.post("/language")
@agent_required
def choose(conversation_id: int) -> Any:
    """Store the agent's choice of reply language (or the interpreter mark)."""
    value = request.form.get("language") or ""
    codes = {code for code, _label in reply_language_choices()}
    if value not in codes:
        return back_to_thread(conversation_id, "답변 언어를 고르세요.", "error")
    interpreter = value == INTERPRETER
    services().record.agents.choose_language(
        conversation_id, actor(), None if interpreter else value, interpreter=interpreter
    )
    if interpreter:
        return back_to_thread(conversation_id, "통역이 필요한 대화로 표시했습니다.")
    name = registry.get(value).korean_name
    return back_to_thread(conversation_id, f"답변 언어를 {name}(으)로 정했습니다.")
