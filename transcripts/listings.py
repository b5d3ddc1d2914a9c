"""Reads behind the agent view: the waiting queue, an agent's own threads, the admin review list.

Each query is paged and written against an existing index (open conversations by status and
last activity; messages by conversation and id), so the pages stay fast with tens of thousands
of conversations in the record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from transcripts.models import (
    Channel,
    Contact,
    Conversation,
    ConversationStatus,
    Direction,
    Event,
    Message,
    MessageStatus,
    Role,
    User,
)
from transcripts.phones import normalise_phone

PAGE_SIZE = 50
T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    """One page of conversations and whether more follow."""

    conversations: Sequence[Conversation]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _paged(session: Session, query: Select[Conversation], page: int, size: int) -> Page:
    page = max(page, 1)
    # Counted over the ids alone: a subquery of whole rows made SQLite read each row's columns.
    ids = query.with_only_columns(Conversation.id).order_by(None).subquery()
    total = session.scalar(select(func.count()).select_from(ids)) or 0
    rows = session.scalars(query.limit(size).offset((page - 1) * size)).all()
    return Page(rows, total, page, size)


#: The queue's order, which automatic assignment follows too: the longest-waiting resident first.
WAITING_ORDER = (
    func.coalesce(Conversation.awaiting_since, Conversation.last_message_at),
    Conversation.id,
)


def waiting(
    session: Session, *, page: int = 1, size: int = PAGE_SIZE, filters: QueueFilter | None = None
) -> Page:
    """Open conversations nobody has claimed, longest waiting first: by the resident's oldest
    unanswered message, not their latest one; `filters` narrow them as the agent asked."""
    query = _queue_filtered(select(Conversation), filters or QueueFilter())
    query = query.where(
        Conversation.status == ConversationStatus.OPEN,
        Conversation.claimed_by_id.is_(None),
    ).order_by(*WAITING_ORDER)
    return _paged(session, query, page, size)


def claimed_by(
    session: Session, user_id: int, *, limit: int = PAGE_SIZE, filters: QueueFilter | None = None
) -> Sequence[Conversation]:
    """An agent's open threads, most recent activity first, narrowed by `filters`."""
    return session.scalars(
        _queue_filtered(select(Conversation), filters or QueueFilter())
        .where(
            Conversation.status == ConversationStatus.OPEN,
            Conversation.claimed_by_id == user_id,
        )
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
        .limit(limit)
    ).all()


@dataclass(frozen=True)
class ReviewFilter:
    """The admin list's search box and filters; empty fields filter nothing."""

    text: str = ""
    phone: str = ""
    language: str = ""
    channel: str = ""
    status: str = ""
    needs_interpreter: bool = False


def _filtered(query: Select[T], filters: ReviewFilter) -> Select[T]:
    """`query` over conversations narrowed by the admin's filters (shared by the list and the
    export, so both always mean the same conversations)."""
    if filters.phone.strip():
        # As typed, and in the form numbers are stored in: "010-5550-7777" finds +821055507777.
        # The contact is joined only here: every other filter reads the conversation alone,
        # and the join cost the queue's count a read of each contact.
        typed = filters.phone.strip()
        query = query.join(Contact, Contact.id == Conversation.contact_id).where(
            or_(
                Contact.phone.contains(typed, autoescape=True),
                Contact.phone.contains(normalise_phone(typed), autoescape=True),
            )
        )
    if filters.language:
        query = query.where(Conversation.language == filters.language)
    if filters.channel in {c.value for c in Channel}:
        query = query.where(Conversation.channel == Channel(filters.channel))
    if filters.status in {s.value for s in ConversationStatus}:
        query = query.where(Conversation.status == ConversationStatus(filters.status))
    if filters.needs_interpreter:
        query = query.where(Conversation.needs_interpreter.is_(True))
    if filters.text.strip():
        needle = filters.text.strip()
        matching = select(Message.conversation_id).where(
            or_(
                Message.original_text.contains(needle, autoescape=True),
                Message.translated_text.contains(needle, autoescape=True),
            )
        )
        query = query.where(Conversation.id.in_(matching))
    return query


@dataclass(frozen=True)
class QueueFilter:
    """The agent queue's filters and search box (over their own and the waiting threads);
    empty fields filter nothing. `text` finds a word of a message, or digits of a number."""

    text: str = ""
    language: str = ""
    channel: str = ""
    needs_interpreter: bool = False
    quality_warning: bool = False
    # Detection below this probability is a doubt the agent is warned of (as on the thread).
    doubt_below: float = 0.6

    @property
    def active(self) -> bool:
        return bool(
            self.text.strip()
            or self.language
            or self.channel
            or self.needs_interpreter
            or self.quality_warning
        )


def _queue_filtered(query: Select[T], filters: QueueFilter) -> Select[T]:
    typed = filters.text.strip()
    number = bool(typed) and all(char.isdigit() or char in "+- " for char in typed)
    query = _filtered(
        query,
        ReviewFilter(
            text="" if number else typed,
            phone=typed if number else "",
            language=filters.language,
            channel=filters.channel,
            needs_interpreter=filters.needs_interpreter,
        ),
    )
    if filters.quality_warning:
        # What the queue marks "품질 주의": a resident message that failed, needs an
        # interpreter, was detected with doubt, or carries a reviewer's flag.
        doubtful = select(Message.conversation_id).where(
            Message.direction == Direction.INBOUND,
            or_(
                Message.status.in_((MessageStatus.FAILED, MessageStatus.NEEDS_INTERPRETER)),
                Message.language_probability < filters.doubt_below,
                Message.flag.is_not(None),
            ),
        )
        query = query.where(Conversation.id.in_(doubtful))
    return query


def review(session: Session, filters: ReviewFilter, *, page: int = 1) -> Page:
    """Every conversation, newest activity first, narrowed by the admin's filters."""
    query = _filtered(select(Conversation), filters)
    query = query.order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
    return _paged(session, query, page, PAGE_SIZE)


def review_ids(filters: ReviewFilter) -> Select[tuple[int]]:
    """The ids of the conversations the review list shows for `filters`, as a subquery."""
    return _filtered(select(Conversation.id), filters)


def active_agents(session: Session) -> Sequence[User]:
    """People a conversation can be transferred to."""
    return session.scalars(
        select(User)
        .where(User.active.is_(True), User.role.in_([Role.AGENT, Role.ADMIN]))
        .order_by(User.username)
    ).all()


def usernames(session: Session, user_ids: Sequence[int | None]) -> dict[int, str]:
    """Names for a page's claim holders and authors, in one query."""
    wanted = {uid for uid in user_ids if uid is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(wanted))).all()
    return {row[0]: row[1] for row in rows}


def audit_trail(session: Session, conversation_id: int, *, limit: int = 200) -> Sequence[Event]:
    """A conversation's events, oldest first (uses ix_events_conversation)."""
    return session.scalars(
        select(Event)
        .where(Event.conversation_id == conversation_id)
        .order_by(Event.id)
        .limit(limit)
    ).all()
