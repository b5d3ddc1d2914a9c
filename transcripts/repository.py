"""Read-only queries over the record; nothing here commits.

Views and the API read through these functions so that every query that matters is in one place,
written against the indexes declared in models.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from transcripts.models import (
    Author,
    Contact,
    Conversation,
    ConversationStatus,
    Direction,
    Event,
    Message,
    User,
)


@dataclass(frozen=True)
class ConversationPage:
    """A page of conversations, newest activity first, with the cursor for the next page."""

    conversations: Sequence[Conversation]
    total: int
    next_offset: int | None


def list_conversations(
    session: Session,
    *,
    status: ConversationStatus | None = None,
    limit: int = 50,
    offset: int = 0,
) -> ConversationPage:
    """Conversations by last activity (uses ix_conversations_status_last_message)."""
    query = select(Conversation)
    count = select(func.count(Conversation.id))
    if status is not None:
        query = query.where(Conversation.status == status)
        count = count.where(Conversation.status == status)
    rows = session.scalars(
        query.order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    total = session.scalar(count) or 0
    next_offset = offset + limit if offset + limit < total else None
    return ConversationPage(rows, total, next_offset)


def get_conversation(session: Session, conversation_id: int) -> Conversation | None:
    """One conversation (its contact is joined)."""
    return session.get(Conversation, conversation_id)


def messages_of(session: Session, conversation_id: int) -> Sequence[Message]:
    """A conversation's messages in the order they happened."""
    return session.scalars(
        select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
    ).all()


def last_messages(session: Session, conversation_ids: Sequence[int]) -> dict[int, Message]:
    """The latest message of each conversation, in one query (for queue previews); relay's
    automatic receipt is not one: the preview stays what the resident wrote."""
    if not conversation_ids:
        return {}
    latest = (
        select(func.max(Message.id))
        .where(
            Message.conversation_id.in_(conversation_ids),
            Message.author != Author.AUTOMATIC,
        )
        .group_by(Message.conversation_id)
    )
    rows = session.scalars(select(Message).where(Message.id.in_(latest))).all()
    return {message.conversation_id: message for message in rows}


def earlier_conversations(
    session: Session, conversation: Conversation, *, limit: int = 5
) -> list[tuple[Conversation, Message | None]]:
    """The same resident's other conversations (earlier and, seen from an old one, later),
    newest first, each with its first message (what they wrote about), so an agent sees the
    history of a returning resident."""
    others = session.scalars(
        select(Conversation)
        .where(
            Conversation.contact_id == conversation.contact_id,
            Conversation.id != conversation.id,
        )
        .order_by(Conversation.id.desc())
        .limit(limit)
    ).all()
    if not others:
        return []
    first_ids = (
        select(func.min(Message.id))
        .where(
            Message.conversation_id.in_([other.id for other in others]),
            Message.direction == Direction.INBOUND,
        )
        .group_by(Message.conversation_id)
    )
    firsts = {
        m.conversation_id: m
        for m in session.scalars(select(Message).where(Message.id.in_(first_ids)))
    }
    return [(other, firsts.get(other.id)) for other in others]


def get_message(session: Session, message_id: int) -> Message | None:
    """One message by id."""
    return session.get(Message, message_id)


def message_by_reply_token(session: Session, token: str) -> Message | None:
    """The outbound message behind a reply link (`/r/<token>`)."""
    return session.scalar(select(Message).where(Message.reply_token == token))


def outbound_messages(session: Session, *, limit: int = 100) -> Sequence[Message]:
    """Recent outbound messages, newest first (the development outbox)."""
    return session.scalars(
        select(Message)
        .where(Message.direction == Direction.OUTBOUND)
        .order_by(Message.id.desc())
        .limit(limit)
    ).all()


def messages_of_phone(session: Session, phone: str, *, limit: int = 200) -> Sequence[Message]:
    """Every message to or from a resident's number, oldest first (the resident simulator)."""
    return session.scalars(
        select(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(Contact.phone == phone)
        .order_by(Message.id.desc())
        .limit(limit)
    ).all()[::-1]


def events_after(
    session: Session, last_id: int, *, limit: int = 200, conversation_id: int | None = None
) -> Sequence[Event]:
    """Events newer than `last_id`, oldest first: what an SSE client has not seen yet (of one
    conversation only, for a resident's chat page)."""
    query = select(Event).where(Event.id > last_id)
    if conversation_id is not None:
        query = query.where(Event.conversation_id == conversation_id)
    return session.scalars(query.order_by(Event.id).limit(limit)).all()


def latest_event_id(session: Session, conversation_id: int | None = None) -> int:
    """The id of the newest event (of one conversation), or 0."""
    query = select(func.max(Event.id))
    if conversation_id is not None:
        query = query.where(Event.conversation_id == conversation_id)
    return session.scalar(query) or 0


def user_by_name(session: Session, username: str) -> User | None:
    """A user by username."""
    return session.scalar(select(User).where(User.username == username))


def user_by_token_hash(session: Session, token_hash: str) -> User | None:
    """An active user by the hash of their API token."""
    return session.scalar(
        select(User).where(User.api_token_hash == token_hash, User.active.is_(True))
    )
