"""Use cases of the inbound side: webhook receipts, a resident's message, its language work.

The resident's message is committed before any language work starts: the webhook calls
`record_sms`, which stores it and decides in the same transaction whether work is needed (a
blocked contact's text is kept, not translated), and only then is work enqueued by id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from transcripts import intake
from transcripts.db import utcnow
from transcripts.errors import RecordError
from transcripts.group_commit import GroupCommit
from transcripts.models import (
    Channel,
    Conversation,
    Direction,
    Message,
    MessageStatus,
)
from transcripts.outbound import fail_spent_sends
from transcripts.policy import EventKind
from transcripts.uow import UnitOfWork, UseCases
from transcripts.writes import BLOCKED_REASON as BLOCKED_REASON  # where tests look for it
from transcripts.writes import (
    Receipt,
    add_event,
    get_message,
    keep_receipt,
    put_machine_korean,
    receipt_outcome,
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
    """What storing an inbound message did: `needs_work` says whether to enqueue language work
    (not for a duplicate, an empty text or a blocked contact's text)."""

    message_id: int
    conversation_id: int
    duplicate: bool
    needs_work: bool
    blocked: bool = False


@dataclass(frozen=True)
class StaleWork:
    """Work whose job looks lost, by the task that does it (at-least-once delivery)."""

    translations: tuple[int, ...]
    recordings: tuple[int, ...]
    sends: tuple[int, ...]
    # replies out of attempts, failed on the way with the reason: never enqueued again
    given_up: tuple[int, ...] = ()
    # live-call utterances stored with their audio whose caption never came (the process
    # holding its speech lane died): Whisper must hear the stored audio again
    captions: tuple[int, ...] = ()

    @property
    def count(self) -> int:
        return len(self.translations) + len(self.recordings) + len(self.sends) + len(self.captions)


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


class Inbound(UseCases):
    """What residents send: webhook receipts, messages, their language work, and recovery."""

    def __init__(self, source: UnitOfWork | sessionmaker[Session]) -> None:
        super().__init__(source)
        # Texts arriving together share a turn on SQLite's write lock (group_commit.py).
        self.intake: GroupCommit[intake.PreparedSms, intake.Stored] = GroupCommit(
            self._uow, intake.store
        )

    # -- webhooks -------------------------------------------------------------------------

    def reject_webhook(self, sid: str, event: str, payload: Mapping[str, Any], reason: str) -> None:
        """Keep a webhook relay refuses, with why, so it can be reviewed (a redelivery of the
        same refusal is kept once)."""
        with self._uow.write() as session:
            if keep_receipt(session, Receipt(sid, event, payload)):
                receipt_outcome(session, sid, event, reason)

    # -- inbound --------------------------------------------------------------------------

    def record_sms(self, sms: InboundSms) -> Recorded:
        """Store a resident's SMS exactly once, in their open conversation (opened if needed);
        a blocked contact's text is kept as it came, out of the translation queue.

        The statements are transcripts/intake.py's: prepared before the write lock, a
        redelivery answered from a read without it."""
        prepared = intake.prepare(
            sms.sid, sms.from_number, sms.to_number, sms.body, sms.payload, sms.flag
        )
        existing = self._existing_inbound(sms.sid)
        if existing is not None:
            return existing
        for _attempt in range(3):
            try:
                stored = self.intake.submit(prepared)
            except IntegrityError:
                # Either a redelivery racing this one (the receipt exists) or a racing first
                # message from the same resident opened the contact or conversation first;
                # the next pass finds them.
                existing = self._existing_inbound(sms.sid)
                if existing is not None:
                    return existing
                continue
            return Recorded(
                stored.message_id,
                stored.conversation_id,
                duplicate=False,
                needs_work=not (prepared.empty or stored.blocked),
                blocked=stored.blocked,
            )
        raise RecordError(f"could not store message {sms.sid} after retries")

    def _existing_inbound(self, sid: str) -> Recorded | None:
        with self._uow.read_statements() as connection:
            found = intake.already_stored(connection, sid)
        if found is None:
            return None
        return Recorded(found[0], found[1], duplicate=True, needs_work=False)

    def begin_work(self, message_id: int) -> Message | None:
        """Count an attempt and return the message if it still needs language work, else None.

        Idempotence for at-least-once delivery: a job delivered twice, or for a message already
        translated, finds nothing to do.
        """
        with self._uow.write() as session:
            message = session.get(Message, message_id)
            if message is None or message.direction is not Direction.INBOUND:
                return None
            if message.status not in (MessageStatus.RECEIVED, MessageStatus.FAILED):
                return None
            message.attempts += 1
            return message

    def save_translation(self, message_id: int, result: InboundTranslation) -> None:
        """Store the Korean translation and detected language of an inbound message.

        An admin may have written the Korean while this work ran (a failed message corrected
        by hand): their text stays, and the machine's goes beside it as `machine_translation`.
        """
        with self._uow.write() as session:
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
            add_event(
                session,
                EventKind.MESSAGE_TRANSLATED,
                message.conversation_id,
                message.id,
                language=result.language,
            )

    def mark(
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
        with self._uow.write() as session:
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
                EventKind.of_message(status),
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
        elif conversation.language is None:
            # A Korean speaker is answered in Korean; a resident whose language is already
            # known keeps it when they add a word of Korean.
            conversation.language = language

    # -- recovery -------------------------------------------------------------------------

    def stale_work(self, older_than: timedelta, max_attempts: int) -> StaleWork:
        """Messages whose job seems lost, sorted by the task that must do them again.

        Queued replies that have used all `max_attempts` are failed here with the reason: the
        sweep will not enqueue them again, and left queued they would look on their way for
        ever. Written only when there are some, so the minutely sweep takes no write lock
        for nothing.
        """
        cutoff = utcnow() - older_than
        given_up: tuple[int, ...] = ()
        with self._uow.read() as session:
            spent = session.scalar(
                select(Message.id)
                .where(
                    Message.direction == Direction.OUTBOUND,
                    Message.status == MessageStatus.QUEUED,
                    Message.provider_sid.is_(None),
                    Message.updated_at < cutoff,
                    Message.attempts >= max(max_attempts, 1),
                )
                .limit(1)
            )
        if spent is not None:
            with self._uow.write() as session:
                given_up = fail_spent_sends(session, cutoff, max_attempts)
        with self._uow.read() as session:
            inbound = session.execute(
                select(
                    Message.id, Message.channel, Message.recording_sid, Message.audio_path
                ).where(
                    Message.direction == Direction.INBOUND,
                    Message.status == MessageStatus.RECEIVED,
                    Message.updated_at < cutoff,
                    Message.attempts < max_attempts,
                )
            ).all()
            sends = session.scalars(
                select(Message.id).where(
                    Message.direction == Direction.OUTBOUND,
                    Message.status == MessageStatus.QUEUED,
                    Message.provider_sid.is_(None),
                    Message.updated_at < cutoff,
                    Message.attempts < max_attempts,
                )
            ).all()
        kinds = [
            (row.id, _work_kind(row.channel, row.recording_sid, row.audio_path)) for row in inbound
        ]
        return StaleWork(
            translations=tuple(i for i, kind in kinds if kind == "text"),
            recordings=tuple(i for i, kind in kinds if kind == "recording"),
            sends=tuple(sends),
            given_up=given_up,
            captions=tuple(i for i, kind in kinds if kind == "caption"),
        )

    def work_kind(self, message_id: int) -> WorkKind | None:
        """What an inbound message's language work is: text to translate, a recording to
        download and hear, or a live utterance's stored audio to caption (None: no such
        inbound message)."""
        with self._uow.read() as session:
            row = session.execute(
                select(Message.channel, Message.recording_sid, Message.audio_path).where(
                    Message.id == message_id, Message.direction == Direction.INBOUND
                )
            ).first()
        return None if row is None else _work_kind(row.channel, row.recording_sid, row.audio_path)


WorkKind = Literal["text", "recording", "caption"]


def _work_kind(channel: Channel, recording_sid: str | None, audio_path: str | None) -> WorkKind:
    """A call's message is a recording (Twilio holds it, by its sid) or a live utterance (only
    its audio, stored by the stream); everything else is text."""
    if channel is not Channel.VOICE:
        return "text"
    return "caption" if recording_sid is None and audio_path is not None else "recording"
