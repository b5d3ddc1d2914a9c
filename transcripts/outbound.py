"""Use cases of the outbound side: queueing an agent's reply, sending it, tracking delivery.

A reply is stored as QUEUED with everything the agent saw (translation, back-translation, the
exact SMS body) before a job hands it to Twilio, so a crash between the two loses nothing and the
job can tell from the row whether it still has work to do.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from transcripts.db import utcnow
from transcripts.memory_review import suggest
from transcripts.models import (
    Author,
    Channel,
    Conversation,
    ConversationStatus,
    Direction,
    Message,
    MessageStatus,
    WebhookReceipt,
)
from transcripts.policy import Actor, EventKind, is_blocked, require_actor, require_open
from transcripts.uow import UseCases
from transcripts.writes import add_event, answered, get_message, receipt_outcome


@dataclass(frozen=True)
class ReplyDraft:
    """An agent's reply, translated and composed for SMS, ready to queue."""

    korean_text: str
    language: str
    translated_text: str
    machine_translation: str | None  # None for human-written text (the phrasebook)
    back_translation: str | None
    engine: str
    model: str
    pivot: str | None
    translation_ms: float
    delivered_body: str
    sms_encoding: str
    sms_segments: int
    undeliverable_chars: str
    author: Author = Author.AGENT
    author_user_id: int | None = None
    uses_link: bool = False
    reply_token: str | None = None


@dataclass(frozen=True)
class MemoryNote:
    """Offer a reply's edited translation to the translation memory as a suggestion, under this
    key function; an admin decides whether it is ever reused."""

    normalise: Callable[[str], str]


#: How long a send, once begun, belongs to the worker that began it.
SEND_LEASE = timedelta(seconds=20)

#: Before the reason of a send that failed for now and will be tried again (the reply stays
#: queued, and the agent sees why it has not left).
RETRY_NOTE = "보내지 못해 다시 시도할 예정 (will retry): "


def gave_up_reason(attempts: int, last_error: str | None) -> str:
    """Why a reply that kept failing is failed for good, in Korean first, for the agent."""
    last = (last_error or "").removeprefix(RETRY_NOTE) or "오류 기록 없음 (no error recorded)"
    return f"{attempts}번 시도했지만 보내지 못했습니다 (gave up after {attempts} attempts): {last}"


class Outbound(UseCases):
    """Replies from queueing to delivery."""

    def queue(
        self,
        conversation_id: int,
        draft: ReplyDraft,
        channel: Channel,
        actor: Actor,
        *,
        remember: MemoryNote | None = None,
    ) -> Message:
        """Queue an agent's reply in an open conversation they may act on; a job sends it (or,
        for the voice channel, places the call-back that speaks it), by id. `remember` offers
        the agent's own translation to the memory as a suggestion in the same transaction: it
        is reused for nobody until an admin approves it (transcripts.memory_review)."""
        with self._uow.write() as session:
            # Locked: a conversation closing at this moment (an agent, the idle close) is seen
            # closed here, instead of taking a reply nobody will see.
            conversation = require_open(require_actor(session, conversation_id, actor))
            message = queue_reply(session, conversation, draft, channel)
            if remember is not None:
                suggest(
                    session,
                    remember.normalise,
                    source_text=draft.korean_text,
                    source="ko",
                    target=draft.language,
                    translated_text=draft.translated_text,
                    machine_text=draft.machine_translation,
                    user_id=actor.user_id,
                    conversation_id=conversation.id,
                )
            return message

    def acknowledge_first_contact(
        self,
        message_id: int,
        draft: ReplyDraft,
        channels: tuple[Channel, ...] = (Channel.SMS, Channel.WEB),
    ) -> Message | None:
        """Queue the automatic receipt for a resident's first SMS (or chat message) of a new
        conversation, on the channel it came by; None
        when it is not that (a later message, a conversation already answered, a blocked
        number, a call). Checked and queued in one transaction, so a job run twice sends one."""
        with self._uow.write() as session:
            message = get_message(session, message_id)
            conversation = session.get(
                Conversation, message.conversation_id, with_for_update={"of": Conversation}
            )
            assert conversation is not None
            first_inbound = session.scalar(
                select(Message.id)
                .where(
                    Message.conversation_id == conversation.id,
                    Message.direction == Direction.INBOUND,
                    Message.status != MessageStatus.EMPTY,  # a picture alone says nothing
                )
                .order_by(Message.id)
                .limit(1)
            )
            answered = session.scalar(
                select(Message.id).where(
                    Message.conversation_id == conversation.id,
                    Message.direction == Direction.OUTBOUND,
                )
            )
            if (
                message.direction is not Direction.INBOUND
                or message.channel not in channels
                or first_inbound != message.id
                or answered is not None
                or conversation.status is not ConversationStatus.OPEN
                or is_blocked(conversation.contact, utcnow())
            ):
                return None
            # The receipt goes where the resident wrote: a chat page shows it in full.
            return queue_reply(session, conversation, draft, message.channel)

    def begin_sending(
        self, message_id: int, stale_after: timedelta | None = None
    ) -> Message | None:
        """Return a queued outbound message to send (counting the attempt), or None if done,
        or if another worker began sending it less than SEND_LEASE ago: the queue delivers a
        job at least once, and a second delivery racing the first must not text the resident
        twice. A retry (Huey's, after 30 s) or the sweeper (after minutes) comes later.

        `stale_after` is when the sweeper calls a job lost (RELAY_STALE_JOB_SECONDS); a shorter
        one shortens the lease to match, so the job the sweeper enqueues for a lost send is
        not refused for holding a lease nobody holds. A returned message with more than one
        attempt had an earlier one that recorded no result: it may have reached the provider.
        """
        lease = SEND_LEASE if stale_after is None else min(SEND_LEASE, stale_after)
        with self._uow.write() as session:
            message = session.get(Message, message_id, with_for_update=True)
            if message is None or message.direction is not Direction.OUTBOUND:
                return None
            if message.status is not MessageStatus.QUEUED or message.provider_sid is not None:
                return None
            now = utcnow()
            if message.attempts and message.updated_at > now - lease:
                return None
            message.attempts += 1
            message.updated_at = now
            return message

    def mark_sent(self, message_id: int, provider_sid: str, status: MessageStatus) -> None:
        """Record the provider's id for a message handed over, so status callbacks find it."""
        with self._uow.write() as session:
            mark_sent(session, get_message(session, message_id), provider_sid, status)

    def mark_send_failed(self, message_id: int, reason: str, error_code: str | None) -> None:
        """A send that the provider refused, or that kept failing until nobody would try it
        again: keep the text, say why, and tell the live feeds."""
        with self._uow.write() as session:
            message = get_message(session, message_id)
            message.status = MessageStatus.FAILED
            message.status_reason = reason
            message.error_code = error_code
            add_event(session, EventKind.MESSAGE_FAILED, message.conversation_id, message.id)

    def note_send_retry(self, message_id: int, reason: str, error_code: str | None) -> None:
        """A send that failed for now (network, Twilio 5xx or 429) and will be tried again: it
        stays queued, with the reason, so the agent sees why it has not left yet. No event: the
        reply has not changed state."""
        with self._uow.write() as session:
            message = get_message(session, message_id)
            if message.status is MessageStatus.QUEUED and message.provider_sid is None:
                message.status_reason = RETRY_NOTE + reason
                message.error_code = error_code

    def update_delivery(
        self, provider_sid: str, status: MessageStatus, error_code: str | None, reason: str | None
    ) -> bool:
        """Apply a delivery status learned otherwise (a call-back's call status); False when no
        message has that provider id."""
        with self._uow.write() as session:
            return apply_delivery(session, provider_sid, status, error_code, reason)

    def record_delivery(
        self,
        provider_sid: str,
        event: str,
        payload: Mapping[str, Any],
        status: MessageStatus,
        error_code: str | None,
        reason: str | None,
    ) -> DeliveryOutcome:
        """Apply a delivery status callback once: the receipt (provider id, event), the
        message's new status, or a note that no message has that id, in one transaction.

        Callbacks can arrive out of order (a late "sent" after "delivered"); a final state is
        never moved back to an earlier one.
        """
        with self._uow.write() as session:
            try:
                with session.begin_nested():
                    session.add(
                        WebhookReceipt(
                            provider_sid=provider_sid, event=event, payload=dict(payload)
                        )
                    )
            except IntegrityError:
                return DeliveryOutcome.DUPLICATE
            if not apply_delivery(session, provider_sid, status, error_code, reason):
                receipt_outcome(session, provider_sid, event, "unknown message")
                return DeliveryOutcome.UNKNOWN
            return DeliveryOutcome.APPLIED


class DeliveryOutcome(StrEnum):
    """What a status callback did."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"  # a redelivery of a callback already applied
    UNKNOWN = "unknown"  # no message has that provider id


#: Delivery states in the order they happen; a later callback never moves one back.
_DELIVERY_ORDER = {
    MessageStatus.QUEUED: 0,
    MessageStatus.SENT: 1,
    MessageStatus.DELIVERED: 2,
    MessageStatus.UNDELIVERED: 2,
    MessageStatus.FAILED: 2,
    MessageStatus.HELD: 2,  # kept in the outbox: no carrier will ever report on it
}


def apply_delivery(
    session: Session,
    provider_sid: str,
    status: MessageStatus,
    error_code: str | None,
    reason: str | None,
) -> bool:
    """Move the message with this provider id to `status` in the caller's transaction; False
    when there is none. Locked (on PostgreSQL) before its status is compared: two callbacks at
    once must not both read the old status and let the late one write last."""
    message = session.scalar(
        select(Message).where(Message.provider_sid == provider_sid).with_for_update()
    )
    if message is None:
        return False
    if _DELIVERY_ORDER.get(status, 0) < _DELIVERY_ORDER.get(message.status, 0):
        return True
    message.status = status
    message.error_code = error_code
    message.status_reason = reason
    add_event(session, EventKind.of_message(status), message.conversation_id, message.id)
    return True


def mark_sent(session: Session, message: Message, provider_sid: str, status: MessageStatus) -> None:
    """Record, in the caller's transaction, that the provider took the message (or, with
    status HELD, that the outbox kept it: an event of its own, so no feed calls it sent)."""
    message.provider_sid = provider_sid
    message.status = status
    message.status_reason = None
    kind = EventKind.MESSAGE_HELD if status is MessageStatus.HELD else EventKind.MESSAGE_SENT
    add_event(session, kind, message.conversation_id, message.id)


def fail_spent_sends(session: Session, cutoff: datetime, max_attempts: int) -> tuple[int, ...]:
    """Fail, in the caller's transaction, queued replies untouched since `cutoff` that have used
    all `max_attempts`: nobody will try them again, so "queued" would be a lie for ever. Each
    keeps its last error in the reason and gets an event for the live feeds."""
    spent = session.scalars(
        select(Message)
        .where(
            Message.direction == Direction.OUTBOUND,
            Message.status == MessageStatus.QUEUED,
            Message.provider_sid.is_(None),
            Message.updated_at < cutoff,
            Message.attempts >= max(max_attempts, 1),  # one never tried was not given a chance
        )
        .with_for_update()
    ).all()
    for message in spent:
        message.status = MessageStatus.FAILED
        message.status_reason = gave_up_reason(message.attempts, message.status_reason)
        add_event(session, EventKind.MESSAGE_FAILED, message.conversation_id, message.id)
    return tuple(message.id for message in spent)


def queue_reply(
    session: Session, conversation: Conversation, draft: ReplyDraft, channel: Channel
) -> Message:
    """Store a reply as QUEUED in an open conversation, with everything it will send."""
    now = utcnow()
    message = Message(
        conversation_id=conversation.id,
        direction=Direction.OUTBOUND,
        channel=channel,
        author=draft.author,
        author_user_id=draft.author_user_id,
        to_number=conversation.contact.phone,
        original_text=draft.korean_text,
        original_language="ko",
        translated_text=draft.translated_text,
        translated_language=draft.language,
        machine_translation=draft.machine_translation,
        back_translation=draft.back_translation,
        translation_engine=draft.engine,
        translation_model=draft.model,
        translation_pivot=draft.pivot,
        translation_ms=draft.translation_ms,
        delivered_body=draft.delivered_body,
        sms_encoding=draft.sms_encoding,
        sms_segments=draft.sms_segments,
        undeliverable_chars=draft.undeliverable_chars,
        status=MessageStatus.QUEUED,
        created_at=now,
        updated_at=now,
    )
    if channel in (Channel.VOICE, Channel.WEB):  # spoken or shown whole: no SMS rules apply
        message.delivered_body = draft.translated_text
        message.sms_encoding = message.undeliverable_chars = None
        message.sms_segments = None
    elif draft.uses_link:
        message.reply_token = draft.reply_token or secrets.token_urlsafe(16)
    session.add(message)
    if draft.author is not Author.AUTOMATIC:  # a receipt does not reset the resident's wait
        conversation.last_message_at = now
    answered(conversation, draft.author)
    session.flush()
    add_event(
        session,
        EventKind.MESSAGE_QUEUED,
        conversation.id,
        message.id,
        channel=channel.value,
        user_id=draft.author_user_id,  # who answered, for the audit trail (None: relay itself)
    )
    return message
