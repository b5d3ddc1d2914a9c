"""Use cases of the outbound side: queueing an agent's reply, sending it, tracking delivery.

A reply is stored as QUEUED with everything the agent saw (translation, back-translation, the
exact SMS body) before a job hands it to Twilio, so a crash between the two loses nothing and the
job can tell from the row whether it still has work to do.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from transcripts.db import UseCases, utcnow
from transcripts.errors import ConversationClosedError, NotFoundError
from transcripts.models import (
    Author,
    Channel,
    Conversation,
    ConversationStatus,
    Direction,
    Message,
    MessageStatus,
)
from transcripts.writes import add_event, get_message


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


#: How long a send, once begun, belongs to the worker that began it.
SEND_LEASE = timedelta(seconds=20)


class OutboundUseCases(UseCases):
    """Replies from queueing to delivery."""

    def create_reply(
        self, conversation_id: int, draft: ReplyDraft, channel: Channel = Channel.SMS
    ) -> Message:
        """Queue an agent's reply in an open conversation; a job sends it (or, for the voice
        channel, places the call-back that speaks it), by id."""
        with self._transaction() as session:
            # Locked: a conversation closing at this moment (an agent, the idle close) is seen
            # closed here, instead of taking a reply nobody will see.
            conversation = session.get(
                Conversation, conversation_id, with_for_update={"of": Conversation}
            )
            if conversation is None:
                raise NotFoundError(f"conversation {conversation_id} not found")
            if conversation.status is not ConversationStatus.OPEN:
                raise ConversationClosedError(f"conversation {conversation_id} is closed")
            return _queue_reply(session, conversation, draft, channel)

    def acknowledge_first_contact(self, message_id: int, draft: ReplyDraft) -> Message | None:
        """Queue the automatic receipt for a resident's first SMS of a new conversation; None
        when it is not that (a later message, a conversation already answered, a blocked
        number, a call). Checked and queued in one transaction, so a job run twice sends one."""
        with self._transaction() as session:
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
            blocked = conversation.contact.blocked_until
            if (
                message.direction is not Direction.INBOUND
                or message.channel is not Channel.SMS
                or first_inbound != message.id
                or answered is not None
                or conversation.status is not ConversationStatus.OPEN
                or (blocked is not None and blocked > utcnow())
            ):
                return None
            return _queue_reply(session, conversation, draft, Channel.SMS)

    def begin_sending(self, message_id: int) -> Message | None:
        """Return a queued outbound message to send (counting the attempt), or None if done,
        or if another worker began sending it less than SEND_LEASE ago: the queue delivers a
        job at least once, and a second delivery racing the first must not text the resident
        twice. A retry (Huey's, after 30 s) or the sweeper (after minutes) comes later."""
        with self._transaction() as session:
            message = session.get(Message, message_id, with_for_update=True)
            if message is None or message.direction is not Direction.OUTBOUND:
                return None
            if message.status is not MessageStatus.QUEUED or message.provider_sid is not None:
                return None
            now = utcnow()
            if message.attempts and message.updated_at > now - SEND_LEASE:
                return None
            message.attempts += 1
            message.updated_at = now
            return message

    def mark_sent(self, message_id: int, provider_sid: str, status: MessageStatus) -> None:
        """Record the provider's id for a message handed over, so status callbacks find it."""
        with self._transaction() as session:
            message = get_message(session, message_id)
            message.provider_sid = provider_sid
            message.status = status
            message.status_reason = None
            add_event(session, "message.sent", message.conversation_id, message.id)

    def mark_send_failed(self, message_id: int, reason: str, error_code: str | None) -> None:
        """A send that the provider refused: keep the text, say why."""
        with self._transaction() as session:
            message = get_message(session, message_id)
            message.status = MessageStatus.FAILED
            message.status_reason = reason
            message.error_code = error_code
            add_event(session, "message.failed", message.conversation_id, message.id)

    def update_delivery(
        self, provider_sid: str, status: MessageStatus, error_code: str | None, reason: str | None
    ) -> bool:
        """Apply a delivery status callback; False when no message has that provider id.

        Callbacks can arrive out of order (a late "sent" after "delivered"); a final state is never
        moved back to an earlier one.
        """
        order = {
            MessageStatus.QUEUED: 0,
            MessageStatus.SENT: 1,
            MessageStatus.DELIVERED: 2,
            MessageStatus.UNDELIVERED: 2,
            MessageStatus.FAILED: 2,
        }
        with self._transaction() as session:
            # Locked (on PostgreSQL) before its status is compared: two callbacks at once must
            # not both read the old status and let the late one write last.
            message = session.scalar(
                select(Message).where(Message.provider_sid == provider_sid).with_for_update()
            )
            if message is None:
                return False
            if order.get(status, 0) < order.get(message.status, 0):
                return True
            message.status = status
            message.error_code = error_code
            message.status_reason = reason
            add_event(session, f"message.{status.value}", message.conversation_id, message.id)
            return True


def _queue_reply(
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
    if channel is Channel.VOICE:  # spoken whole: no SMS composition applies
        message.delivered_body = draft.translated_text
        message.sms_encoding = message.undeliverable_chars = None
        message.sms_segments = None
    elif draft.uses_link:
        message.reply_token = draft.reply_token or secrets.token_urlsafe(16)
    session.add(message)
    if draft.author is not Author.AUTOMATIC:  # a receipt does not reset the resident's wait
        conversation.last_message_at = now
    session.flush()
    add_event(
        session,
        "message.queued",
        conversation.id,
        message.id,
        channel=channel.value,
        user_id=draft.author_user_id,  # who answered, for the audit trail (None: relay itself)
    )
    return message
