"""Personal data on staff pages: masked by default, revealed one message at a time.

Residents dictate registration, phone, card and passport numbers; a thread or a list open on a
screen (shared, photographed, read over a shoulder) should not show them. Every page masks them
(transcripts/masking.py). The holder of the conversation or an admin may reveal one message,
which writes an audit event; the reveal then lasts for that person's sign-in, so the live
refresh of the thread does not hide the number again while they use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, session

from relay.agent.access import actor, agent_required, back_to_thread
from relay.services import services
from transcripts.masking import mask_personal_data
from transcripts.models import Message

bp = Blueprint("agent_privacy", __name__, url_prefix="/agent/conversations/<int:conversation_id>")

_SESSION_KEY = "revealed_messages"
_KEPT = 50  # the most recent reveals a sign-in remembers (the cookie stays small)


@dataclass(frozen=True)
class MessageMask:
    """Every text of one message (original, Korean, machine versions, the link sent, segments)
    with its personal data masked, worked out once: the thread needs both whether the message
    holds anything private and each text's masked form, and masking is the costly part."""

    masked: dict[str, str]

    @property
    def holds_personal_data(self) -> bool:
        return any(text != shown for text, shown in self.masked.items())

    def __call__(self, text: str | None) -> str | None:
        if not text:
            return text
        shown = self.masked.get(text)
        return shown if shown is not None else mask_personal_data(text)


def message_mask(message: Message) -> MessageMask:
    """The masked form of each of `message`'s texts."""
    texts = [
        message.original_text,
        message.translated_text,
        message.machine_original_text,
        message.machine_translation,
        message.delivered_body,
        message.back_translation,
    ]
    for segment in message.segments or []:
        texts.extend(
            str(segment.get(key) or "")
            for key in ("text", "translated_text", "machine_text", "machine_translated_text")
        )
    return MessageMask({text: mask_personal_data(text) or "" for text in texts if text})


def revealed_messages() -> frozenset[int]:
    """The messages this sign-in revealed."""
    kept = session.get(_SESSION_KEY) or []
    return frozenset(value for value in kept if isinstance(value, int))


def masked(text: str | None) -> str | None:
    """The template filter for lists (queue, review, earlier conversations): always masked."""
    return mask_personal_data(text)


@bp.post("/messages/<int:message_id>/reveal")
@agent_required
def reveal(conversation_id: int, message_id: int) -> Any:
    """Show one message's masked numbers to its holder or an admin; audited."""
    services().record.agents.reveal(conversation_id, message_id, actor())
    kept = [value for value in session.get(_SESSION_KEY) or [] if value != message_id]
    session[_SESSION_KEY] = [*kept, message_id][-_KEPT:]
    return back_to_thread(conversation_id, "가려진 개인정보를 표시했습니다. 열람 기록이 남습니다.")
