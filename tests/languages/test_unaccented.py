"""Vietnamese typed without diacritics is recognised; English is not mistaken for it."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

import languages
from languages.detect import UNACCENTED_REASON, LanguageDetector
from languages.unaccented import is_vietnamese_syllable, looks_like_unaccented_vietnamese


def strip_diacritics(text: str) -> str:
    """What a phone without a Vietnamese keyboard sends."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(char for char in decomposed if unicodedata.category(char) != "Mn")


def phrasebook_sentences(language: str) -> list[str]:
    path = Path(languages.__file__).with_name("phrasebook") / "entries.json"
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == language and isinstance(value, str):
                    found.extend(re.split(r"(?<=[.?!])\s+", value))
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(path.read_text(encoding="utf-8")))
    return [sentence for sentence in found if len(sentence.split()) >= 3]


@pytest.mark.parametrize(
    ("word", "shaped"),
    [
        ("nguoi", True),
        ("nghieng", True),
        ("khuya", True),
        ("quyen", True),
        ("giup", True),
        ("lost", False),
        ("card", False),
        ("help", False),
        ("you", False),
        ("seoul", False),
    ],
)
def test_vietnamese_syllable_shapes(word: str, shaped: bool) -> None:
    assert is_vietnamese_syllable(word) is shaped


@pytest.mark.parametrize(
    "text",
    [
        "Chi oi cho em hoi",
        "Toi bi mat the cu tru tren xe buyt",
        "xin chao, toi can giup do ve bao hiem y te",
        "Em bi mat vi, phai lam sao?",
    ],
)
def test_resident_messages_without_diacritics_are_vietnamese(text: str) -> None:
    detection = LanguageDetector().detect(text)
    assert (detection.language, detection.reason) == ("vi", UNACCENTED_REASON)
    assert 0.6 <= detection.probability < 1.0


@pytest.mark.parametrize(
    "text",
    ["Hi I am Tom", "I lost my card on the bus", "Can I go to the office", "thank you very much"],
)
def test_english_with_vietnamese_shaped_words_stays_english(text: str) -> None:
    assert LanguageDetector().detect(text).language == "en"


def test_accented_vietnamese_is_left_to_lingua() -> None:
    detection = LanguageDetector().detect("Tôi bị mất thẻ cư trú trên xe buýt")
    assert detection.language == "vi"
    assert detection.reason != UNACCENTED_REASON


def test_most_phrasebook_answers_without_diacritics_are_recognised() -> None:
    sentences = [strip_diacritics(s) for s in phrasebook_sentences("vi")]
    recognised = [s for s in sentences if looks_like_unaccented_vietnamese(s)]
    assert len(sentences) > 100
    assert len(recognised) >= 0.85 * len(sentences)


def test_no_english_phrasebook_answer_is_taken_for_vietnamese() -> None:
    sentences = phrasebook_sentences("en")
    assert len(sentences) > 100
    assert [s for s in sentences if looks_like_unaccented_vietnamese(s)] == []
