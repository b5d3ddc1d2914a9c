"""An admin's correction of a voice message meets a late or retried machine result: what the
admin wrote stays; on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from languages.memory import normalise
from tests.support.record_reads import new_admin, stored_message
from tests.support.voice_seed import seed_voice_message, seg
from transcripts.corrections import CORRECTED_REASON, Corrections
from transcripts.models import MessageStatus
from transcripts.voice_messages import VoiceMessages, VoiceTranscript

HUMAN = "버스에서 지갑을 잃어버렸어요."


def _machine_result(text: str = "I lost my wallet on the buzz.") -> VoiceTranscript:
    return VoiceTranscript(
        language="en",
        probability=1.0,
        text=text,
        korean_text="버즈에서 지갑을 잃어버렸어요.",
        segments=[seg(0.0, 2.0, text, "버즈에서 지갑을 잃어버렸어요.")],
        engine="argos",
        model="m",
        pivot=None,
        translation_ms=1.0,
        recognition_ms=1.0,
    )


def test_korean_an_admin_wrote_while_the_recording_was_worked_on_outlives_the_result(
    sessions: sessionmaker[Session],
) -> None:
    admin = new_admin(sessions)
    _, message_id = seed_voice_message(
        sessions, [], original_text="", translated_text=None, status=MessageStatus.RECEIVED
    )
    # The voice job has begun (download, Whisper); meanwhile an admin writes the Korean.
    Corrections(sessions, normalise).correct_translation(message_id, HUMAN, admin)

    VoiceMessages(sessions).save_voice_transcript(message_id, _machine_result())

    message = stored_message(sessions, message_id)
    assert message.translated_text == HUMAN
    assert message.machine_translation == "버즈에서 지갑을 잃어버렸어요."
    assert message.status is MessageStatus.TRANSLATED
    assert message.status_reason == CORRECTED_REASON
    assert message.original_text == "I lost my wallet on the buzz."  # nobody corrected it


def test_a_corrected_transcript_outlives_a_retried_recognition(
    sessions: sessionmaker[Session],
) -> None:
    admin = new_admin(sessions)
    _, message_id = seed_voice_message(
        sessions,
        [],
        original_text="I lost my wallet on the buzz.",
        translated_text=None,
        status=MessageStatus.FAILED,
        status_reason="translation: no model",
    )
    Corrections(sessions, normalise).correct_original(
        message_id, "I lost my wallet on the bus.", admin
    )

    # The agent retries once the model is installed: the machine hears the same thing again.
    VoiceMessages(sessions).save_voice_transcript(message_id, _machine_result())

    message = stored_message(sessions, message_id)
    assert message.original_text == "I lost my wallet on the bus."
    assert message.machine_original_text == "I lost my wallet on the buzz."
    assert message.translated_text == "버즈에서 지갑을 잃어버렸어요."
    assert message.status is MessageStatus.TRANSLATED


def test_segments_an_admin_corrected_outlive_a_retried_recognition(
    sessions: sessionmaker[Session],
) -> None:
    admin = new_admin(sessions)
    _, message_id = seed_voice_message(
        sessions,
        [seg(0.0, 2.0, "I lost my wallet on the buzz.", "")],
        translated_text=None,
        status=MessageStatus.FAILED,
        status_reason="translation: no model",
    )
    Corrections(sessions, normalise).correct_segment(
        message_id, 0, admin, text="I lost my wallet on the bus."
    )

    VoiceMessages(sessions).save_voice_transcript(message_id, _machine_result())

    message = stored_message(sessions, message_id)
    assert message.segments is not None
    assert message.segments[0]["text"] == "I lost my wallet on the bus."
    assert message.segments[0]["machine_text"] == "I lost my wallet on the buzz."
    assert message.original_text == "I lost my wallet on the bus."


def test_korean_written_segment_by_segment_settles_a_failed_recording(
    sessions: sessionmaker[Session],
) -> None:
    admin = new_admin(sessions)
    recognised = [seg(0.0, 2.0, "I lost my wallet.", ""), seg(2.0, 3.0, "Help.", "")]
    _, message_id = seed_voice_message(
        sessions,
        recognised,
        translated_text=None,
        status=MessageStatus.FAILED,
        status_reason="no model translates en→ko",
    )
    corrections = Corrections(sessions, normalise)
    corrections.correct_segment(message_id, 0, admin, korean="지갑을 잃어버렸어요.")
    message = stored_message(sessions, message_id)
    assert message.translated_text == "지갑을 잃어버렸어요."
    assert message.status is MessageStatus.TRANSLATED
    assert message.status_reason == CORRECTED_REASON
    assert message.machine_translation == ""  # the machine wrote no Korean

    corrections.correct_segment(message_id, 1, admin, korean="도와주세요.")
    corrections.correct_translation(message_id, "지갑을 잃어버렸어요. 도와주세요!", admin)
    message = stored_message(sessions, message_id)
    assert message.translated_text == "지갑을 잃어버렸어요. 도와주세요!"
    assert message.machine_translation == ""  # still the machine's, not the admin's first try
