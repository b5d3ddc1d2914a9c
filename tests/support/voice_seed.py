"""A recorded voice message put straight into the record, for tests of the pages and services
that show or correct one without running the call flow and the speech model."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from transcripts.models import (
    Author,
    Channel,
    Contact,
    Conversation,
    Direction,
    Message,
    MessageStatus,
)


def seg(start: float, end: float, text: str, korean: str, **extra: Any) -> dict[str, Any]:
    """One timed segment as the voice job stores it."""
    return {"start": start, "end": end, "text": text, "translated_text": korean, **extra}


def seed_voice_message(
    sessions: sessionmaker[Session],
    segments: list[dict[str, Any]],
    *,
    phone: str = "+821099998888",
    **message: Any,
) -> tuple[int, int]:
    """An English caller's translated recording whose text is the join of `segments`, in a new
    voice conversation; `message` overrides any Message column. Returns (conversation, message)."""
    with sessions() as session, session.begin():
        contact = Contact(phone=phone, language="en")
        session.add(contact)
        session.flush()
        conversation = Conversation(contact_id=contact.id, channel=Channel.VOICE, language="en")
        session.add(conversation)
        session.flush()
        columns: dict[str, Any] = {
            "conversation_id": conversation.id,
            "direction": Direction.INBOUND,
            "channel": Channel.VOICE,
            "author": Author.RESIDENT,
            "original_text": " ".join(s["text"] for s in segments),
            "original_language": "en",
            "translated_text": " ".join(s["translated_text"] for s in segments),
            "status": MessageStatus.TRANSLATED,
            "segments": segments,
        }
        row = Message(**(columns | message))
        session.add(row)
        session.flush()
        return conversation.id, row.id
