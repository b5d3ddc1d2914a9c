"""Closing conversations the resident has left: an agent answered, and nothing came back.

Without this, every answered thread stays open for ever: agents' own lists fill with threads
that are over, and a resident who writes again weeks later lands in a stale conversation
instead of the waiting queue. A conversation closes as `no_response` once its last message
(relay's automatic receipt aside) is an outbound reply older than the cutoff that reached the
resident (sent or delivered). A conversation whose last word is the resident's is never closed
this way: someone still owes an answer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from transcripts.db import utcnow
from transcripts.models import (
    Author,
    Conversation,
    ConversationStatus,
    Direction,
    Disposition,
    Message,
    MessageStatus,
)
from transcripts.policy import close
from transcripts.uow import UnitOfWork, unit_of_work

BATCH_SIZE = 200


def close_idle(source: UnitOfWork | sessionmaker[Session], cutoff: datetime) -> list[int]:
    """Close, as no_response, open conversations answered before `cutoff` and silent since;
    returns their ids."""
    uow = unit_of_work(source)
    closed: list[int] = []
    for conversation_id, seen in _candidates(uow.sessions, cutoff):
        with uow.write() as session:
            # Only if nothing arrived since it was chosen: a resident's new message moves
            # last_message_at (and locks the row while it is written).
            if close(
                session,
                conversation_id,
                Disposition.NO_RESPONSE,
                utcnow(),
                user_id=None,
                only_if_last_activity=seen,
            ):
                closed.append(conversation_id)
    return closed


def _candidates(sessions: sessionmaker[Session], cutoff: datetime) -> list[tuple[int, datetime]]:
    last = (
        select(Message.conversation_id, func.max(Message.id).label("last_id"))
        .where(Message.author != Author.AUTOMATIC)
        .group_by(Message.conversation_id)
        .subquery()
    )
    query = (
        select(Conversation.id, Conversation.last_message_at)
        .join(last, last.c.conversation_id == Conversation.id)
        .join(Message, Message.id == last.c.last_id)
        .where(
            Conversation.status == ConversationStatus.OPEN,
            Conversation.last_message_at < cutoff,
            Message.direction == Direction.OUTBOUND,
            # a reply that failed, went unanswered, never left or was held in the outbox did not
            # reach the resident
            Message.status.in_((MessageStatus.SENT, MessageStatus.DELIVERED)),
            Message.created_at < cutoff,
        )
        .order_by(Conversation.id)
        .limit(BATCH_SIZE)
    )
    with sessions() as session:
        return [(row[0], row[1]) for row in session.execute(query)]
