"""What agents do to a conversation: claim, transfer, escalate, block, warn; each one audited.

Two agents often click the same waiting contact within the same second, so a claim is a single
conditional UPDATE (`... WHERE claimed_by_id IS NULL`): the database decides who wins and the
loser is told, with no read-then-write gap. Every action leaves an Event row carrying the user's
id, which is both the audit trail and what the agent view streams to everyone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from transcripts.db import UseCases, utcnow
from transcripts.errors import NotFoundError, RecordError
from transcripts.models import (
    Contact,
    Conversation,
    ConversationStatus,
    Direction,
    Event,
    Message,
    MessageStatus,
    User,
)
from transcripts.writes import back_to_work, get_message

BLOCKED_REASON = (
    "차단된 번호의 메시지: 보관만 하고 번역하지 않았습니다 (blocked contact: stored only)"
)


class ClaimOutcome(StrEnum):
    """How a claim ended; the view turns each into a sentence for the agent."""

    CLAIMED = "claimed"
    ALREADY_YOURS = "already_yours"
    TAKEN = "taken"  # another agent claimed it first
    CLOSED = "closed"


@dataclass(frozen=True)
class ClaimResult:
    outcome: ClaimOutcome
    claimed_by_id: int | None
    claimed_by_name: str | None

    @property
    def won(self) -> bool:
        return self.outcome in (ClaimOutcome.CLAIMED, ClaimOutcome.ALREADY_YOURS)


class NotYoursError(RecordError):
    """The conversation is claimed by another agent; only they (or an admin) may act on it."""


class AgentActions(UseCases):
    """The agent-side use cases; each owns its transaction and writes one audit event."""

    def claim(self, conversation_id: int, user_id: int) -> ClaimResult:
        """Take a waiting conversation; exactly one of several simultaneous claims wins."""
        with self._transaction() as session:
            now = utcnow()
            result = session.execute(
                update(Conversation)
                .where(
                    Conversation.id == conversation_id,
                    Conversation.claimed_by_id.is_(None),
                    Conversation.status == ConversationStatus.OPEN,
                )
                .values(claimed_by_id=user_id, claimed_at=now)
            )
            won = result.rowcount == 1  # type: ignore[attr-defined]
            conversation = session.get(Conversation, conversation_id)
            if conversation is None:
                raise NotFoundError(f"conversation {conversation_id} not found")
            if won:
                audit(session, "conversation.claimed", conversation_id, user_id)
                return ClaimResult(ClaimOutcome.CLAIMED, user_id, _username(session, user_id))
            holder = conversation.claimed_by_id
            if holder == user_id:
                return ClaimResult(ClaimOutcome.ALREADY_YOURS, holder, _username(session, holder))
            if conversation.status is not ConversationStatus.OPEN:
                return ClaimResult(ClaimOutcome.CLOSED, holder, _username(session, holder))
            return ClaimResult(ClaimOutcome.TAKEN, holder, _username(session, holder))

    def transfer(
        self, conversation_id: int, user_id: int, to_user_id: int, *, as_admin: bool = False
    ) -> None:
        """Hand one's own conversation (any, for an admin) to another active agent."""
        with self._transaction() as session:
            target = session.get(User, to_user_id)
            if target is None or not target.active:
                raise NotFoundError(f"no active user {to_user_id}")
            conversation = self._acting_on(session, conversation_id, user_id, as_admin)
            previous = conversation.claimed_by_id
            conversation.claimed_by_id = to_user_id
            conversation.claimed_at = utcnow()
            audit(
                session,
                "conversation.transferred",
                conversation_id,
                user_id,
                from_user_id=previous,
                to_user_id=to_user_id,
            )

    def escalate(self, conversation_id: int, user_id: int, *, as_admin: bool = False) -> None:
        """Ask for a three-way human interpreter, as the centres do for weak pairs."""
        with self._transaction() as session:
            conversation = self._acting_on(session, conversation_id, user_id, as_admin)
            conversation.needs_interpreter = True
            audit(session, "conversation.escalated", conversation_id, user_id)

    def flag_abuse(
        self,
        conversation_id: int,
        user_id: int,
        *,
        block_for: timedelta | None,
        reason: str,
        warning_message_id: int | None,
        as_admin: bool = False,
    ) -> datetime | None:
        """Flag the resident as abusive and optionally block the number; returns the block end."""
        with self._transaction() as session:
            conversation = self._acting_on(session, conversation_id, user_id, as_admin)
            contact = conversation.contact
            contact.flag_reason = reason[:255]
            until = utcnow() + block_for if block_for else None
            if until is not None:
                contact.blocked_until = until
            audit(
                session,
                "contact.flagged",
                conversation_id,
                user_id,
                message_id=warning_message_id,
                contact_id=contact.id,
                reason=reason[:255],
                blocked_until=until.isoformat() if until else None,
            )
            return until

    def unblock(self, contact_id: int, user_id: int) -> None:
        """Lift a block early (admins)."""
        with self._transaction() as session:
            contact = session.get(Contact, contact_id)
            if contact is None:
                raise NotFoundError(f"contact {contact_id} not found")
            contact.blocked_until = None
            audit(session, "contact.unblocked", None, user_id, contact_id=contact_id)

    def retry(
        self, conversation_id: int, message_id: int, user_id: int, *, as_admin: bool = False
    ) -> bool:
        """Put a failed resident message of this thread back to be worked on (once its model is
        installed, or a blocked resident's message the agent decides to read); False when it
        is not a failed inbound message. The caller enqueues the work."""
        with self._transaction() as session:
            self._acting_on(session, conversation_id, user_id, as_admin)
            message = get_message(session, message_id)
            if message.conversation_id != conversation_id:
                raise NotFoundError(f"message {message_id} not found in {conversation_id}")
            if message.direction is not Direction.INBOUND:
                return False
            if message.status is not MessageStatus.FAILED:
                return False
            reason = message.status_reason
            back_to_work(message)
            audit(session, "message.retried", conversation_id, user_id, message_id=message_id,
                  reason=reason)  # fmt: skip
            return True

    def require_actor(self, conversation_id: int, user_id: int, *, as_admin: bool = False) -> None:
        """Raise unless `user_id` may act on the conversation (they claimed it, or an admin)."""
        with self._sessions() as session:
            self._acting_on(session, conversation_id, user_id, as_admin)

    def is_blocked(self, phone: str) -> bool:
        """True while the number is blocked (the SMS webhook stores but does not translate)."""
        with self._sessions() as session:
            until = session.scalar(select(Contact.blocked_until).where(Contact.phone == phone))
            return until is not None and until > utcnow()

    def hold_blocked(self, message_id: int) -> None:
        """Keep a blocked resident's message as it came, out of the translation queue."""
        with self._transaction() as session:
            message = session.get(Message, message_id)
            if message is None:
                raise NotFoundError(f"message {message_id} not found")
            # FAILED with a reason: the sweeper leaves it alone, and an agent may still retry it.
            message.status = MessageStatus.FAILED
            message.status_reason = BLOCKED_REASON
            audit(session, "message.blocked", message.conversation_id, None, message_id=message_id)

    def _acting_on(
        self, session: Session, conversation_id: int, user_id: int, as_admin: bool
    ) -> Conversation:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None:
            raise NotFoundError(f"conversation {conversation_id} not found")
        if not as_admin and conversation.claimed_by_id != user_id:
            holder = _username(session, conversation.claimed_by_id)
            raise NotYoursError(
                f"conversation {conversation_id} is claimed by {holder}"
                if holder
                else f"claim conversation {conversation_id} first"
            )
        return conversation


def audit(
    session: Session,
    kind: str,
    conversation_id: int | None,
    user_id: int | None,
    *,
    message_id: int | None = None,
    **data: Any,
) -> None:
    """Append an audit event in the caller's transaction."""
    session.add(
        Event(
            kind=kind,
            conversation_id=conversation_id,
            message_id=message_id,
            data={"user_id": user_id, **data},
        )
    )


def _username(session: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    return session.scalar(select(User.username).where(User.id == user_id))
