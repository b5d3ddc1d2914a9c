"""Translation memory: approved translations looked up before any engine is asked.

A person's correction of a machine translation is worth more than the engine's next guess, so
the router asks the memory first. Because its answer reaches every later resident, it holds only
what an admin approved (an agent's edit waits as a suggestion until then). `transcripts/` backs
the `TranslationMemory` protocol with the database (the only memory a running relay has).
Lookups match exactly first, then on `normalise(text)`, so "Thank you" finds what was kept for
"thank  you!".
"""

from __future__ import annotations

import re
import unicodedata
from typing import Protocol, runtime_checkable

_SPACES = re.compile(r"\s+")
# Sentence-final marks that do not change what a message asks; "?" does (a question and a
# statement translate differently), so it is kept, in its ASCII form.
_TRAILING = re.compile(r"[\s.!~…。！｡〜～]+$")
_QUESTION = re.compile(r"[?？]+[\s.!~…。！｡〜～?？]*$")


@runtime_checkable
class TranslationMemory(Protocol):
    """Where approved translations are kept; lookups match exactly first, then normalised."""

    def lookup(self, text: str, source: str, target: str) -> str | None:
        """The remembered translation of `text` from `source` into `target`, if any."""
        ...

    def remember(self, source_text: str, source: str, target: str, translated_text: str) -> None:
        """Keep `translated_text` as the approved translation of `source_text`."""
        ...


def normalise(text: str) -> str:
    """The form two texts share when they should get the same translation.

    NFKC folds fullwidth letters and digits and compatibility forms; case-folding only changes
    cased scripts (Latin, Cyrillic); runs of whitespace become one space; trailing full stops,
    exclamation marks, tildes and ellipses are dropped, while a trailing question mark is kept
    as a single "?".
    """
    folded = _SPACES.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()
    if _QUESTION.search(folded):
        return _QUESTION.sub("", folded).rstrip() + "?"
    return _TRAILING.sub("", folded)
