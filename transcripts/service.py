"""Use cases that change the record. Each owns its transaction, so a caller never half-saves.

The inbound path is written so that the resident's message is committed before any language work
starts: the webhook calls `record_inbound_sms`, and only then is work enqueued by id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from transcripts.db import utcnow
from transcripts.errors import ConversationClosedError, NotFoundError, RecordError
from transcripts.models import (
    Author,
    Channel,
    Contact,
    Conversation,
    ConversationStatus,
    Direction,
    Disposition,
    Message,
    MessageStatus,
    WebhookReceipt,
)
from transcripts.outbound import OutboundUseCases
from transcripts.phones import normalise_phone
from transcripts.writes import (
    add_event,
    back_to_work,
    get_message,
    open_conversation,
    put_machine_korean,
    settled_by_admin,
)


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


class TranscriptService(OutboundUseCases):
    """The write side of the record: webhooks, inbound messages, conversations, recovery
    (and, inherited, outbound replies)."""

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
            conversation = open_conversation(session, contact, Channel.SMS, now)
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
            add_event(session, "message.received", conversation.id, message.id)
            return Recorded(message.id, conversation.id, duplicate=False, needs_work=not empty)

    def _contact(self, session: Session, raw_phone: str) -> Contact:
        phone = normalise_phone(raw_phone)
        contact = session.scalar(select(Contact).where(Contact.phone == phone))
        if contact is None:
            contact = Contact(phone=phone)
            session.add(contact)
            session.flush()
        return contact

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
            add_event(
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
        """Store the Korean translation and detected language of an inbound message.

        An admin may have written the Korean while this work ran (a failed message corrected
        by hand): their text stays, and the machine's goes beside it as `machine_translation`.
        """
        with self._transaction() as session:
            message = get_message(session, message_id)
            message.original_language = result.language
            message.language_probability = result.probability
            put_machine_korean(message, result.korean_text)
            message.translation_engine = result.engine
            message.translation_model = result.model
            message.translation_pivot = result.pivot
            message.translation_ms = result.translation_ms
            message.detection_ms = result.detection_ms
            message.status = MessageStatus.TRANSLATED
            message.status_reason = None if message.corrected_at is None else message.status_reason
            if result.review_note:
                notes = [note for note in (message.flag, result.review_note) if note]
                message.flag = "; ".join(notes)[:255]
            self._remember_language(session, message, result.language)
            add_event(session, "message.translated", message.conversation_id, message.id)

    def mark_inbound(
        self,
        message_id: int,
        status: MessageStatus,
        reason: str,
        *,
        language: str | None = None,
        probability: float | None = None,
    ) -> None:
        """Leave the original as it is and say why no translation is there (unless an admin
        wrote the Korean meanwhile: theirs stands)."""
        with self._transaction() as session:
            message = get_message(session, message_id)
            if settled_by_admin(message):
                return
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
            add_event(
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
            message = get_message(session, message_id)
            if message.status not in (MessageStatus.FAILED, MessageStatus.RECEIVED):
                return False
            back_to_work(message)
            return True
