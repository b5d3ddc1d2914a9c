"""The language a resident chose, kept unless a text is clearly in another served language.

On the chat page the resident picks their language from the five, each named in its own script:
that choice is better evidence than any detector on "ok", "xxxx" or a name. Lingua, asked about
such a text, still answers with a language (often English, at a confidence of a few percent),
and taking that answer sent a Vietnamese resident's reply in English. A chosen language
therefore stands unless the text itself settles another one: a script only that language
writes (kana, Hangul, Vietnamese ơ/ư/ả; Cyrillic or Chinese characters when the choice is
written otherwise), or a confident detection on enough words.
A text that is clearly in a language relay does not serve still goes to an interpreter.
"""

from __future__ import annotations

from languages.detect import Detection
from languages.registry import RESIDENT_CODES

#: Detection this sure (or a script that settles it, reported as 1.0) may overrule the choice.
CLEAR_PROBABILITY = 0.9
#: ...on at least this many words (a space-separated script) or characters (Chinese, Japanese).
CLEAR_WORDS = 3
CLEAR_CJK_CHARACTERS = 6

CHOSEN_REASON = "the language the resident chose on the chat page"


#: The script each language is written in. Latin letters prove little ("ok", a name, a link
#: are typed by everyone); any other script rules out a language written in another one.
_SCRIPTS = {
    "en": "latin",
    "vi": "latin",
    "zh": "cjk",
    "ja": "cjk",
    "mn": "cyrillic",
    "ko": "hangul",
}


def is_clear(detection: Detection, text: str, chosen: str | None = None) -> bool:
    """True when `detection` is sure enough, on enough text, to overrule a resident's choice
    of `chosen`."""
    if detection.language is None:
        return not detection.undecided
    if detection.probability >= 1.0:
        return True  # the script settles it (Hangul, kana)
    if _SCRIPTS[detection.language] not in ("latin", _SCRIPTS.get(chosen or "")):
        return True  # Cyrillic or Chinese characters cannot be the Latin or other script chosen
    if detection.language == "vi" and any(_vietnamese_letter(char) for char in text):
        return True  # "Cảm ơn": letters no other served language writes (unlike à or é)
    if detection.probability < CLEAR_PROBABILITY:
        return False
    if len(text.split()) >= CLEAR_WORDS:
        return True
    cjk = sum(1 for char in text if "\u3040" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff")
    return cjk >= CLEAR_CJK_CHARACTERS


def keep_chosen(detection: Detection, chosen: str | None, text: str) -> Detection:
    """The detection to act on for a text from a resident who chose `chosen` (None: no
    choice, the detection stands)."""
    if chosen not in RESIDENT_CODES or detection.language == chosen:
        return detection
    if is_clear(detection, text, chosen):
        return detection
    said = (
        f"{detection.language} {detection.probability:.2f}"
        if detection.language
        else detection.reason
    )
    return Detection(chosen, 1.0, f"{CHOSEN_REASON} (the text alone said: {said})")


def _vietnamese_letter(char: str) -> bool:
    """ă, đ, ơ, ư and the tone-marked vowels (Latin Extended Additional, U+1EA0-U+1EF9)."""
    return char in "ăđơưĂĐƠƯ" or 0x1EA0 <= ord(char) <= 0x1EF9
