"""Retention: deleting what the centre no longer needs to keep.

A call centre may keep a resident's messages only as long as its retention policy allows. A
conversation closed before the cutoff goes with everything that hangs from it (messages, calls,
events); raw webhook payloads older than the cutoff go too (they repeat the same personal data),
and so do contacts left with no conversation and no active block. Open conversations are never
touched, however old. Audio files live outside the database: their paths are returned so the
caller deletes them after the rows are gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, exists, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from transcripts.models import (
    Call,
    ChatHit,
    ChatSecret,
    Contact,
    Conversation,
    ConversationStatus,
    Event,
    LoginFailure,
    Message,
    WebhookReceipt,
)

BATCH_SIZE = 200


@dataclass(frozen=True)
class PurgeReport:
    """What a purge removed (or, in a dry run, would remove)."""

    conversations: int
    messages: int
    receipts: int
    contacts: int
    audio_paths: tuple[str, ...]


def purge_before(
    sessions: sessionmaker[Session], cutoff: datetime, *, dry_run: bool = False
) -> PurgeReport:
    """Delete conversations closed before `cutoff` and what hangs from them, in batches.

    With `dry_run`, count what would go and delete nothing.
    """
    if dry_run:
        return _count(sessions, cutoff)
    conversations = messages = 0
    audio: list[str] = []
    while True:
        with sessions() as session, session.begin():
            ids = list(
                session.scalars(_closed_before(cutoff).order_by(Conversation.id).limit(BATCH_SIZE))
            )
            if not ids:
                break
            audio += _audio_paths(session, ids)
            owned = select(Message.id).where(Message.conversation_id.in_(ids))
            session.execute(delete(Event).where(Event.message_id.in_(owned)))
            session.execute(delete(Event).where(Event.conversation_id.in_(ids)))
            messages += _rowcount(
                session.execute(delete(Message).where(Message.conversation_id.in_(ids)))
            )
            session.execute(delete(Call).where(Call.conversation_id.in_(ids)))
            # A purged conversation's chat links open nothing: their hashes go with it.
            session.execute(delete(ChatSecret).where(ChatSecret.conversation_id.in_(ids)))
            conversations += _rowcount(
                session.execute(delete(Conversation).where(Conversation.id.in_(ids)))
            )
    with sessions() as session, session.begin():
        receipts = _rowcount(
            session.execute(delete(WebhookReceipt).where(WebhookReceipt.received_at < cutoff))
        )
        session.execute(delete(ChatHit).where(ChatHit.at < cutoff))
        session.execute(
            delete(Call).where(Call.conversation_id.is_(None), Call.started_at < cutoff)
        )
        contacts = _rowcount(session.execute(delete(Contact).where(*_orphaned_contacts(cutoff))))
        session.execute(delete(LoginFailure).where(LoginFailure.failed_at < cutoff))
    return PurgeReport(conversations, messages, receipts, contacts, tuple(audio))


def _rowcount(result: Any) -> int:
    return int(result.rowcount or 0)


def _closed_before(cutoff: datetime) -> Select[Any]:
    return select(Conversation.id).where(
        Conversation.status == ConversationStatus.CLOSED, Conversation.closed_at < cutoff
    )


def _audio_paths(session: Session, conversation_ids: Any) -> list[str]:
    query = select(Message.audio_path).where(
        Message.conversation_id.in_(conversation_ids), Message.audio_path.is_not(None)
    )
    return [path for path in session.scalars(query) if path]


def _orphaned_contacts(cutoff: datetime) -> tuple[ColumnElement[bool], ...]:
    """Contacts created before the cutoff with no conversation, call or active block left."""
    return (
        Contact.created_at < cutoff,
        ~exists().where(Conversation.contact_id == Contact.id),
        ~exists().where(Call.contact_id == Contact.id),
        or_(Contact.blocked_until.is_(None), Contact.blocked_until < cutoff),
    )


def _count(sessions: sessionmaker[Session], cutoff: datetime) -> PurgeReport:
    """What a purge at `cutoff` would delete (orphaned contacts are counted as none yet: they
    become orphans only once their conversations are gone)."""
    ids = _closed_before(cutoff)
    with sessions() as session:
        conversations = session.scalar(select(func.count()).select_from(ids.subquery()))
        messages = session.scalar(
            select(func.count(Message.id)).where(Message.conversation_id.in_(ids))
        )
        receipts = session.scalar(
            select(func.count(WebhookReceipt.id)).where(WebhookReceipt.received_at < cutoff)
        )
        audio = _audio_paths(session, ids)
    return PurgeReport(conversations or 0, messages or 0, receipts or 0, 0, tuple(audio))
