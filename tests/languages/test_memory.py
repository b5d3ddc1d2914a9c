"""Normalised matching and the in-process translation memory."""

from __future__ import annotations

import threading

import pytest

from languages.memory import TranslationMemory, normalise
from tests.support.memory_double import InMemoryTranslationMemory


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("Thank  you!", "thank you"),
        ("  thank\tyou \n", "thank you"),
        ("THANK YOU...", "thank you"),
        ("Ｔｈａｎｋ ｙｏｕ。", "thank you"),  # fullwidth letters and the ideographic full stop
        ("감사합니다~~", "감사합니다"),
        ("Спасибо!", "спасибо"),
        ("Cảm ơn bạn!", "cảm ơn bạn"),
        ("Really?!", "really?"),  # a question stays a question
        ("本当？", "本当?"),
        ("Is it open ? ", "is it open?"),
    ],
)
def test_normalise(text: str, normal: str) -> None:
    assert normalise(text) == normal


def test_a_question_and_a_statement_stay_apart() -> None:
    assert normalise("You received it?") != normalise("You received it.")


def test_lookup_is_exact_first_then_normalised() -> None:
    memory = InMemoryTranslationMemory()
    assert isinstance(memory, TranslationMemory)
    memory.remember("Thank you!", "en", "ko", "감사합니다!")
    memory.remember("thank you", "en", "ko", "고맙습니다")
    assert memory.lookup("Thank you!", "en", "ko") == "감사합니다!"  # exact beats newer
    assert memory.lookup("THANK YOU.", "en", "ko") == "고맙습니다"  # newest normalised
    assert memory.lookup("Thank you", "en", "zh") is None  # another pair
    assert memory.lookup("   ", "en", "ko") is None


def test_remember_replaces_and_ignores_blank_text() -> None:
    memory = InMemoryTranslationMemory()
    memory.remember("Hello", "en", "ko", "안녕")
    memory.remember("Hello", "en", "ko", "안녕하세요")
    memory.remember("  ", "en", "ko", "무시")
    assert memory.lookup("Hello", "en", "ko") == "안녕하세요"
    assert len(memory) == 1


def test_oldest_entries_are_dropped_past_the_limit() -> None:
    memory = InMemoryTranslationMemory(max_entries=2)
    memory.remember("one", "en", "ko", "하나")
    memory.remember("two", "en", "ko", "둘")
    memory.remember("three", "en", "ko", "셋")
    assert memory.lookup("one", "en", "ko") is None
    assert memory.lookup("ONE!", "en", "ko") is None
    assert memory.lookup("Two.", "en", "ko") == "둘"
    with pytest.raises(ValueError, match="max_entries"):
        InMemoryTranslationMemory(max_entries=0)


def test_threads_share_one_memory() -> None:
    memory = InMemoryTranslationMemory()

    def work(worker: int) -> None:
        for n in range(200):
            memory.remember(f"text {worker} {n}", "en", "ko", f"번역 {worker} {n}")
            assert memory.lookup(f"TEXT {worker} {n}!", "en", "ko") == f"번역 {worker} {n}"

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(memory) == 1600
