"""The call record's use cases on SQLite and PostgreSQL: one call per CallSid, one message per
recording even when deliveries race, and calls and texts sharing one open conversation."""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from transcripts.calls import CallService, StatusOutcome
from transcripts.inbound import InboundSms
from transcripts.models import Call, CallStatus, Conversation, Message, MessageStatus
from transcripts.record import Record
from transcripts.voice_messages import VoiceMessages, VoiceRecording
from transcripts.writes import Receipt

PHONE = "+821055501234"


def recording(call_sid: str, sid: str = "RE1", **overrides: object) -> VoiceRecording:
    values: dict[str, object] = {
        "call_sid": call_sid,
        "recording_sid": sid,
        "recording_url": "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
        "status": "completed",
        "duration_seconds": 12.0,
        "error_code": None,
        **overrides,
    }
    return VoiceRecording(**values)  # type: ignore[arg-type]


def count(sessions: sessionmaker[Session], column: object) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count(column))) or 0)  # type: ignore[arg-type]


def _receipt(stored: VoiceRecording) -> Receipt:
    """The recording status callback that brought `stored`."""
    return Receipt(stored.recording_sid, "voice.recording.completed", {"CallSid": stored.call_sid})


def test_a_call_and_its_recording_are_stored_once(sessions: sessionmaker[Session]) -> None:
    calls, voice = CallService(sessions), VoiceMessages(sessions)
    first = calls.start_inbound("CA1", PHONE, "+8215880120", {"CallSid": "CA1"})
    again = calls.start_inbound("CA1", PHONE, "+8215880120", {"CallSid": "CA1"})
    assert (first.duplicate, again.duplicate) == (False, True)
    assert first.call_id == again.call_id
    assert calls.choose_language("CA1", "zh")
    stored = voice.record_voice_message(recording("CA1"), _receipt(recording("CA1")))
    repeat = voice.record_voice_message(recording("CA1"), _receipt(recording("CA1")))
    assert stored is not None and repeat is not None
    assert (stored.needs_work, repeat.needs_work, repeat.duplicate) == (True, False, True)
    assert stored.message_id == repeat.message_id
    with sessions() as session:
        message = session.get(Message, stored.message_id)
        assert message is not None
        assert message.original_language == "zh"
        assert message.status is MessageStatus.RECEIVED
        assert message.audio_seconds == 12.0
    assert (
        voice.record_voice_message(
            recording("CA-unknown", sid="RE2"), _receipt(recording("CA-unknown", sid="RE2"))
        )
        is None
    )


def test_racing_recording_callbacks_make_one_message(sessions: sessionmaker[Session]) -> None:
    calls, voice = CallService(sessions), VoiceMessages(sessions)
    calls.start_inbound("CA2", PHONE, None, {})
    calls.choose_language("CA2", "en")
    results: list[object] = []
    barrier = threading.Barrier(4)

    def deliver() -> None:
        barrier.wait()
        results.append(
            voice.record_voice_message(
                recording("CA2", sid="RE-race"), _receipt(recording("CA2", sid="RE-race"))
            )
        )

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4
    assert sum(1 for r in results if getattr(r, "needs_work", False)) == 1
    assert count(sessions, Message.id) == 1


def test_a_call_joins_the_residents_open_text_conversation(
    sessions: sessionmaker[Session],
) -> None:
    record, calls = Record.build(sessions), CallService(sessions)
    texted = record.inbound.record_sms(InboundSms("SM1", PHONE, None, "Hello", {}))
    caller = calls.start_inbound("CA3", "010-5550-1234", None, {})
    assert caller.conversation_id == texted.conversation_id
    assert count(sessions, Conversation.id) == 1


def test_status_never_steps_back_and_abandonment_is_stated(
    sessions: sessionmaker[Session],
) -> None:
    calls = CallService(sessions)
    calls.start_inbound("CA4", PHONE, None, {})

    def status(sid: str, value: CallStatus, seconds: int | None) -> StatusOutcome:
        receipt = Receipt(sid, f"voice.status.{value.value}", {})
        return calls.record_status(sid, value, seconds, receipt, lambda _status: None)

    assert status("CA4", CallStatus.COMPLETED, 5) is StatusOutcome.APPLIED
    assert status("CA4", CallStatus.COMPLETED, 5) is StatusOutcome.DUPLICATE
    assert status("CA4", CallStatus.RINGING, None) is StatusOutcome.APPLIED  # late, ignored
    assert status("CA-none", CallStatus.COMPLETED, 1) is StatusOutcome.UNKNOWN
    with sessions() as session:
        assert session.scalar(select(Call.status)) is CallStatus.ABANDONED
        [message] = session.scalars(select(Message)).all()
        assert message.status is MessageStatus.EMPTY
        assert session.scalar(select(Call.duration_seconds)) == 5
