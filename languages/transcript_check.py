"""Whether a transcript looks like speech in the language it was forced to, in Korean notices.

Whisper forced to a language always writes something, and when it cannot follow the caller it
fails in recognisable ways: Mongolian comes out in Latin letters, Chinese as digits like
"3-4-1", Japanese without a single kana or kanji, or a minute of speech as three words. The
Korean translation of such a transcript reads as a plausible message that nobody said, so the
agent is told to listen to the audio before acting on it. Pure functions: the recording job
and the live captions call them with the transcript and the audio's length.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

from languages.registry import get

Concern = Literal["wrong_script", "only_digits", "too_few_words"]

# The script the letters of each language are written in, by Unicode name prefix, and its
# Korean name with the subject particle it takes.
_SCRIPTS: dict[str, tuple[tuple[str, ...], str]] = {
    "ko": (("HANGUL",), "한글이"),
    "en": (("LATIN",), "로마자가"),
    "vi": (("LATIN",), "로마자가"),
    "mn": (("CYRILLIC",), "키릴 문자가"),
    "zh": (("CJK",), "한자가"),
    "ja": (("HIRAGANA", "KATAKANA", "CJK"), "가나·한자가"),
}
# Languages whose speech is never transcribed as bare digits unless the model lost the thread:
# Whisper writes Chinese or Japanese numbers it cannot follow as "3-4-1"; a Latin-script
# caller who only reads out a number is left alone.
_DIGITS_SUSPECT = frozenset({"zh", "ja", "ko", "mn"})
# Below half the letters in the expected script, the transcript is in another script.
_MIN_SCRIPT_SHARE = 0.5
# Conversational speech runs at two to three words a second. A transcript with less than one
# word per four seconds of a recording at least six seconds long lost most of what was said
# (or the recording is mostly silence, which the agent should also hear for themselves).
_MIN_SECONDS = 6.0
_SECONDS_PER_WORD = 4.0
# Chinese and Japanese have no spaces: about two characters make a word.
_CHARACTERS_PER_WORD = {"zh": 2.0, "ja": 2.0}


@dataclass(frozen=True)
class TranscriptFlag:
    """One reason to doubt a transcript, with the notice the agent reads."""

    concern: Concern
    notice: str


def check_transcript(text: str, language: str, duration: float) -> tuple[TranscriptFlag, ...]:
    """The doubts about `text`, transcribed as `language` from `duration` seconds of audio;
    empty when it looks like what the language's speech produces."""
    name = get(language).korean_name
    flags = []
    letters = [char for char in text if unicodedata.category(char).startswith("L")]
    scripts, script_name = _SCRIPTS.get(language, ((), ""))
    if letters and scripts:
        native = sum(1 for char in letters if _name(char).startswith(scripts))
        if native / len(letters) < _MIN_SCRIPT_SHARE:
            flags.append(
                TranscriptFlag(
                    "wrong_script",
                    f"{name}로 인식했지만 전사에 {script_name} 거의 없습니다"
                    f"(다른 문자로 적힘). 음성 인식이 잘못되었을 수 있으니 녹음을 들어 보세요.",
                )
            )
    elif not letters and language in _DIGITS_SUSPECT and any(char.isdigit() for char in text):
        flags.append(
            TranscriptFlag(
                "only_digits",
                f"{name} 전사가 숫자와 기호뿐입니다. 음성 인식이 잘못되었을 수 있으니 "
                "녹음을 들어 보세요.",
            )
        )
    words = word_count(text, language)
    if duration >= _MIN_SECONDS and words < duration / _SECONDS_PER_WORD:
        flags.append(
            TranscriptFlag(
                "too_few_words",
                f"녹음 {duration:.0f}초에 비해 전사된 말이 {words}단어뿐입니다. "
                "놓친 내용이 있을 수 있으니 녹음을 들어 보세요.",
            )
        )
    return tuple(flags)


def word_count(text: str, language: str) -> int:
    """About how many words `text` holds: space-separated tokens with a letter or digit, and
    for Chinese and Japanese their characters divided by the usual word length."""
    per_word = _CHARACTERS_PER_WORD.get(language)
    if per_word is not None:
        characters = sum(1 for char in text if char.isalnum())
        return round(characters / per_word)
    return sum(1 for token in text.split() if any(char.isalnum() for char in token))


def _name(char: str) -> str:
    return unicodedata.name(char, "")
