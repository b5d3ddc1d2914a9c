"""The spoken-language decision on Whisper's probabilities alone, and its Korean notice."""

from __future__ import annotations

import pytest

from languages.heard_names import KOREAN_NAMES, korean_name
from languages.speech import LanguageGuess
from languages.spoken import (
    MACHINE_RENDERING,
    SpokenLanguageCheck,
    check_from_json,
    check_spoken_language,
    judge,
)


def guess(*pairs: tuple[str, float]) -> LanguageGuess:
    return LanguageGuess(probabilities=pairs, seconds=0.8)


def test_french_heard_when_english_was_chosen_is_flagged_in_korean() -> None:
    check = judge(guess(("fr", 0.87), ("en", 0.06), ("th", 0.02)), "en")
    assert check.differs
    assert (check.spoken, check.probability, check.chosen_probability) == ("fr", 0.87, 0.06)
    assert not check.served
    assert check.notice.startswith("프랑스어로 들립니다 (확률 0.87)")
    assert "영어" in check.notice and "통역" in check.notice


def test_the_chosen_language_heard_is_not_flagged() -> None:
    check = judge(guess(("en", 0.89), ("la", 0.04)), "en")
    assert not check.differs
    assert check.spoken == "en"


def test_a_near_tie_still_goes_to_the_most_likely_language_unless_a_margin_is_set() -> None:
    # Synthetic German on phone audio: German 0.42, English 0.39.
    close = guess(("de", 0.42), ("en", 0.39), ("nn", 0.04))
    assert judge(close, "en").differs
    assert not judge(close, "en", margin=0.2).differs
    assert judge(guess(("fr", 0.86), ("en", 0.02)), "en", margin=0.2).differs


def test_another_served_language_is_a_wrong_key_and_still_flagged() -> None:
    check = judge(guess(("zh", 0.9), ("en", 0.05)), "en")
    assert check.differs and check.served
    assert check.notice.startswith("중국어로 들립니다")


def test_an_empty_guess_is_not_a_mismatch() -> None:
    check = judge(guess(), "vi")
    assert not check.differs
    assert check.spoken == "vi"


def test_the_stored_form_round_trips_and_keeps_only_the_top_candidates() -> None:
    pairs = tuple((code, 0.1) for code in ("ru", "uk", "bg", "mk", "sr", "be", "kk"))
    check = judge(guess(*pairs), "mn")
    data = check.to_json_dict()
    assert len(data["candidates"]) == 5
    assert data["seconds"] == 0.8
    assert check_from_json(data) == check
    assert check_from_json(None) is None


def test_the_check_runs_on_samples_through_any_detector() -> None:
    import numpy as np

    class Detector:
        def __init__(self, answer: LanguageGuess | None) -> None:
            self.answer = answer
            self.seen: list[int] = []

        def detect_spoken_language(self, samples: np.ndarray) -> LanguageGuess | None:
            self.seen.append(len(samples))
            return self.answer

    samples = np.zeros(16_000, dtype=np.float32)
    heard = Detector(guess(("ru", 0.6), ("mn", 0.2)))
    result = check_spoken_language(heard, samples, "mn")
    assert isinstance(result, SpokenLanguageCheck) and result.differs
    assert heard.seen == [16_000]
    assert check_spoken_language(Detector(None), samples, "mn") is None


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("fr", "프랑스어"),
        ("de", "독일어"),
        ("ru", "러시아어"),
        ("th", "태국어"),
        ("uz", "우즈베크어"),
    ],
)
def test_korean_names_of_languages_callers_may_speak(code: str, name: str) -> None:
    assert korean_name(code) == name


def test_every_whisper_language_has_a_korean_name() -> None:
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    missing = set(_LANGUAGE_CODES) - set(KOREAN_NAMES)
    assert not missing
    assert korean_name("xx") == "알 수 없는 언어(xx)"
    assert MACHINE_RENDERING == "기계 인식: 원래 언어가 아닐 수 있음"
