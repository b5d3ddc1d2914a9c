"""The contract between the translation router and the engines behind it.

An engine turns a batch of sentences from one language into another and says which model did it.
Adapters (argos.py, m2m.py) implement `TranslationEngine`; the router in translation.py chooses an
engine per language pair and never needs to know which library is underneath.
"""

from __future__ import annotations

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


@runtime_checkable
class PreloadingEngine(Protocol):
    """An engine that can load a pair's models ahead of the first translation."""

    def warm(self, source: str, target: str) -> None:
        """Load what source→target needs now; raise ModelMissingError if nothing serves it."""
        ...


def cpu_threads(requested: int) -> int:
    """Threads for one CTranslate2 translator: as asked, else one.

    Measured on 2-core machines with a transformer-base-sized int8 model: one thread translated
    a sentence in ~125 ms, two or four threads (CTranslate2's default is four) in ~510 ms, and at
    batch 16 one thread was still 1.5x faster. Parallelism comes from the worker threads, each
    translating its own message, not from splitting one matrix product across cores.
    """
    return requested if requested > 0 else 1
