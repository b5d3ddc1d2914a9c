"""The translation memory in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from languages.memory import normalise
from transcripts.memory import MAX_MEMORY_CHARS, DatabaseTranslationMemory
from transcripts.models import MemoryEntry


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


def test_each_reuse_is_counted_for_the_admin_page(sessions: sessionmaker[Session]) -> None:
    memory = DatabaseTranslationMemory(sessions, normalise)
    memory.remember("신청이 접수되었습니다.", "ko", "vi", "Đơn đã được tiếp nhận.")
    memory.lookup("신청이 접수되었습니다.", "ko", "vi")
    memory.lookup("신청이  접수되었습니다", "ko", "vi")
    memory.lookup("다른 문장입니다.", "ko", "vi")  # a miss counts nothing
    with sessions() as session:
        entry = session.scalars(select(MemoryEntry)).one()
        assert entry.uses == 2 and entry.last_used_at is not None


def test_personal_data_is_never_remembered(sessions: sessionmaker[Session]) -> None:
    memory = DatabaseTranslationMemory(sessions, normalise)
    memory.remember("900101-5123456 확인했습니다.", "ko", "en", "Confirmed.")
    memory.remember("확인했습니다.", "ko", "en", "Confirmed for kim.minsu@example.com.")
    with sessions() as session:
        assert session.scalars(select(MemoryEntry)).all() == []


def test_a_busy_sqlite_file_costs_a_count_not_the_translation(
    sessions: sessionmaker[Session],
) -> None:
    engine = sessions.kw["bind"]
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's single writer is what this is about")
    memory = DatabaseTranslationMemory(sessions, normalise)
    memory.remember("접수되었습니다.", "ko", "en", "Received.")
    with engine.connect() as writer:
        writer.exec_driver_sql("BEGIN IMMEDIATE")  # another process's long write, say
        started = time.monotonic()
        assert memory.lookup("접수되었습니다.", "ko", "en") == "Received."
        assert time.monotonic() - started < 2.0  # not the connection's usual 10 s wait
        writer.rollback()
    with sessions() as session:
        assert session.scalars(select(MemoryEntry.uses)).one() == 0
        # The short wait was for the count alone: every connection waits as usual again.
        assert session.connection().exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
