"""What agents do to a conversation: claim, transfer, escalate, warn and block, retry, close;
each one audited, each one transaction.

Two agents often click the same waiting contact within the same second, so a claim is a single
conditional UPDATE (`... WHERE claimed_by_id IS NULL`): the database decides who wins and the
loser is told, with no read-then-write gap. Who may act on a conversation is decided by
`transcripts.policy.require_actor`, inside the transaction of the action itself. Every action
leaves an Event row carrying the user's id, which is both the audit trail and what the agent
view streams to everyone else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from transcripts.calls import end_live_part
from transcripts.chat import revoke_chat
from transcripts.db import utcnow
from transcripts.errors import NotActionableError, NotFoundError
from transcripts.live_calls import LiveCall, answer_live_call, live_call_for
from transcripts.models import (
    Call,
    Channel,
    Contact,
    Conversation,
    ConversationStatus,
    Direction,
    Disposition,
    Event,
    Message,
    MessageStatus,
    User,
)
from transcripts.outbound import ReplyDraft, queue_reply
from transcripts.policy import (
    Actor,
    EventKind,
    close,
    require_actor,
    require_open,
    resident_channel,
    username,
)
from transcripts.uow import UseCases
from transcripts.writes import back_to_work, get_message


class ClaimOutcome(StrEnum):
    """How a claim ended; the view turns each into a sentence for the agent."""

    CLAIMED = "claimed"
    ALREADY_YOURS = "already_yours"
    TAKEN = "taken"  # another agent claimed it first
    CLOSED = "closed"


@dataclass(frozen=True)
class Escalation:
    """What asking for an interpreter found: the conversation's live call (None: no call goes
    on, the mark is all) and the phone the asking agent can be dialled on."""

    live: LiveCall | None
    agent_phone: str | None


@dataclass(frozen=True)
class ClaimResult:
    outcome: ClaimOutcome
    claimed_by_id: int | None
    claimed_by_name: str | None

    @property
    def won(self) -> bool:
        return self.outcome in (ClaimOutcome.CLAIMED, ClaimOutcome.ALREADY_YOURS)


@dataclass(frozen=True)
class AbuseOutcome:
    """What the abuse button did: the warning queued (to enqueue) and the block's end."""

    warning_message_id: int
    blocked_until: datetime | None


class AgentActions(UseCases):
    """The agent-side use cases; each owns its transaction and writes one audit event."""

    def claim(self, conversation_id: int, actor: Actor) -> ClaimResult:
        """Take a waiting conversation; exactly one of several simultaneous claims wins."""
        user_id = actor.user_id
        with self._uow.write() as session:
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
                audit(session, EventKind.CONVERSATION_CLAIMED, conversation_id, user_id)
                answer_live_call(session, conversation_id, user_id)  # a waiting caller's answer
                return ClaimResult(ClaimOutcome.CLAIMED, user_id, username(session, user_id))
            holder = conversation.claimed_by_id
            if holder == user_id:
                return ClaimResult(ClaimOutcome.ALREADY_YOURS, holder, username(session, holder))
            if conversation.status is not ConversationStatus.OPEN:
                return ClaimResult(ClaimOutcome.CLOSED, holder, username(session, holder))
            return ClaimResult(ClaimOutcome.TAKEN, holder, username(session, holder))

    def transfer(self, conversation_id: int, actor: Actor, to_user_id: int) -> None:
        """Hand one's own conversation (any, for an admin) to another active agent."""
        with self._uow.write() as session:
            target = session.get(User, to_user_id)
            if target is None or not target.active:
                raise NotFoundError(
                    f"no active user {to_user_id}", "이관할 상담원을 찾을 수 없습니다."
                )
            conversation = require_open(require_actor(session, conversation_id, actor))
            previous = conversation.claimed_by_id
            conversation.claimed_by_id = to_user_id
            conversation.claimed_at = utcnow()
            audit(
                session,
                EventKind.CONVERSATION_TRANSFERRED,
                conversation_id,
                actor.user_id,
                from_user_id=previous,
                to_user_id=to_user_id,
            )

    def escalate(self, conversation_id: int, actor: Actor) -> Escalation:
        """Ask for a three-way human interpreter, as the centres do for weak pairs. On a live
        call the answer names the call and the agent's phone, so the interpreter line can be
        dialled into it; otherwise the mark is the whole of it."""
        with self._uow.write() as session:
            conversation = require_actor(session, conversation_id, actor)
            conversation.needs_interpreter = True
            audit(session, EventKind.CONVERSATION_ESCALATED, conversation_id, actor.user_id)
            live = live_call_for(session, conversation_id)
            user = session.get(User, actor.user_id)
            return Escalation(live, user.agent_phone if user is not None else None)

    def choose_language(
        self, conversation_id: int, actor: Actor, language: str | None, *, interpreter: bool
    ) -> None:
        """Set the language the resident is answered in (a code the caller checked: one of the
        five, or "ko" for a Korean speaker answered without translation), or mark the thread
        for an interpreter when the resident writes a language relay does not serve. Detection
        cannot always tell (a Korean speaker, a German text); the agent can, and says so."""
        with self._uow.write() as session:
            conversation = require_open(require_actor(session, conversation_id, actor))
            previous = conversation.language
            if language is not None:
                conversation.language = language
                if language != "ko":  # the contact keeps the resident language it last used
                    conversation.contact.language = language
            if interpreter:
                conversation.needs_interpreter = True
            audit(
                session,
                EventKind.CONVERSATION_LANGUAGE,
                conversation_id,
                actor.user_id,
                previous=previous,
                language=language,
                interpreter=interpreter,
            )

    def warn_abuse(
        self,
        conversation_id: int,
        actor: Actor,
        warning: Callable[[str], ReplyDraft],
        *,
        block_for: timedelta | None,
        reason: str,
    ) -> AbuseOutcome:
        """Send the centre's warning, flag the contact, end its chat pages (their secrets)
        and maybe block it, all or nothing.

        `warning` composes the centre's human-written warning for the resident's language
        (English when it is unknown or Korean-only, so it is still readable).
        """
        with self._uow.write() as session:
            conversation = require_open(require_actor(session, conversation_id, actor))
            language = conversation.language if conversation.language not in (None, "ko") else "en"
            # The warning goes where the resident last wrote (their chat page, or by SMS); the
            # page then loses its access, so the warning is the last thing it can show.
            channel = (
                Channel.WEB
                if resident_channel(session, conversation_id) is Channel.WEB
                else Channel.SMS
            )
            message = queue_reply(session, conversation, warning(language), channel)
            revoke_chat(session, conversation, actor.user_id)
            contact = conversation.contact
            contact.flag_reason = reason[:255]
            until = utcnow() + block_for if block_for else None
            if until is not None:
                contact.blocked_until = until
            audit(
                session,
                EventKind.CONTACT_FLAGGED,
                conversation_id,
                actor.user_id,
                message_id=message.id,
                contact_id=contact.id,
                reason=reason[:255],
                blocked_until=until.isoformat() if until else None,
            )
            return AbuseOutcome(warning_message_id=message.id, blocked_until=until)

    def unblock(self, contact_id: int, actor: Actor) -> None:
        """Lift a block early (admins)."""
        with self._uow.write() as session:
            if not actor.is_admin:
                raise NotActionableError(
                    "only an admin lifts a block", "관리자만 차단을 풀 수 있습니다."
                )
            contact = session.get(Contact, contact_id)
            if contact is None:
                raise NotFoundError(f"contact {contact_id} not found")
            contact.blocked_until = None
            audit(session, EventKind.CONTACT_UNBLOCKED, None, actor.user_id, contact_id=contact_id)

    def retry(self, message_id: int, actor: Actor, *, conversation_id: int | None = None) -> None:
        """Put a failed resident message back to be worked on (once its model is installed, or
        a blocked resident's message the agent decides to read). NotActionableError when it is
        not a failed inbound message. The caller enqueues the work."""
        with self._uow.write() as session:
            message = get_message(session, message_id)
            if conversation_id is not None and message.conversation_id != conversation_id:
                raise NotFoundError(f"message {message_id} not found in {conversation_id}")
            require_actor(session, message.conversation_id, actor)
            if message.direction is not Direction.INBOUND or message.status not in (
                MessageStatus.FAILED,
                MessageStatus.BLOCKED,
            ):
                raise NotActionableError(
                    "only failed inbound messages can be retried",
                    "실패한 주민 메시지만 다시 번역할 수 있습니다.",
                )
            reason = message.status_reason
            back_to_work(message)
            audit(session, EventKind.MESSAGE_RETRIED, message.conversation_id, actor.user_id,
                  message_id=message_id, reason=reason)  # fmt: skip

    def reveal(self, conversation_id: int, message_id: int, actor: Actor) -> None:
        """Show one message's masked personal data to its conversation's holder or an admin,
        and keep who looked and when: pages mask registration, phone and card numbers unless
        someone who needs them asks, and the record says who did."""
        with self._uow.write() as session:
            require_actor(session, conversation_id, actor)
            message = session.get(Message, message_id)
            if message is None or message.conversation_id != conversation_id:
                raise NotFoundError(
                    f"message {message_id} not in conversation {conversation_id}",
                    "이 대화의 메시지가 아닙니다.",
                )
            audit(
                session,
                EventKind.PERSONAL_DATA_REVEALED,
                conversation_id,
                actor.user_id,
                message_id=message_id,
            )

    def close(
        self,
        conversation_id: int,
        actor: Actor,
        disposition: Disposition,
        topic: str | None = None,
    ) -> LiveCall | None:
        """Close the conversation with how it ended and what it was about (the topic category,
        민원 유형; the caller checks it against the centre's list), the figures the centres
        report. A live call still going on has its live part ended in the same transaction and
        is returned, so the caller can be told goodbye and the call hung up."""
        with self._uow.write() as session:
            require_open(require_actor(session, conversation_id, actor))
            live = live_call_for(session, conversation_id)
            close(
                session, conversation_id, disposition, utcnow(), user_id=actor.user_id, topic=topic
            )
            if live is not None:
                call = session.get(Call, live.call_id)
                assert call is not None
                end_live_part(session, call, "the agent closed the conversation")
            return live


def audit(
    session: Session,
    kind: EventKind,
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
