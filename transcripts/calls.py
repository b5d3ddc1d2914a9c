"""Use cases for phone calls: the call record, recorded voice messages and spoken replies.

A call is a row from the first webhook on, and every recording is a message row before anything
is downloaded, so a caller who hangs up, stays silent or leaves a recording that cannot be
fetched still leaves a visible, explained trace in their conversation. Like service.py, each
method owns its transaction; nothing here knows about Flask or the language engines.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from transcripts.db import utcnow
from transcripts.models import (
    Author,
    Call,
    CallStatus,
    Channel,
    Contact,
    Conversation,
    ConversationStatus,
    Direction,
    Event,
    Message,
    MessageStatus,
    WebhookReceipt,
)
from transcripts.phones import normalise_phone
from transcripts.service import ConversationClosedError, NotFoundError, ReplyDraft

# What carriers and Twilio put in From when the caller withholds their number.
ANONYMOUS_CALLERS = frozenset(
    {"", "anonymous", "restricted", "unknown", "unavailable", "private", "+266696687"}
)
_FINAL = frozenset(
    {
        CallStatus.COMPLETED,
        CallStatus.ABANDONED,
        CallStatus.BUSY,
        CallStatus.NO_ANSWER,
        CallStatus.FAILED,
        CallStatus.CANCELED,
    }
)
ABANDONED_IN_MENU = "the caller hung up in the language menu before choosing a language"
ABANDONED_BEFORE_MESSAGE = "the caller hung up before leaving a message"


def is_anonymous(raw_from: str | None) -> bool:
    """True when the caller's number is withheld or missing."""
    return (raw_from or "").strip().lower() in ANONYMOUS_CALLERS


@dataclass(frozen=True)
class CallerInfo:
    """What the menu needs to know about a caller: their call, language and standing."""

    call_id: int
    conversation_id: int | None
    language: str | None  # the menu choice, or the contact's last language before a choice
    chosen: bool  # True once the caller picked a language in this call
    blocked: bool
    anonymous: bool
    duplicate: bool


@dataclass(frozen=True)
class VoiceRecording:
    """A recording status callback as the webhook parsed it."""

    call_sid: str
    recording_sid: str
    recording_url: str
    status: str  # Twilio's RecordingStatus: completed, absent, failed
    duration_seconds: float | None
    error_code: str | None
    flag: str | None = None


@dataclass(frozen=True)
class StoredRecording:
    """What storing a recording did: `needs_work` says whether to enqueue the download."""

    message_id: int
    conversation_id: int
    duplicate: bool
    needs_work: bool


@dataclass(frozen=True)
class VoiceTranscript:
    """The outcome of speech and translation work on one recorded message."""

    language: str
    probability: float | None
    text: str
    korean_text: str | None  # None when the transcript could not be translated
    segments: Sequence[Mapping[str, Any]]
    engine: str | None
    model: str | None
    pivot: str | None
    translation_ms: float | None
    recognition_ms: float


class CallService:
    """The write side of the call record."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    # -- inbound calls --------------------------------------------------------------------

    def start_inbound(
        self, call_sid: str, raw_from: str | None, to_number: str | None, payload: Mapping[str, Any]
    ) -> CallerInfo:
        """Record an incoming call once (a replayed webhook finds the same call)."""
        for _attempt in range(3):
            existing = self._caller_info(call_sid, duplicate=True)
            if existing is not None:
                return existing
            try:
                return self._start_inbound_once(call_sid, raw_from, to_number, payload)
            except IntegrityError:
                continue  # a racing delivery of the same webhook won; read what it stored
        raise NotFoundError(f"could not record call {call_sid}")

    def _start_inbound_once(
        self, call_sid: str, raw_from: str | None, to_number: str | None, payload: Mapping[str, Any]
    ) -> CallerInfo:
        with self._transaction() as session:
            session.add(
                WebhookReceipt(provider_sid=call_sid, event="voice.inbound", payload=dict(payload))
            )
            now = utcnow()
            anonymous = is_anonymous(raw_from)
            phone = f"anonymous:{call_sid}"[:64] if anonymous else normalise_phone(raw_from or "")
            contact = session.scalar(select(Contact).where(Contact.phone == phone))
            if contact is None:
                contact = Contact(
                    phone=phone,
                    flag_reason="the caller withheld their number" if anonymous else None,
                )
                session.add(contact)
                session.flush()
            blocked = contact.blocked_until is not None and contact.blocked_until > now
            call = Call(
                call_sid=call_sid,
                contact_id=contact.id,
                direction=Direction.INBOUND,
                status=CallStatus.CANCELED if blocked else CallStatus.IN_PROGRESS,
                from_number=None if anonymous else phone,
                to_number=to_number,
                started_at=now,
                answered_at=None if blocked else now,
                ended_at=now if blocked else None,
            )
            if not blocked:
                conversation = _open_conversation(session, contact, now)
                call.conversation_id = conversation.id
            session.add(call)
            session.flush()
            _event(session, "call.blocked" if blocked else "call.started", call.conversation_id)
            return CallerInfo(
                call.id,
                call.conversation_id,
                contact.language,
                False,
                blocked,
                anonymous,
                duplicate=False,
            )

    def _caller_info(self, call_sid: str, *, duplicate: bool) -> CallerInfo | None:
        with self._sessions() as session:
            call = session.scalar(select(Call).where(Call.call_sid == call_sid))
            if call is None:
                return None
            contact = session.get(Contact, call.contact_id) if call.contact_id else None
            language = call.language or (contact.language if contact else None)
            return CallerInfo(
                call.id,
                call.conversation_id,
                language,
                call.language is not None,
                call.status is CallStatus.CANCELED and call.answered_at is None,
                call.from_number is None,
                duplicate,
            )

    def receipt_exists(self, provider_sid: str, event: str) -> bool:
        """True when a webhook (provider id, event) was received, e.g. the end of a <Record>."""
        with self._sessions() as session:
            found = session.scalar(
                select(WebhookReceipt.id).where(
                    WebhookReceipt.provider_sid == provider_sid, WebhookReceipt.event == event
                )
            )
        return found is not None

    def caller(self, call_sid: str) -> CallerInfo | None:
        """The stored state of a call, or None for a call relay never saw."""
        return self._caller_info(call_sid, duplicate=False)

    def count_menu_attempt(self, call_sid: str) -> int:
        """Count one more pass through the language menu; returns the count (0: unknown call)."""
        with self._transaction() as session:
            call = session.scalar(select(Call).where(Call.call_sid == call_sid))
            if call is None:
                return 0
            call.menu_attempts += 1
            return call.menu_attempts

    def choose_language(self, call_sid: str, language: str) -> bool:
        """Remember the caller's menu choice on the call, conversation and contact."""
        with self._transaction() as session:
            call = session.scalar(select(Call).where(Call.call_sid == call_sid))
            if call is None:
                return False
            call.language = language
            if call.conversation_id is not None:
                conversation = session.get(Conversation, call.conversation_id)
                assert conversation is not None
                conversation.language = language
            if call.contact_id is not None:
                contact = session.get(Contact, call.contact_id)
                assert contact is not None
                contact.language = language
            _event(session, "call.language", call.conversation_id, language=language)
            return True

    # -- call status ----------------------------------------------------------------------

    def update_status(
        self,
        call_sid: str,
        status: CallStatus,
        duration_seconds: int | None,
        *,
        recorded: bool,
    ) -> Call | None:
        """Apply a call status callback; None when relay never saw the call.

        A final state is never moved back by a late callback. An inbound call that ends with no
        recording (`recorded` False: the Record verb never finished) is an abandoned call and
        leaves an empty voice message saying so, so the agent sees it and can call back.
        """
        with self._transaction() as session:
            call = session.scalar(select(Call).where(Call.call_sid == call_sid))
            if call is None:
                return None
            now = utcnow()
            if call.status in _FINAL:
                if duration_seconds is not None and call.duration_seconds is None:
                    call.duration_seconds = duration_seconds
                return call
            if status is CallStatus.IN_PROGRESS and call.answered_at is None:
                call.answered_at = now
            if status in _FINAL:
                call.ended_at = now
                call.duration_seconds = duration_seconds
                if (
                    status is CallStatus.COMPLETED
                    and call.direction is Direction.INBOUND
                    and not recorded
                    and not _has_voice_message(session, call.id)
                ):
                    status = CallStatus.ABANDONED
                    self._abandoned_message(session, call, now)
            call.status = status
            _event(session, f"call.{status.value}", call.conversation_id)
            return call

    def _abandoned_message(self, session: Session, call: Call, now: datetime) -> None:
        if call.conversation_id is None:
            return
        reason = ABANDONED_BEFORE_MESSAGE if call.language else ABANDONED_IN_MENU
        message = Message(
            conversation_id=call.conversation_id,
            direction=Direction.INBOUND,
            channel=Channel.VOICE,
            author=Author.RESIDENT,
            from_number=call.from_number,
            to_number=call.to_number,
            original_text="",
            original_language=call.language,
            call_id=call.id,
            status=MessageStatus.EMPTY,
            status_reason=reason,
            created_at=now,
            updated_at=now,
        )
        session.add(message)
        session.flush()
        _touch(session, call.conversation_id, now)
        _event(session, "message.empty", call.conversation_id, message.id, reason=reason)

    # -- recordings -----------------------------------------------------------------------

    def record_voice_message(self, recording: VoiceRecording) -> StoredRecording | None:
        """Store a recorded message exactly once; None when the call is unknown to relay."""
        for _attempt in range(3):
            try:
                return self._record_once(recording)
            except IntegrityError:
                continue  # the same recording stored by a racing delivery: the next pass sees it
        raise NotFoundError(f"could not store recording {recording.recording_sid}")

    def _record_once(self, recording: VoiceRecording) -> StoredRecording | None:
        with self._transaction() as session:
            existing = session.scalar(
                select(Message).where(Message.recording_sid == recording.recording_sid)
            )
            if existing is not None:
                return StoredRecording(
                    existing.id, existing.conversation_id, duplicate=True, needs_work=False
                )
            call = session.scalar(select(Call).where(Call.call_sid == recording.call_sid))
            if call is None or call.conversation_id is None:
                return None
            now = utcnow()
            # A call marked abandoned before its recording arrived was not abandoned after all:
            # its placeholder message becomes the recording.
            message = session.scalar(
                select(Message).where(
                    Message.call_id == call.id,
                    Message.recording_sid.is_(None),
                    Message.status == MessageStatus.EMPTY,
                    Message.direction == Direction.INBOUND,
                )
            )
            if message is None:
                message = Message(
                    conversation_id=call.conversation_id,
                    direction=Direction.INBOUND,
                    channel=Channel.VOICE,
                    author=Author.RESIDENT,
                    from_number=call.from_number,
                    to_number=call.to_number,
                    original_text="",
                    call_id=call.id,
                    created_at=now,
                )
                session.add(message)
            if call.status is CallStatus.ABANDONED:
                call.status = CallStatus.COMPLETED
            message.original_language = call.language
            message.recording_sid = recording.recording_sid
            message.recording_url = recording.recording_url or None
            message.audio_seconds = recording.duration_seconds
            message.flag = recording.flag
            message.error_code = recording.error_code
            message.updated_at = now
            usable = recording.status == "completed" and bool(recording.recording_url)
            if usable:
                message.status = MessageStatus.RECEIVED
                message.status_reason = None
            else:
                message.status = MessageStatus.EMPTY
                message.status_reason = _absent_reason(recording)
            session.flush()
            _touch(session, call.conversation_id, now)
            kind = "message.received" if usable else "message.empty"
            _event(session, kind, call.conversation_id, message.id)
            return StoredRecording(
                message.id, call.conversation_id, duplicate=False, needs_work=usable
            )

    def store_audio(self, message_id: int, audio_path: str) -> None:
        """Remember where a downloaded recording is kept (relative to the instance folder)."""
        with self._transaction() as session:
            message = _get_message(session, message_id)
            message.audio_path = audio_path

    def save_voice_transcript(
        self,
        message_id: int,
        result: VoiceTranscript,
        *,
        status: MessageStatus = MessageStatus.TRANSLATED,
        reason: str | None = None,
    ) -> None:
        """Store what the caller said, segment by segment, and its Korean where there is one."""
        with self._transaction() as session:
            message = _get_message(session, message_id)
            message.original_text = result.text
            message.original_language = result.language
            message.language_probability = result.probability
            message.segments = [dict(segment) for segment in result.segments]
            message.translated_text = result.korean_text
            message.translated_language = "ko" if result.korean_text is not None else None
            message.translation_engine = result.engine
            message.translation_model = result.model
            message.translation_pivot = result.pivot
            message.translation_ms = result.translation_ms
            message.detection_ms = result.recognition_ms
            message.status = status
            message.status_reason = reason
            _event(session, f"message.{status.value}", message.conversation_id, message.id)

    def flag_message(self, message_id: int, note: str) -> None:
        """Add a notice for the agent to a message (kept with earlier notices)."""
        with self._transaction() as session:
            message = _get_message(session, message_id)
            notes = [n for n in (message.flag, note) if n]
            message.flag = "; ".join(notes)[:255]

    def voice_message_ids(self, message_ids: Sequence[int]) -> set[int]:
        """Those of `message_ids` that are recorded voice messages (they need the voice job)."""
        if not message_ids:
            return set()
        with self._sessions() as session:
            rows = session.scalars(
                select(Message.id).where(
                    Message.id.in_(message_ids),
                    Message.channel == Channel.VOICE,
                    Message.direction == Direction.INBOUND,
                )
            ).all()
        return set(rows)

    # -- spoken replies -------------------------------------------------------------------

    def create_voice_reply(self, conversation_id: int, draft: ReplyDraft) -> Message:
        """Queue an agent's reply to be spoken in a call-back; a job places the call by id."""
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
                channel=Channel.VOICE,
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
                delivered_body=draft.translated_text,
                status=MessageStatus.QUEUED,
                created_at=now,
                updated_at=now,
            )
            session.add(message)
            conversation.last_message_at = now
            session.flush()
            _event(session, "message.queued", conversation.id, message.id, channel="voice")
            return message

    def record_outbound_call(self, message_id: int, call_sid: str, from_number: str | None) -> int:
        """Create the call row of a placed call-back, so its status callbacks find it."""
        with self._transaction() as session:
            existing = session.scalar(select(Call).where(Call.call_sid == call_sid))
            if existing is not None:
                return existing.id
            message = _get_message(session, message_id)
            conversation = session.get(Conversation, message.conversation_id)
            assert conversation is not None
            call = Call(
                call_sid=call_sid,
                conversation_id=conversation.id,
                contact_id=conversation.contact_id,
                direction=Direction.OUTBOUND,
                status=CallStatus.RINGING,
                from_number=from_number,
                to_number=message.to_number,
                language=message.translated_language,
            )
            session.add(call)
            session.flush()
            message.call_id = call.id
            _event(session, "call.placed", conversation.id, message.id)
            return call.id

    def reply_of_call(self, call_sid: str) -> int | None:
        """The id of the spoken reply an outbound call carries, if any."""
        with self._sessions() as session:
            return session.scalar(
                select(Message.id)
                .join(Call, Call.id == Message.call_id)
                .where(Call.call_sid == call_sid, Message.direction == Direction.OUTBOUND)
            )


def _absent_reason(recording: VoiceRecording) -> str:
    codes = {
        "16101": "the recording was too short to keep",
        "16102": "the recording was silent",
    }
    base = codes.get(
        recording.error_code or "", f"Twilio reported the recording {recording.status}"
    )
    if not recording.recording_url and recording.status == "completed":
        base = "Twilio sent no recording URL"
    return f"no message was recorded: {base}"


def _has_voice_message(session: Session, call_id: int) -> bool:
    count = session.scalar(
        select(func.count(Message.id)).where(
            Message.call_id == call_id, Message.direction == Direction.INBOUND
        )
    )
    return bool(count)


def _open_conversation(session: Session, contact: Contact, now: datetime) -> Conversation:
    conversation = session.scalar(
        select(Conversation).where(
            Conversation.contact_id == contact.id,
            Conversation.status == ConversationStatus.OPEN,
        )
    )
    if conversation is None:
        conversation = Conversation(
            contact_id=contact.id,
            channel=Channel.VOICE,
            language=contact.language,
            created_at=now,
            last_message_at=now,
        )
        session.add(conversation)
        session.flush()
        _event(session, "conversation.opened", conversation.id)
    return conversation


def _touch(session: Session, conversation_id: int, now: datetime) -> None:
    conversation = session.get(Conversation, conversation_id)
    if conversation is not None:
        conversation.last_message_at = now


def _get_message(session: Session, message_id: int) -> Message:
    message = session.get(Message, message_id)
    if message is None:
        raise NotFoundError(f"message {message_id} not found")
    return message


def _event(
    session: Session,
    kind: str,
    conversation_id: int | None,
    message_id: int | None = None,
    **data: Any,
) -> None:
    session.add(Event(kind=kind, conversation_id=conversation_id, message_id=message_id, data=data))
