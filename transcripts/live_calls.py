"""Use cases for live calls: a caller's speech captioned for the agent while the call goes on.

A live call is an inbound call whose audio streams to relay after the language menu. Each
utterance the stream cuts is an inbound message of the call's conversation, stored (with its
audio on disk) before any recognition starts, so a process that dies mid-transcription leaves
a visible message, never a lost one. The call's answer is the moment an agent takes it, not the
menu picking up: that is what the answer rate and time to answer count for live calls.
Each method owns its transaction; nothing here knows about Flask, Twilio or the engines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from transcripts.calls import FINAL_CALL_STATUSES, end_live_part
from transcripts.db import utcnow
from transcripts.errors import NotFoundError
from transcripts.models import (
    Call,
    Conversation,
    ConversationStatus,
    Direction,
    Message,
    MessageStatus,
)
from transcripts.policy import EventKind
from transcripts.uow import UseCases
from transcripts.writes import (
    add_event,
    call_message,
    get_message,
    put_machine_korean,
    settled_by_admin,
    touch_conversation,
)


@dataclass(frozen=True)
class LiveCall:
    """A live call as a stream or a reply needs it."""

    call_id: int
    call_sid: str
    conversation_id: int
    language: str
    stream_sid: str | None
    conference: str | None = None  # the interpreter conference the caller is in, if any


@dataclass(frozen=True)
class Admission:
    """Whether a Media Stream may carry a call's audio: `call` when it may, else `refused`."""

    call: LiveCall | None
    refused: str | None = None


@dataclass(frozen=True)
class WaitState:
    """Where a live call stands while the caller waits for an agent."""

    language: str
    claimed: bool  # an agent took the conversation
    waited_seconds: float  # since the call went live
    ended: bool  # the call or its live part is over, or the agent closed the conversation


@dataclass(frozen=True)
class UtteranceAudio:
    """One cut utterance as stored: where its audio is kept and where it lies in the stream."""

    audio_path: str  # relative to the instance folder
    start: float  # seconds into the call's audio
    end: float
    seconds: float
    cut: str  # silence, max_length or stream_end
    speech_ended_at: datetime


@dataclass(frozen=True)
class LiveCaption:
    """What recognition and translation made of one utterance."""

    language: str
    text: str
    korean_text: str | None
    segments: Sequence[Mapping[str, Any]]
    engine: str | None
    model: str | None
    recognition_ms: float
    translation_ms: float | None
    transcript_at: datetime
    korean_at: datetime | None
    pivot: str | None = None  # the language a chained translation went through


class LiveCalls(UseCases):
    """The write side of live calls."""

    def go_live(self, call_sid: str) -> LiveCall | None:
        """The caller chose a language and agents are at work: the call streams from now on.
        A replayed webhook finds the call already live; None for a call relay never saw."""
        with self._uow.write() as session:
            call = _call(session, call_sid)
            if call is None or call.conversation_id is None or call.language is None:
                return None
            if call.live_at is None:
                call.live_at = utcnow()
                add_event(
                    session, EventKind.CALL_LIVE, call.conversation_id, language=call.language
                )
            return _live(call)

    def wait_state(self, call_sid: str) -> WaitState | None:
        """Whether an agent took the call yet, and how long the caller has waited."""
        with self._uow.read() as session:
            call = _call(session, call_sid)
            if call is None or call.live_at is None or call.conversation_id is None:
                return None
            conversation = session.get(Conversation, call.conversation_id)
            assert conversation is not None
            ended = (
                call.status in FINAL_CALL_STATUSES
                or call.live_ended_at is not None
                or conversation.status is not ConversationStatus.OPEN
            )
            waited = (utcnow() - call.live_at).total_seconds()
            claimed = conversation.claimed_by_id is not None
            return WaitState(call.language or "en", claimed, waited, ended)

    def end_live(self, call_sid: str, reason: str) -> bool:
        """The live part of a call is over (no agent came, the caller hung up, the agent
        closed): streams are refused from now on. False when it had already ended."""
        with self._uow.write() as session:
            call = _call(session, call_sid)
            return call is not None and end_live_part(session, call, reason)

    def admit_stream(self, call_sid: str, stream_sid: str) -> Admission:
        """A Media Stream started for `call_sid`: it carries the call's audio from now on (a
        newer stream of the same call replaces an older one), unless the call is unknown, not
        live or over."""
        with self._uow.write() as session:
            call = _call(session, call_sid)
            if call is None:
                return Admission(None, "unknown call")
            if call.direction is not Direction.INBOUND or call.live_at is None:
                return Admission(None, "the call is not live")
            if call.status in FINAL_CALL_STATUSES or call.live_ended_at is not None:
                return Admission(None, "the call is over")
            if call.conversation_id is None or call.language is None:
                return Admission(None, "the call has no conversation or language")
            call.stream_sid = stream_sid
            return Admission(_live(call))

    def stream_gone(self, call_sid: str, stream_sid: str) -> None:
        """A stream stopped or dropped; the call itself may go on (a new stream may join)."""
        with self._uow.write() as session:
            call = _call(session, call_sid)
            if call is not None and call.stream_sid == stream_sid:
                call.stream_sid = None

    def caller_speaking(self, conversation_id: int, call_id: int) -> None:
        """Speech started: the agent's thread shows that a caption is coming."""
        with self._uow.write() as session:
            add_event(session, EventKind.CALL_CALLER_SPEAKING, conversation_id, call_id=call_id)

    def store_utterance(self, call_sid: str, utterance: UtteranceAudio) -> int:
        """Keep one utterance as an inbound message of the call's conversation (received, its
        audio on disk) before recognition starts; returns the message id."""
        with self._uow.write() as session:
            call = _call(session, call_sid)
            if call is None:
                raise NotFoundError(f"call {call_sid} not found")
            now = utcnow()
            message = call_message(call, now)
            message.status = MessageStatus.RECEIVED
            message.audio_path = utterance.audio_path
            message.audio_seconds = round(utterance.seconds, 3)
            message.speech_ended_at = utterance.speech_ended_at
            message.segments = [
                {"start": utterance.start, "end": utterance.end, "text": "", "cut": utterance.cut}
            ]
            session.add(message)
            session.flush()
            assert call.conversation_id is not None
            touch_conversation(session, call.conversation_id, now)
            add_event(session, EventKind.MESSAGE_RECEIVED, call.conversation_id, message.id)
            return message.id

    def save_caption(self, message_id: int, caption: LiveCaption, offset: float) -> None:
        """Store what the caller said and its Korean, with the times the caption took.
        `offset` moves Whisper's segment times onto the call's clock."""
        with self._uow.write() as session:
            message = get_message(session, message_id)
            message.original_text = caption.text
            message.original_language = caption.language
            message.language_probability = 1.0  # forced by the menu
            message.segments = [
                {
                    **segment,
                    "start": round(float(segment["start"]) + offset, 2),
                    "end": round(float(segment["end"]) + offset, 2),
                }
                for segment in caption.segments
            ]
            put_machine_korean(message, caption.korean_text)
            message.translation_engine = caption.engine
            message.translation_model = caption.model
            message.translation_pivot = caption.pivot
            message.translation_ms = caption.translation_ms
            message.detection_ms = caption.recognition_ms
            message.transcript_at = caption.transcript_at
            message.korean_at = caption.korean_at
            if settled_by_admin(message):
                return
            if not caption.text:
                message.status = MessageStatus.EMPTY
                message.status_reason = "no words were heard in this utterance (noise or silence)"
            elif caption.korean_text is None:
                message.status = MessageStatus.FAILED
                message.status_reason = "translation failed; the original is shown"
            else:
                message.status = MessageStatus.TRANSLATED
                message.status_reason = None
            add_event(
                session, EventKind.of_message(message.status), message.conversation_id, message.id
            )

    def note_reply_channel(self, message_id: int, note: str) -> None:
        """Tell the agent how a live reply actually went (SMS instead of speech, and why)."""
        with self._uow.write() as session:
            message = get_message(session, message_id)
            notes = [n for n in (message.flag, note) if n and note not in (message.flag or "")]
            message.flag = "; ".join(notes)[:255] or message.flag
            add_event(
                session, EventKind.CALL_REPLY_SPOKEN, message.conversation_id, message.id, note=note
            )

    def spoken_check_of(self, call_sid: str) -> dict[str, Any] | None:
        """The spoken-language check already run on this call's speech (kept with the
        utterance it judged), or None when none was: the check runs once per call."""
        with self._uow.read() as session:
            found = session.scalars(
                select(Message.spoken_language)
                .join(Call, Call.id == Message.call_id)
                .where(Call.call_sid == call_sid, Message.direction == Direction.INBOUND)
                .order_by(Message.id)
            )
            return next((dict(check) for check in found if check), None)

    def conference_started(
        self, call_sid: str, name: str, legs: Mapping[str, str], user_id: int | None
    ) -> None:
        """The caller was moved into the interpreter conference and its other legs dialled
        (`legs`: who was dialled, by their call ids); replies join the caller back to it."""
        with self._uow.write() as session:
            call = _call(session, call_sid)
            if call is None:
                raise NotFoundError(f"call {call_sid} not found")
            call.conference_name = name
            call.conference_at = utcnow()
            add_event(
                session,
                EventKind.CALL_CONFERENCE,
                call.conversation_id,
                user_id=user_id,
                conference=name,
                legs=dict(legs),
            )

    def conference_failed(self, call_sid: str, reason: str, user_id: int | None) -> None:
        """Twilio refused a leg of the interpreter conference: the agent is told why, and the
        call goes on as before (the caller was not moved, or was moved back)."""
        with self._uow.write() as session:
            call = _call(session, call_sid)
            conversation_id = call.conversation_id if call is not None else None
            add_event(
                session,
                EventKind.CALL_CONFERENCE_FAILED,
                conversation_id,
                user_id=user_id,
                reason=reason[:500],
            )

    def hung_up_by_agent(self, call_sid: str, how: str, user_id: int | None) -> None:
        """Relay said goodbye and hung the call up after the agent closed the conversation
        (`how`: what Twilio was asked, or why it could not be)."""
        with self._uow.write() as session:
            call = _call(session, call_sid)
            conversation_id = call.conversation_id if call is not None else None
            add_event(
                session, EventKind.CALL_ENDED_BY_AGENT, conversation_id, user_id=user_id, how=how
            )

    def live_call_of(self, conversation_id: int) -> LiveCall | None:
        """The conversation's call that is live now, if any (a reply can be spoken on it)."""
        with self._uow.read() as session:
            return live_call_for(session, conversation_id)


def live_call_for(session: Session, conversation_id: int) -> LiveCall | None:
    """The conversation's live call in the caller's session (read side, for channel choice)."""
    call = session.scalar(
        select(Call)
        .where(
            Call.conversation_id == conversation_id,
            Call.live_at.is_not(None),
            Call.live_ended_at.is_(None),
            Call.status.not_in(FINAL_CALL_STATUSES),
        )
        .order_by(Call.id.desc())
        .limit(1)
    )
    if call is None or call.language is None or call.conversation_id is None:
        return None
    return _live(call)


@dataclass(frozen=True)
class LiveCallView:
    """A conversation's latest live call as the agent's thread shows it."""

    call_sid: str
    live_at: datetime
    agent_answered_at: datetime | None
    ended_at: datetime | None  # the live part's end, or the call's
    conference_at: datetime | None
    streaming: bool  # a Media Stream carries the caller's audio now


def latest_live_call(session: Session, conversation_id: int) -> LiveCallView | None:
    """The conversation's most recent live call, over or not (read side, for the thread)."""
    call = session.scalar(
        select(Call)
        .where(Call.conversation_id == conversation_id, Call.live_at.is_not(None))
        .order_by(Call.id.desc())
        .limit(1)
    )
    if call is None or call.live_at is None:
        return None
    return LiveCallView(
        call_sid=call.call_sid,
        live_at=call.live_at,
        agent_answered_at=call.agent_answered_at,
        ended_at=call.live_ended_at or call.ended_at,
        conference_at=call.conference_at,
        streaming=call.stream_sid is not None,
    )


def answer_live_call(session: Session, conversation_id: int, user_id: int) -> None:
    """An agent took a conversation: its live call, if one waits, is answered now (in the
    caller's transaction, so the claim and the answer time are one fact)."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or conversation.status is not ConversationStatus.OPEN:
        return
    call = live_call_for(session, conversation_id)
    if call is None:
        return
    row = session.get(Call, call.call_id)
    assert row is not None
    if row.agent_answered_at is None:
        row.agent_answered_at = utcnow()
        add_event(session, EventKind.CALL_AGENT_ANSWERED, conversation_id, user_id=user_id)


def _call(session: Session, call_sid: str) -> Call | None:
    return session.scalar(select(Call).where(Call.call_sid == call_sid))


def _live(call: Call) -> LiveCall:
    assert call.conversation_id is not None and call.language is not None
    return LiveCall(
        call.id,
        call.call_sid,
        call.conversation_id,
        call.language,
        call.stream_sid,
        call.conference_name,
    )
