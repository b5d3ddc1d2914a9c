"""A resident's chosen language against the detector: kept for short or unclear texts,
overruled only by a clear text in another served language."""

from __future__ import annotations

import pytest

from languages.chosen import keep_chosen
from languages.detect import LanguageDetector


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


@pytest.mark.parametrize("text", ["xxxx", "ok", "Hello", "thank you", "cam on", "asdf qwer zxcv",
                                  "12345", "Danke schön"])  # fmt: skip
def test_short_or_unclear_texts_keep_the_chosen_language(
    detector: LanguageDetector, text: str
) -> None:
    kept = keep_chosen(detector.detect(text), "vi", text)
    assert kept.language == "vi"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I lost my wallet on the bus yesterday", "en"),
        ("Cảm ơn", "vi"),  # two words, but letters only Vietnamese writes
        ("Баярлалаа", "mn"),  # one word, but Cyrillic: not the Vietnamese chosen
        ("谢谢", "zh"),
        ("ありがとう", "ja"),  # kana settles it, however short
        ("감사합니다", "ko"),
        ("外国人登录证在哪里办理", "zh"),
        ("Сайн байна уу, би түрийвчээ гээсэн", "mn"),
    ],
)
def test_a_clear_text_in_another_served_language_overrules_the_choice(
    detector: LanguageDetector, text: str, language: str
) -> None:
    chosen = "en" if language == "vi" else "vi"
    assert keep_chosen(detector.detect(text), chosen, text).language == language


def test_a_text_clearly_in_an_unserved_language_still_goes_to_an_interpreter(
    detector: LanguageDetector,
) -> None:
    german = "Ich habe meine Geldbörse im Bus verloren und brauche dringend Hilfe."
    assert keep_chosen(detector.detect(german), "vi", german).language is None


@pytest.mark.parametrize("chosen", ["zh", "ja", "mn"])
def test_short_latin_text_keeps_a_choice_written_in_another_script(
    detector: LanguageDetector, chosen: str
) -> None:
    for text in ("ok", "Hello", "xxxx"):  # typed by everyone: proves nothing
        assert keep_chosen(detector.detect(text), chosen, text).language == chosen


def test_without_a_choice_the_detection_stands(detector: LanguageDetector) -> None:
    assert keep_chosen(detector.detect("ok"), None, "ok").language == "en"
