"""The contract between the translation router and the engines behind it.

An engine turns a batch of sentences from one language into another and says which model did it.
Adapters (argos.py, m2m.py) implement `TranslationEngine`; the router in translation.py chooses an
engine per language pair and never needs to know which library is underneath.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


class TranslationError(RuntimeError):
    """An engine failed to translate; the message says why in words an agent can read."""


class ModelMissingError(TranslationError):
    """No installed model serves the requested language pair."""


@dataclass(frozen=True)
class EngineOutput:
    """What an engine returns for one batch: one text per input, and where they came from."""

    texts: tuple[str, ...]
    model: str  # e.g. "argos translate-zh_en-1_9 → translate-en_ko-1_1"
    pivot: str | None = None  # the intermediate language code when the pair was chained


@runtime_checkable
class TranslationEngine(Protocol):
    """One translation library behind a small surface; see argos.py and m2m.py."""

    name: str

    def pairs(self) -> frozenset[tuple[str, str]]:
        """Language pairs (ISO 639-1 source, target) this engine can translate now."""
        ...

    def translate_batch(self, sentences: Sequence[str], source: str, target: str) -> EngineOutput:
        """Translate sentences as one batch; raise ModelMissingError or TranslationError."""
        ...


def cpu_threads(requested: int) -> int:
    """Threads for one CTranslate2 translator: as asked, else one per core up to four.

    CTranslate2's own default is four, which on a two-core machine oversubscribes the cores and
    makes single sentences slower, not faster.
    """
    return requested if requested > 0 else max(1, min(4, os.cpu_count() or 1))
