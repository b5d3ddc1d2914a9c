"""Use cases that change the record. Each owns its transaction, so a caller never half-saves.

The inbound path is written so that the resident's message is committed before any language work
starts: the webhook calls `record_inbound_sms`, and only then is work enqueued by id.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from transcripts.db import UseCases, utcnow
from transcripts.models import (
    Author,
    Channel,
    Contact,
    Conversation,
    ConversationStatus,
    Direction,
    Disposition,
    Event,
    Message,
    MessageStatus,
    WebhookReceipt,
)
from transcripts.phones import normalise_phone


class RecordError(Exception):
    """A use case was asked for something the record cannot do; the message says what."""


class NotFoundError(RecordError):
    """The conversation or message does not exist."""


class ConversationClosedError(RecordError):
    """A reply was attempted on a closed conversation."""


@dataclass(frozen=True)
class InboundSms:
    """A resident's SMS as the webhook parsed it; `flag` carries anything odd about it."""

    sid: str
    from_number: str
    to_number: str | None
    body: str
    payload: Mapping[str, Any]
    flag: str | None = None


@dataclass(frozen=True)
class Recorded:
    """What storing an inbound message did: `needs_work` says whether to enqueue language work."""

    message_id: int
    conversation_id: int
    duplicate: bool
    needs_work: bool


@dataclass(frozen=True)
class InboundTranslation:
    """The outcome of language work on one inbound message."""

    language: str
    probability: float | None
    korean_text: str
    engine: str
    model: str
    pivot: str | None
    translation_ms: float
    detection_ms: float
    # Set when the agent must not take the translation at face value (e.g. a protected term or
    # number the engine dropped); shown as the message's flag.
    review_note: str | None = None


@dataclass(frozen=True)
class ReplyDraft:
    """An agent's reply, translated and composed for SMS, ready to queue."""

    korean_text: str
    language: str
    translated_text: str
    machine_translation: str
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


class TranscriptService(UseCases):
    """The write side of the record."""

    # -- webhooks -------------------------------------------------------------------------

    def claim_webhook(self, sid: str, event: str, payload: Mapping[str, Any]) -> bool:
        """Store a webhook receipt; False when (sid, event) was already received (a redelivery)."""
        try:
            with self._transaction() as session:
                session.add(WebhookReceipt(provider_sid=sid, event=event, payload=dict(payload)))
        except IntegrityError:
            return False
        return True

    def note_webhook_outcome(self, sid: str, event: str, outcome: str) -> None:
        """Record what became of a receipt (e.g. why it was refused), for review."""
        with self._transaction() as session:
            session.execute(
                update(WebhookReceipt)
                .where(WebhookReceipt.provider_sid == sid, WebhookReceipt.event == event)
                .values(outcome=outcome[:255])
            )

    # -- inbound --------------------------------------------------------------------------

    def record_inbound_sms(self, sms: InboundSms) -> Recorded:
        """Store a resident's SMS exactly once, in their open conversation (opened if needed)."""
        for _attempt in range(3):
            try:
                return self._record_inbound_once(sms)
            except IntegrityError:
                # Either a redelivery (the receipt exists) or a racing first message from the same
                # resident opened the contact or conversation first; the next pass finds them.
                existing = self._existing_inbound(sms.sid)
                if existing is not None:
                    return existing
        raise RecordError(f"could not store message {sms.sid} after retries")

    def _existing_inbound(self, sid: str) -> Recorded | None:
        with self._sessions() as session:
            message = session.scalar(select(Message).where(Message.provider_sid == sid))
            if message is None:
                return None
            return Recorded(message.id, message.conversation_id, duplicate=True, needs_work=False)

    def _record_inbound_once(self, sms: InboundSms) -> Recorded:
        with self._transaction() as session:
            session.add(
                WebhookReceipt(provider_sid=sms.sid, event="sms.inbound", payload=dict(sms.payload))
            )
            session.flush()
            now = utcnow()
            contact = self._contact(session, sms.from_number)
            conversation = self._open_conversation(session, contact, Channel.SMS, now)
            body = sms.body
            empty = not body.strip()
            message = Message(
                conversation_id=conversation.id,
                direction=Direction.INBOUND,
                channel=Channel.SMS,
                author=Author.RESIDENT,
                provider_sid=sms.sid,
                from_number=contact.phone,
                to_number=sms.to_number,
                original_text=body,
                status=MessageStatus.EMPTY if empty else MessageStatus.RECEIVED,
                status_reason="the message had no text" if empty else None,
                flag=sms.flag,
                created_at=now,
                updated_at=now,
            )
            session.add(message)
            conversation.last_message_at = now
            session.flush()
            self._event(session, "message.received", conversation.id, message.id)
            return Recorded(message.id, conversation.id, duplicate=False, needs_work=not empty)

    def _contact(self, session: Session, raw_phone: str) -> Contact:
        phone = normalise_phone(raw_phone)
        contact = session.scalar(select(Contact).where(Contact.phone == phone))
        if contact is None:
            contact = Contact(phone=phone)
            session.add(contact)
            session.flush()
        return contact

    def _open_conversation(
        self, session: Session, contact: Contact, channel: Channel, now: datetime
    ) -> Conversation:
        conversation = session.scalar(
            select(Conversation).where(
                Conversation.contact_id == contact.id,
                Conversation.status == ConversationStatus.OPEN,
            )
        )
        if conversation is None:
            conversation = Conversation(
                contact_id=contact.id,
                channel=channel,
                language=contact.language,
                created_at=now,
                last_message_at=now,
            )
            session.add(conversation)
            session.flush()
            self._event(session, "conversation.opened", conversation.id, None)
        return conversation

    def _event(
        self,
        session: Session,
        kind: str,
        conversation_id: int | None,
        message_id: int | None,
        **data: Any,
    ) -> None:
        session.add(
            Event(kind=kind, conversation_id=conversation_id, message_id=message_id, data=data)
        )

    def close_conversation(
        self, conversation_id: int, disposition: Disposition, user_id: int | None
    ) -> Conversation:
        """Close an open conversation with a disposition; the next message opens a new one."""
        with self._transaction() as session:
            now = utcnow()
            closed = session.execute(
                update(Conversation)
                .where(
                    Conversation.id == conversation_id,
                    Conversation.status == ConversationStatus.OPEN,
                )
                .values(
                    status=ConversationStatus.CLOSED,
                    disposition=disposition.value,
                    closed_at=now,
                )
            )
            conversation = session.get(Conversation, conversation_id)
            if conversation is None:
                raise NotFoundError(f"conversation {conversation_id} not found")
            if closed.rowcount == 0:  # type: ignore[attr-defined]
                raise ConversationClosedError(f"conversation {conversation_id} is already closed")
            self._event(
                session,
                "conversation.closed",
                conversation_id,
                None,
                disposition=disposition.value,
                user_id=user_id,
            )
            return conversation

    def begin_inbound_work(self, message_id: int) -> Message | None:
        """Count an attempt and return the message if it still needs language work, else None.

        Idempotence for at-least-once delivery: a job delivered twice, or for a message already
        translated, finds nothing to do.
        """
        with self._transaction() as session:
            message = session.get(Message, message_id)
            if message is None or message.direction is not Direction.INBOUND:
                return None
            if message.status not in (MessageStatus.RECEIVED, MessageStatus.FAILED):
                return None
            message.attempts += 1
            return message

    def save_inbound_translation(self, message_id: int, result: InboundTranslation) -> None:
        """Store the Korean translation and detected language of an inbound message."""
        with self._transaction() as session:
            message = self._get_message(session, message_id)
            message.original_language = result.language
            message.language_probability = result.probability
            message.translated_text = result.korean_text
            message.translated_language = "ko"
            message.translation_engine = result.engine
            message.translation_model = result.model
            message.translation_pivot = result.pivot
            message.translation_ms = result.translation_ms
            message.detection_ms = result.detection_ms
            message.status = MessageStatus.TRANSLATED
            message.status_reason = None
            if result.review_note:
                notes = [note for note in (message.flag, result.review_note) if note]
                message.flag = "; ".join(notes)[:255]
            self._remember_language(session, message, result.language)
            self._event(session, "message.translated", message.conversation_id, message.id)

    def mark_inbound(
        self,
        message_id: int,
        status: MessageStatus,
        reason: str,
        *,
        language: str | None = None,
        probability: float | None = None,
    ) -> None:
        """Leave the original as it is and say why no translation is there."""
        with self._transaction() as session:
            message = self._get_message(session, message_id)
            message.status = status
            message.status_reason = reason
            if language is not None:
                message.original_language = language
                message.language_probability = probability
                self._remember_language(session, message, language)
            if status is MessageStatus.NEEDS_INTERPRETER:
                conversation = session.get(Conversation, message.conversation_id)
                assert conversation is not None
                conversation.needs_interpreter = True
            self._event(
                session,
                f"message.{status.value}",
                message.conversation_id,
                message.id,
                reason=reason,
            )

    def _remember_language(self, session: Session, message: Message, language: str) -> None:
        conversation = session.get(Conversation, message.conversation_id)
        assert conversation is not None
        if language != "ko":
            conversation.language = language
            conversation.contact.language = language

    def _get_message(self, session: Session, message_id: int) -> Message:
        message = session.get(Message, message_id)
        if message is None:
            raise NotFoundError(f"message {message_id} not found")
        return message

    # -- outbound -------------------------------------------------------------------------

    def create_reply(
        self, conversation_id: int, draft: ReplyDraft, channel: Channel = Channel.SMS
    ) -> Message:
        """Queue an agent's reply in an open conversation; a job sends it (or, for the voice
        channel, places the call-back that speaks it), by id."""
        with self._transaction() as session:
            conversation = session.get(Conversation, conversation_id)
            if conversation is None:
                raise NotFoundError(f"conversation {conversation_id} not found")
            if conversation.status is not ConversationStatus.OPEN:
                raise ConversationClosedError(f"conversation {conversation_id} is closed")
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
            conversation.last_message_at = now
            session.flush()
            self._event(
                session, "message.queued", conversation.id, message.id, channel=channel.value
            )
            return message

    def begin_sending(self, message_id: int) -> Message | None:
        """Return a queued outbound message to send (counting the attempt), or None if done."""
        with self._transaction() as session:
            message = session.get(Message, message_id)
            if message is None or message.direction is not Direction.OUTBOUND:
                return None
            if message.status is not MessageStatus.QUEUED or message.provider_sid is not None:
                return None
            message.attempts += 1
            return message

    def mark_sent(self, message_id: int, provider_sid: str, status: MessageStatus) -> None:
        """Record the provider's id for a message handed over, so status callbacks find it."""
        with self._transaction() as session:
            message = self._get_message(session, message_id)
            message.provider_sid = provider_sid
            message.status = status
            message.status_reason = None
            self._event(session, "message.sent", message.conversation_id, message.id)

    def mark_send_failed(self, message_id: int, reason: str, error_code: str | None) -> None:
        """A send that the provider refused: keep the text, say why."""
        with self._transaction() as session:
            message = self._get_message(session, message_id)
            message.status = MessageStatus.FAILED
            message.status_reason = reason
            message.error_code = error_code
            self._event(session, "message.failed", message.conversation_id, message.id)

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
            message = session.scalar(select(Message).where(Message.provider_sid == provider_sid))
            if message is None:
                return False
            if order.get(status, 0) < order.get(message.status, 0):
                return True
            message.status = status
            message.error_code = error_code
            message.status_reason = reason
            self._event(session, f"message.{status.value}", message.conversation_id, message.id)
            return True

    # -- recovery -------------------------------------------------------------------------

    def stale_work(self, older_than: timedelta, max_attempts: int) -> tuple[list[int], list[int]]:
        """Inbound and outbound message ids whose job seems lost (at-least-once delivery)."""
        cutoff = utcnow() - older_than
        with self._sessions() as session:
            inbound = session.scalars(
                select(Message.id).where(
                    Message.direction == Direction.INBOUND,
                    Message.status == MessageStatus.RECEIVED,
                    Message.updated_at < cutoff,
                    Message.attempts < max_attempts,
                )
            ).all()
            outbound = session.scalars(
                select(Message.id).where(
                    Message.direction == Direction.OUTBOUND,
                    Message.status == MessageStatus.QUEUED,
                    Message.provider_sid.is_(None),
                    Message.updated_at < cutoff,
                    Message.attempts < max_attempts,
                )
            ).all()
        return list(inbound), list(outbound)

    def retry_inbound(self, message_id: int) -> bool:
        """Put a failed inbound message back to be worked on; False if it is not failed."""
        with self._transaction() as session:
            message = self._get_message(session, message_id)
            if message.status not in (MessageStatus.FAILED, MessageStatus.RECEIVED):
                return False
            message.status = MessageStatus.RECEIVED
            message.status_reason = "retry requested"
            return True
