"""Vietnamese typed without its diacritics, which lingua mistakes for English.

Many Vietnamese residents text from phones without a Vietnamese keyboard: "Chi oi cho em hoi"
instead of "Chị ơi cho em hỏi". Lingua's Vietnamese model is built on accented text, so such a
message scores as English and the resident would get English replies. Two facts tell it apart
cheaply and without a model:

- every Vietnamese word is one syllable of a closed shape (an onset from a short list, a vowel
  nucleus from a short list, a coda among c, ch, m, n, ng, nh, p, t), while English words break
  that shape constantly ("lost", "card", "help", "seoul", "you");
- some very common Vietnamese words are not English words at all (toi, khong, duoc, nguoi, oi).

A text is called unaccented Vietnamese only when both hold: nearly every word has the Vietnamese
shape and several are such marker words. "Hi I am Tom" has the shape but no marker and stays
English.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

_ONSET = r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?"
_NUCLEUS = (
    r"(?:uye|uya|uyu|ieu|yeu|oai|oay|oeo|uay|uoi|uou|"
    r"ai|ao|au|ay|eo|eu|ia|ie|iu|oa|oe|oi|oo|ua|ue|ui|uo|uu|uy|ya|ye|a|e|i|o|u|y)"
)
_CODA = r"(?:ng|nh|ch|[cmnpt])?"
_SYLLABLE = re.compile(_ONSET + _NUCLEUS + _CODA)

MARKERS_FILE = Path(__file__).with_name("data") / "unaccented_vietnamese.txt"


@lru_cache(maxsize=1)
def markers() -> frozenset[str]:
    """Frequent unaccented Vietnamese words that are not English words (a data file)."""
    lines = MARKERS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(word for line in lines if not line.startswith("#") for word in line.split())


#: Share of words that must have the shape of a Vietnamese syllable.
MIN_SYLLABLE_SHARE = 0.8
#: Marker words needed, and their share of all words.
MIN_MARKERS = 2
MIN_MARKER_SHARE = 0.25

_WORD = re.compile(r"[a-z]+")


def _is_accented_latin(char: str) -> bool:
    code = ord(char)
    return 0x00C0 <= code <= 0x024F or 0x0300 <= code <= 0x036F or 0x1E00 <= code <= 0x1EFF


def is_vietnamese_syllable(word: str) -> bool:
    """True if `word` (lower case, no diacritics) has the shape of one Vietnamese syllable."""
    return _SYLLABLE.fullmatch(word) is not None


def looks_like_unaccented_vietnamese(text: str) -> bool:
    """True if `text` reads as Vietnamese written without diacritics (see the module's notes)."""
    if any(_is_accented_latin(char) for char in text):
        return False  # accented text is lingua's to judge; it does that well
    words = _WORD.findall(text.lower())
    if len(words) < 3:
        return False
    syllables = sum(1 for word in words if is_vietnamese_syllable(word))
    known = markers()
    marker_count = sum(1 for word in words if word in known)
    return (
        syllables >= MIN_SYLLABLE_SHARE * len(words)
        and marker_count >= MIN_MARKERS
        and marker_count >= MIN_MARKER_SHARE * len(words)
    )
