"""The translation memory in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from languages.memory import normalise
from transcripts.memory import MAX_MEMORY_CHARS, DatabaseTranslationMemory


def test_exact_then_normalised_lookup_and_replacement(sessions: sessionmaker[Session]) -> None:
    memory = DatabaseTranslationMemory(sessions, normalise)
    assert memory.lookup("신청이 접수되었습니다.", "ko", "vi") is None
    memory.remember("신청이 접수되었습니다.", "ko", "vi", "Đơn đã được tiếp nhận.")
    assert memory.lookup("신청이 접수되었습니다.", "ko", "vi") == "Đơn đã được tiếp nhận."
    assert memory.lookup("신청이  접수되었습니다. ", "ko", "vi") == "Đơn đã được tiếp nhận."
    assert memory.lookup("신청이 접수되었습니다.", "ko", "en") is None  # other pair
    memory.remember("신청이 접수되었습니다.", "ko", "vi", "Hồ sơ của bạn đã được nhận.")
    assert memory.lookup("신청이 접수되었습니다.", "ko", "vi") == "Hồ sơ của bạn đã được nhận."


def test_empty_and_overlong_texts_are_not_remembered(sessions: sessionmaker[Session]) -> None:
    memory = DatabaseTranslationMemory(sessions, normalise)
    long_text = "가" * (MAX_MEMORY_CHARS + 1)
    memory.remember(long_text, "ko", "en", "A")
    memory.remember("   ", "ko", "en", "B")
    assert memory.lookup(long_text, "ko", "en") is None
    assert memory.lookup("   ", "ko", "en") is None
