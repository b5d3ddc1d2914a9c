"""The record's rules, each written once: who may act on a conversation, whether a contact is
blocked, how a conversation closes, and the kinds of event the record writes.

Every use case that needs one of these rules calls it here, inside its own transaction, so the
pages, the API and the jobs cannot disagree about them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from transcripts.errors import (
    ChatAccessError,
    ChatEndedError,
    ChatMessageError,
    ConversationClosedError,
    NotClaimedError,
    NotFoundError,
    NotYoursError,
)
from transcripts.models import (
    Channel,
    Contact,
    Conversation,
    ConversationStatus,
    Direction,
    Disposition,
    Event,
    Message,
    User,
)


class EventKind(StrEnum):
    """Every kind of event the record writes: the audit trail and the live feeds read them."""

    CONVERSATION_OPENED = "conversation.opened"
    CONVERSATION_CLAIMED = "conversation.claimed"
    CONVERSATION_TRANSFERRED = "conversation.transferred"
    CONVERSATION_ESCALATED = "conversation.escalated"
    CONVERSATION_LANGUAGE = "conversation.language"  # an agent chose the reply language
    CONVERSATION_CLOSED = "conversation.closed"
    CONVERSATION_NOTED = "conversation.noted"  # an internal note, never sent to the resident
    CONTACT_FLAGGED = "contact.flagged"
    CONTACT_UNBLOCKED = "contact.unblocked"
    MESSAGE_RECEIVED = "message.received"
    MESSAGE_TRANSLATED = "message.translated"
    MESSAGE_FAILED = "message.failed"
    MESSAGE_NEEDS_INTERPRETER = "message.needs_interpreter"
    MESSAGE_EMPTY = "message.empty"
    MESSAGE_BLOCKED = "message.blocked"
    MESSAGE_RETRIED = "message.retried"
    MESSAGE_CORRECTED = "message.corrected"
    MESSAGE_QUEUED = "message.queued"
    MESSAGE_SENT = "message.sent"
    MESSAGE_DELIVERED = "message.delivered"
    MESSAGE_UNDELIVERED = "message.undelivered"
    MESSAGE_HELD = "message.held"
    MESSAGE_READ = "message.read"  # a web reply shown on the resident's open page
    CHAT_LINKED = "chat.linked"  # a reply link opened the conversation's chat page
    CHAT_REVOKED = "chat.revoked"  # an agent ended every chat page of the conversation
    CHAT_NUDGED = "chat.nudged"  # an SMS told the resident a web reply is waiting
    CALL_STARTED = "call.started"
    CALL_BLOCKED = "call.blocked"
    CALL_LANGUAGE = "call.language"
    CALL_PLACED = "call.placed"
    CALL_RINGING = "call.ringing"
    CALL_IN_PROGRESS = "call.in_progress"
    CALL_COMPLETED = "call.completed"
    CALL_ABANDONED = "call.abandoned"
    CALL_BUSY = "call.busy"
    CALL_NO_ANSWER = "call.no_answer"
    CALL_FAILED = "call.failed"
    CALL_CANCELED = "call.canceled"
    CALL_LIVE = "call.live"  # the caller's audio streams to relay; an agent can take the call
    CALL_AGENT_ANSWERED = "call.agent_answered"
    CALL_CALLER_SPEAKING = "call.caller_speaking"  # speech in progress, caption to follow
    CALL_LIVE_ENDED = "call.live_ended"
    CALL_REPLY_SPOKEN = "call.reply_spoken"
    CALL_CONFERENCE = "call.conference"  # the caller, the interpreter line (and agent) joined
    CALL_CONFERENCE_FAILED = "call.conference_failed"  # Twilio refused a leg; nothing moved
    CALL_ENDED_BY_AGENT = "call.ended_by_agent"  # goodbye said, the call hung up by relay
    TRANSCRIPTS_EXPORTED = "transcripts.exported"
    BOOK_CHANGED = (
        "book.changed"  # an admin added, changed or deleted a glossary or phrasebook entry
    )
    PERSONAL_DATA_REVEALED = "message.personal_data_revealed"  # masked numbers shown, by whom
    MEMORY_SUGGESTED = "memory.suggested"  # an agent's edit offered to the translation memory
    MEMORY_APPROVED = "memory.approved"  # an admin kept it (as suggested, or edited)
    MEMORY_REJECTED = "memory.rejected"
    MEMORY_DELETED = "memory.deleted"  # an admin removed an approved entry
    CONVERSATION_ASSIGNED = "conversation.assigned"  # given to an agent by automatic assignment
    AGENT_AVAILABILITY = "agent.availability"  # an agent's state changed (or signing out did)
    AGENT_LANGUAGES = "agent.languages"  # an admin set the languages an agent serves
    ACCOUNT_CREATED = "account.created"  # an admin made an account on the accounts page
    ACCOUNT_DISABLED = "account.disabled"  # its sessions and API token ended with it
    ACCOUNT_ENABLED = "account.enabled"
    ACCOUNT_PASSWORD_RESET = "account.password_reset"  # noqa: S105 - an event name, no secret
    ACCOUNT_ROLE_CHANGED = "account.role_changed"

    @classmethod
    def of_message(cls, status: StrEnum) -> EventKind:
        """The event of a message reaching `status` (a MessageStatus)."""
        return cls(f"message.{status.value}")

    @classmethod
    def of_call(cls, status: StrEnum) -> EventKind:
        """The event of a call reaching `status` (a CallStatus)."""
        return cls(f"call.{status.value}")


@dataclass(frozen=True)
class Actor:
    """The signed-in person a use case acts for: agents act on what they hold, admins on all."""

    user_id: int
    is_admin: bool = False


def require_actor(session: Session, conversation_id: int, actor: Actor) -> Conversation:
    """The conversation, locked for the caller's transaction, if `actor` may act on it.

    The rule of the 120 centres' floor: the agent who claimed a conversation answers it; nobody
    else acts on it but an admin, and a waiting conversation is claimed before anyone acts on
    it, so two agents never answer one resident at once.
    """
    conversation = session.get(Conversation, conversation_id, with_for_update={"of": Conversation})
    if conversation is None:
        raise NotFoundError(f"conversation {conversation_id} not found")
    if actor.is_admin or conversation.claimed_by_id == actor.user_id:
        return conversation
    if conversation.claimed_by_id is None:
        raise NotClaimedError(
            f"claim conversation {conversation_id} first", "먼저 이 대화를 맡아 주세요."
        )
    holder = username(session, conversation.claimed_by_id)
    raise NotYoursError(
        f"conversation {conversation_id} is claimed by {holder}",
        f"{holder} 상담원이 맡은 대화입니다. 맡은 상담원이나 관리자만 처리할 수 있습니다.",
    )


def require_open(conversation: Conversation) -> Conversation:
    """The conversation, if it is open; a closed one takes no more replies or actions."""
    if conversation.status is not ConversationStatus.OPEN:
        raise ConversationClosedError(
            f"conversation {conversation.id} is closed", "이미 종료된 대화입니다."
        )
    return conversation


def is_blocked(contact: Contact, now: datetime) -> bool:
    """True while the contact is blocked: their texts are kept, not translated or answered."""
    return blocked_at(contact.blocked_until, now)


def blocked_at(blocked_until: datetime | None, now: datetime) -> bool:
    """The same rule on the column alone, for writes that read no Contact object."""
    return blocked_until is not None and blocked_until > now


def close(
    session: Session,
    conversation_id: int,
    disposition: Disposition,
    now: datetime,
    *,
    user_id: int | None,
    only_if_last_activity: datetime | None = None,
    topic: str | None = None,
) -> bool:
    """Close an open conversation with how it ended; False when it was not open (or, with
    `only_if_last_activity`, when something happened in it since that moment).

    One conditional UPDATE, so a conversation closing while a message arrives or another
    agent closes it is closed once. The next message from the resident opens a new one.
    """
    conditions = [
        Conversation.id == conversation_id,
        Conversation.status == ConversationStatus.OPEN,
    ]
    if only_if_last_activity is not None:
        conditions.append(Conversation.last_message_at == only_if_last_activity)
    done = session.execute(
        update(Conversation)
        .where(*conditions)
        .values(
            status=ConversationStatus.CLOSED,
            disposition=disposition.value,
            topic=topic,
            closed_at=now,
        )
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.add(
        Event(
            kind=EventKind.CONVERSATION_CLOSED,
            conversation_id=conversation_id,
            data={
                "disposition": disposition.value,
                "user_id": user_id,
                **({"topic": topic} if topic else {}),
                **({"automatic": True} if user_id is None else {}),
            },
        )
    )
    return True


def username(session: Session, user_id: int | None) -> str | None:
    """The name of a user, for telling an agent who holds a conversation."""
    if user_id is None:
        return None
    return session.scalar(select(User.username).where(User.id == user_id))


# -- the web chat's rules -----------------------------------------------------------------

#: The longest message the chat page takes: two SMS-webhook bodies' worth, far more than any
#: question to a call centre, and bounded so one post cannot fill the translation queue.
MAX_CHAT_MESSAGE_CHARS = 2000
#: The rate limits: messages from one conversation, and posts (messages and new
#: conversations) from one address, within one window. A person typing fast sends a few a
#: minute; a script sending 100 is stopped after these.
CHAT_WINDOW = timedelta(minutes=1)
CHAT_MESSAGES_PER_CONVERSATION = 12
CHAT_POSTS_PER_ADDRESS = 30
#: How long after an agent's last keystroke the resident's page still says "typing".
TYPING_SHOWN_FOR = timedelta(seconds=6)


def chat_secret_hash(secret: str) -> str:
    """What the record keeps of a chat secret: its SHA-256. The secret has 128 random bits,
    so no salt or slow hash is needed (nothing to guess from the hash)."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def chat_text(text: str) -> str:
    """The resident's chat message as the record keeps it (exactly as typed), or
    ChatMessageError when it is empty or too long."""
    if not text.strip():
        raise ChatMessageError("the message is empty", "empty")
    if len(text) > MAX_CHAT_MESSAGE_CHARS:
        raise ChatMessageError(
            f"the message is longer than {MAX_CHAT_MESSAGE_CHARS} characters", "too_long"
        )
    return text


def require_chat(conversation: Conversation | None, *, revoked: bool) -> Conversation:
    """The conversation a chat secret opens, if the page may still write to it: a missing
    conversation or a revoked secret is ChatAccessError, a closed one ChatEndedError."""
    if conversation is None or revoked or conversation.chat_revoked_at is not None:
        raise ChatAccessError("no chat answers to this secret")
    if conversation.status is not ConversationStatus.OPEN:
        raise ChatEndedError(f"conversation {conversation.id} is closed", conversation.language)
    return conversation


def resident_channel(session: Session, conversation_id: int) -> Channel | None:
    """The channel of the resident's latest message: where a reply reaches them by default
    (the chat page when they last wrote there, a text when they texted, a call-back...)."""
    return session.scalar(
        select(Message.channel)
        .where(Message.conversation_id == conversation_id, Message.direction == Direction.INBOUND)
        .order_by(Message.id.desc())
        .limit(1)
    )


def is_typing(conversation: Conversation, now: datetime) -> bool:
    """True while an agent typed a reply in this conversation within TYPING_SHOWN_FOR."""
    return (
        conversation.agent_typing_at is not None
        and now - conversation.agent_typing_at < TYPING_SHOWN_FOR
    )
