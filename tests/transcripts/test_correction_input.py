"""What an admin sends as a correction against what is stored: browsers' line endings, and a
segment corrected on one side only; on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from languages.memory import normalise
from tests.support.record_reads import new_admin, stored_message
from tests.support.voice_seed import seed_voice_message, seg
from transcripts.corrections import Corrections

HUMAN = "버스에서 지갑을 잃어버렸어요."


def test_a_textarea_sending_the_same_lines_back_changes_nothing(
    sessions: sessionmaker[Session],
) -> None:
    """Browsers send a textarea's line breaks as CRLF; the stored Korean has LF."""
    admin = new_admin(sessions)
    korean = "첫 줄입니다.\n\n[원문이 길어 앞부분만 번역했습니다]"
    _, message_id = seed_voice_message(sessions, [], original_text="x", translated_text=korean)
    corrections = Corrections(sessions, normalise)

    assert corrections.correct_translation(message_id, korean.replace("\n", "\r\n"), admin) is None
    done = corrections.correct_translation(message_id, "고친 줄.\r\n둘째 줄.", admin)

    assert done is not None and done.after == "고친 줄.\n둘째 줄."
    assert stored_message(sessions, message_id).translated_text == "고친 줄.\n둘째 줄."


def test_correcting_a_segments_korean_leaves_the_transcript_uncorrected(
    sessions: sessionmaker[Session],
) -> None:
    admin = new_admin(sessions)
    segments = [
        seg(0.0, 2.0, "I lost my wallet on the bus.", "버즈에서 지갑을 잃어버렸어요."),
        seg(2.0, 3.0, "Thank you.", "감사합니다."),
    ]
    _, message_id = seed_voice_message(sessions, segments)
    corrections = Corrections(sessions, normalise)

    corrections.correct_segment(message_id, 0, admin, text=segments[0]["text"], korean=HUMAN)

    message = stored_message(sessions, message_id)
    assert message.translated_text == f"{HUMAN} 감사합니다."
    assert message.machine_translation == "버즈에서 지갑을 잃어버렸어요. 감사합니다."
    # The transcript was not touched, so it carries no "machine's first text" beside it.
    assert message.machine_original_text is None

    corrections.correct_segment(message_id, 1, admin, text="Thanks a lot.")
    message = stored_message(sessions, message_id)
    assert message.original_text == "I lost my wallet on the bus. Thanks a lot."
    assert message.machine_original_text == "I lost my wallet on the bus. Thank you."
    assert message.machine_translation == "버즈에서 지갑을 잃어버렸어요. 감사합니다."
