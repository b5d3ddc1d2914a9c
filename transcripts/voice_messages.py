"""Use cases for recorded voice messages and spoken replies: stored before any work starts.

A recording is a message row (with its Twilio URL) before anything is downloaded, so audio that
cannot be fetched is still visible with its reason; a spoken reply is a message row before the
call-back is placed. Each method owns its transaction; nothing here knows about Flask or the
language engines. The calls themselves are in calls.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from transcripts.db import utcnow
from transcripts.errors import NotFoundError
from transcripts.models import (
    Call,
    CallStatus,
    Conversation,
    Direction,
    Message,
    MessageStatus,
)
from transcripts.outbound import mark_sent
from transcripts.policy import EventKind
from transcripts.uow import UseCases
from transcripts.writes import (
    Receipt,
    add_event,
    call_message,
    get_message,
    keep_receipt,
    put_machine_korean,
    receipt_outcome,
    settled_by_admin,
    touch_conversation,
)


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


@dataclass(frozen=True)
class HeardLanguage:
    """The spoken-language check of one recording, as the record keeps it.

    `check` is the stored evidence (menu's language, language heard, probabilities); when
    `differs`, `notice` is the agent's Korean notice and the conversation needs an interpreter.
    """

    check: Mapping[str, Any]
    differs: bool
    notice: str | None = None


# Recording status callbacks that end a recording's story (Twilio also sends in-progress etc.).
FINAL_RECORDING_STATUSES = frozenset({"completed", "absent", "failed"})


class VoiceMessages(UseCases):
    """The write side of recorded messages and spoken replies."""

    # -- recordings -----------------------------------------------------------------------

    def record_voice_message(
        self, recording: VoiceRecording, receipt: Receipt
    ) -> StoredRecording | None:
        """Store a recorded message exactly once, with the webhook that brought it; None when
        the call is unknown to relay."""
        for _attempt in range(3):
            try:
                return self._record_once(recording, receipt)
            except IntegrityError:
                continue  # the same recording stored by a racing delivery: the next pass sees it
        raise NotFoundError(f"could not store recording {recording.recording_sid}")

    def _record_once(self, recording: VoiceRecording, receipt: Receipt) -> StoredRecording | None:
        with self._uow.write() as session:
            fresh = keep_receipt(session, receipt)
            existing = session.scalar(
                select(Message).where(Message.recording_sid == recording.recording_sid)
            )
            if existing is not None:
                return StoredRecording(
                    existing.id, existing.conversation_id, duplicate=True, needs_work=False
                )
            call = session.scalar(select(Call).where(Call.call_sid == recording.call_sid))
            if call is None or call.conversation_id is None:
                if fresh:
                    receipt_outcome(session, receipt.sid, receipt.event, "unknown call")
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
                message = call_message(call, now)
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
                failed = recording.status == "failed"
                message.status = MessageStatus.FAILED if failed else MessageStatus.EMPTY
                message.status_reason = _absent_reason(recording)
            session.flush()
            touch_conversation(session, call.conversation_id, now)
            add_event(
                session, EventKind.of_message(message.status), call.conversation_id, message.id
            )
            return StoredRecording(
                message.id, call.conversation_id, duplicate=False, needs_work=usable
            )

    def store_audio(self, message_id: int, audio_path: str) -> None:
        """Remember where a downloaded recording is kept (relative to the instance folder)."""
        with self._uow.write() as session:
            message = get_message(session, message_id)
            message.audio_path = audio_path

    def save_voice_transcript(
        self,
        message_id: int,
        result: VoiceTranscript,
        *,
        status: MessageStatus = MessageStatus.TRANSLATED,
        reason: str | None = None,
    ) -> None:
        """Store what the caller said, segment by segment, and its Korean where there is one.

        An admin may have corrected the message while this work ran, or before a retry: what
        they wrote stays, and the machine's new text goes beside it (`machine_*`), as for SMS.
        """
        with self._uow.write() as session:
            message = get_message(session, message_id)
            corrected = message.corrected_at is not None
            if corrected and message.machine_original_text is not None:
                message.machine_original_text = result.text
            else:
                message.original_text = result.text
            message.original_language = result.language
            message.language_probability = result.probability
            if not (corrected and _has_corrected_segment(message.segments)):
                message.segments = [dict(segment) for segment in result.segments]
            put_machine_korean(message, result.korean_text)
            message.translation_engine = result.engine
            message.translation_model = result.model
            message.translation_pivot = result.pivot
            message.translation_ms = result.translation_ms
            message.detection_ms = result.recognition_ms
            if not settled_by_admin(message):
                message.status = status
                message.status_reason = reason
            add_event(
                session, EventKind.of_message(message.status), message.conversation_id, message.id
            )

    def record_spoken_language(self, message_id: int, heard: HeardLanguage) -> None:
        """Keep which language the recording sounds like; when it is not the menu's, tell the
        agent (the notice with earlier ones) and mark the conversation for an interpreter, in
        one transaction, before the transcript is saved: the agent never sees the machine's
        rendering without the warning."""
        with self._uow.write() as session:
            message = get_message(session, message_id)
            message.spoken_language = dict(heard.check)
            if not heard.differs:
                return
            if heard.notice and heard.notice not in (message.flag or ""):
                notes = [n for n in (heard.notice, message.flag) if n]
                message.flag = "; ".join(notes)[:255]  # the new notice first: it must show
            conversation = session.get(Conversation, message.conversation_id)
            assert conversation is not None
            conversation.needs_interpreter = True
            add_event(
                session,
                EventKind.MESSAGE_NEEDS_INTERPRETER,
                message.conversation_id,
                message.id,
                reason=heard.notice,
            )

    def flag_message(self, message_id: int, note: str) -> None:
        """Add a notice for the agent to a message (kept with earlier notices)."""
        with self._uow.write() as session:
            message = get_message(session, message_id)
            if note in (message.flag or ""):
                return  # a retried job says the same thing once
            notes = [n for n in (message.flag, note) if n]
            message.flag = "; ".join(notes)[:255]

    # -- spoken replies -------------------------------------------------------------------

    def call_placed(
        self, message_id: int, call_sid: str, from_number: str | None, status: MessageStatus
    ) -> None:
        """The call-back that speaks a reply was placed: its call row (so status callbacks
        find it) and the reply's provider id, in one transaction."""
        with self._uow.write() as session:
            message = get_message(session, message_id)
            call = session.scalar(select(Call).where(Call.call_sid == call_sid))
            if call is None:
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
                add_event(session, EventKind.CALL_PLACED, conversation.id, message.id)
            message.call_id = call.id
            mark_sent(session, message, call_sid, status)


def _has_corrected_segment(segments: Sequence[Mapping[str, Any]] | None) -> bool:
    """Whether an admin corrected one of these segments (it keeps the machine's text beside)."""
    return any(key.startswith("machine_") for segment in segments or [] for key in segment)


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
