"""Admin corrections: the machine's text is kept, each change is audited, corrected Korean is
remembered; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from languages.memory import normalise
from tests.support.record_reads import new_admin
from tests.support.staff import STAFF
from tests.support.voice_seed import seed_voice_message, seg
from transcripts.corrections import CorrectionError, Corrections
from transcripts.errors import NotActionableError
from transcripts.inbound import InboundSms, InboundTranslation
from transcripts.memory import DatabaseTranslationMemory
from transcripts.models import (
    Channel,
    Event,
    MemoryEntry,
    Message,
    MessageStatus,
)
from transcripts.outbound import ReplyDraft
from transcripts.record import Record

TEXT = "Where do I renew my alien registration card?"
MACHINE = "외국인 등록증 어디 갱신?"
HUMAN = "외국인등록증은 어디에서 연장하나요?"


def _translated(record: Record, text: str = TEXT, sid: str = "SM1") -> int:
    stored = record.inbound.record_sms(
        InboundSms(sid, "+821012345678", "+8215880120", text, {"MessageSid": sid})
    )
    record.inbound.save_translation(
        stored.message_id,
        InboundTranslation("en", 0.99, MACHINE, "argos", "m", None, 1.0, 1.0),
    )
    return stored.message_id


def test_a_corrected_translation_keeps_the_machine_text_is_audited_and_remembered(
    sessions: sessionmaker[Session], record: Record
) -> None:
    admin = new_admin(sessions)
    message_id = _translated(record)
    memory = DatabaseTranslationMemory(sessions, normalise)
    assert memory.lookup(TEXT, "en", "ko") is None

    done = Corrections(sessions, normalise).correct_translation(message_id, f" {HUMAN} ", admin)

    assert done is not None and done.before == MACHINE and done.after == HUMAN
    assert done.remembered
    with sessions() as session:
        message = session.get(Message, message_id)
        assert message is not None
        assert message.translated_text == HUMAN
        assert message.machine_translation == MACHINE
        assert message.corrected_by_id == admin and message.corrected_at is not None
        event = session.scalars(select(Event).where(Event.kind == "message.corrected")).one()
        assert event.message_id == message_id
        assert event.data == {
            "user_id": admin,
            "field": "translated_text",
            "before": MACHINE,
            "after": HUMAN,
            "remembered": True,
        }
        entry = session.scalars(select(MemoryEntry)).one()
        assert (entry.source, entry.target, entry.created_by_id) == ("en", "ko", admin)
    # The same sentence, typed a little differently, now translates the corrected way.
    assert memory.lookup("where do I renew my alien registration card ?", "en", "ko") == HUMAN


def test_a_second_correction_keeps_the_first_machine_text(
    sessions: sessionmaker[Session], record: Record
) -> None:
    admin = new_admin(sessions)
    message_id = _translated(record)
    corrections = Corrections(sessions, normalise)
    corrections.correct_translation(message_id, "첫 수정", admin)
    corrections.correct_translation(message_id, HUMAN, admin)
    assert corrections.correct_translation(message_id, HUMAN, admin) is None  # nothing changed
    with sessions() as session:
        message = session.get(Message, message_id)
        assert message is not None
        assert message.machine_translation == MACHINE
        events = session.scalars(select(Event).where(Event.kind == "message.corrected")).all()
        assert [e.data["before"] for e in events] == [MACHINE, "첫 수정"]
    assert DatabaseTranslationMemory(sessions, normalise).lookup(TEXT, "en", "ko") == HUMAN


def test_korean_written_for_a_failed_message_settles_it_and_outlives_the_machine(
    sessions: sessionmaker[Session], record: Record
) -> None:
    admin = new_admin(sessions)
    stored = record.inbound.record_sms(
        InboundSms("SM9", "+821012345678", "+8215880120", TEXT, {"MessageSid": "SM9"})
    )
    record.inbound.mark(stored.message_id, MessageStatus.FAILED, "model missing", language="en")

    Corrections(sessions, normalise).correct_translation(stored.message_id, HUMAN, admin)

    with sessions() as session:
        message = session.get(Message, stored.message_id)
        assert message is not None
        assert message.status is MessageStatus.TRANSLATED
        assert message.status_reason == "translated by an admin"
    # Nothing left to retry, and neither a late failure nor a late machine result undoes it.
    with pytest.raises(NotActionableError):
        record.agents.retry(stored.message_id, STAFF)
    assert record.inbound.begin_work(stored.message_id) is None
    record.inbound.mark(stored.message_id, MessageStatus.FAILED, "timed out")
    record.inbound.save_translation(
        stored.message_id,
        InboundTranslation("en", 0.99, MACHINE, "argos", "m", None, 1.0, 1.0),
    )
    with sessions() as session:
        message = session.get(Message, stored.message_id)
        assert message is not None
        assert message.status is MessageStatus.TRANSLATED
        assert message.translated_text == HUMAN
        assert message.machine_translation == MACHINE
        assert message.status_reason == "translated by an admin"


def test_text_with_personal_data_is_corrected_but_not_remembered(
    sessions: sessionmaker[Session], record: Record
) -> None:
    admin = new_admin(sessions)
    text = "My number is 010-1234-5678, please call"
    message_id = _translated(record, text)
    done = Corrections(sessions, normalise).correct_translation(message_id, HUMAN, admin)
    assert done is not None and not done.remembered
    with sessions() as session:
        assert session.scalars(select(MemoryEntry)).all() == []


def test_refusals(sessions: sessionmaker[Session], record: Record) -> None:
    admin = new_admin(sessions)
    message_id = _translated(record)
    corrections = Corrections(sessions, normalise)
    with pytest.raises(CorrectionError):
        corrections.correct_translation(message_id, "   ", admin)
    with pytest.raises(CorrectionError):  # a typed SMS is what the resident wrote
        corrections.correct_original(message_id, "Something else", admin)
    with sessions() as session:
        conversation_id = session.get(Message, message_id).conversation_id  # type: ignore[union-attr]
    reply = record.outbound.queue(
        conversation_id,
        ReplyDraft("네", "en", "Yes", "Yes", "네", "argos", "m", None, 1.0, "Yes", "GSM-7", 1, ""),
        Channel.SMS,
        STAFF,
    )
    with pytest.raises(CorrectionError):
        corrections.correct_translation(reply.id, "아니요", admin)
    with sessions() as session:
        assert session.scalars(select(Event).where(Event.kind == "message.corrected")).all() == []


def _voice_message(sessions: sessionmaker[Session]) -> int:
    segments = [
        seg(0.0, 2.0, "I lost my wallet on the buzz.", "버즈에서 지갑을 잃어버렸어요."),
        seg(2.0, 3.0, "Thank you.", "감사합니다."),
    ]
    return seed_voice_message(sessions, segments, phone="+821099990000")[1]


def test_a_voice_segment_correction_updates_the_message_and_the_memory(
    sessions: sessionmaker[Session],
) -> None:
    admin = new_admin(sessions)
    message_id = _voice_message(sessions)
    done = Corrections(sessions, normalise).correct_segment(
        message_id,
        0,
        admin,
        text="I lost my wallet on the bus.",
        korean="버스에서 지갑을 잃어버렸어요.",
    )
    assert [c.field for c in done] == ["segment.0.text", "segment.0.translated_text"]
    with sessions() as session:
        message = session.get(Message, message_id)
        assert message is not None and message.segments is not None
        first = message.segments[0]
        assert first["text"] == "I lost my wallet on the bus."
        assert first["machine_text"] == "I lost my wallet on the buzz."
        assert first["machine_translated_text"] == "버즈에서 지갑을 잃어버렸어요."
        assert message.original_text == "I lost my wallet on the bus. Thank you."
        assert message.machine_original_text == "I lost my wallet on the buzz. Thank you."
        assert message.translated_text == "버스에서 지갑을 잃어버렸어요. 감사합니다."
        assert message.corrected_by_id == admin
    memory = DatabaseTranslationMemory(sessions, normalise)
    remembered = memory.lookup("I lost my wallet on the bus.", "en", "ko")
    assert remembered == "버스에서 지갑을 잃어버렸어요."
    with pytest.raises(CorrectionError):
        Corrections(sessions, normalise).correct_segment(message_id, 5, admin, text="x")


def test_a_voice_transcript_correction_keeps_what_was_recognised(
    sessions: sessionmaker[Session],
) -> None:
    admin = new_admin(sessions)
    message_id = _voice_message(sessions)
    done = Corrections(sessions, normalise).correct_original(message_id, "I lost it.", admin)
    assert done is not None and done.field == "original_text"
    with sessions() as session:
        message = session.get(Message, message_id)
        assert message is not None
        assert message.original_text == "I lost it."
        assert message.machine_original_text == "I lost my wallet on the buzz. Thank you."
