"""Translation memory: approved translations looked up before any engine is asked.

An agent's correction of a machine translation is worth more than the engine's next guess, so
the router asks the memory first. `transcripts/` backs the `TranslationMemory` protocol with the
database; `InMemoryTranslationMemory` serves tests and runs without one. Lookups match exactly
first, then on `normalise(text)`, so "Thank you" finds what was kept for "thank  you!".
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import OrderedDict
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


class InMemoryTranslationMemory:
    """A thread-safe memory kept in the process, oldest entries dropped past `max_entries`."""

    def __init__(self, max_entries: int = 10_000) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._max_entries = max_entries
        self._lock = threading.Lock()
        self._exact: OrderedDict[tuple[str, str, str], str] = OrderedDict()
        self._normalised: dict[tuple[str, str, str], tuple[str, str, str]] = {}

    def __len__(self) -> int:
        with self._lock:
            return len(self._exact)

    def lookup(self, text: str, source: str, target: str) -> str | None:
        """Exact match first, then the most recent entry with the same normalised text."""
        if not text.strip():
            return None
        with self._lock:
            exact = self._exact.get((source, target, text))
            if exact is not None:
                return exact
            key = self._normalised.get((source, target, normalise(text)))
            return self._exact.get(key) if key is not None else None

    def remember(self, source_text: str, source: str, target: str, translated_text: str) -> None:
        """Keep (or replace) the translation; the newest wins for normalised matches."""
        if not source_text.strip():
            return
        key = (source, target, source_text)
        with self._lock:
            self._exact[key] = translated_text
            self._exact.move_to_end(key)
            self._normalised[(source, target, normalise(source_text))] = key
            while len(self._exact) > self._max_entries:
                old, _ = self._exact.popitem(last=False)
                normal = (old[0], old[1], normalise(old[2]))
                if self._normalised.get(normal) == old:
                    del self._normalised[normal]
