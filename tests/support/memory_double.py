"""A translation memory kept in the test process: the double that stands in for the database
memory (transcripts.memory) in unit tests of the translator, which has no database."""

from __future__ import annotations

import threading
from collections import OrderedDict

from languages.memory import normalise


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
