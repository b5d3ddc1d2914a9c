"""Per-pair translation quality notes for the agent view, read from data/quality.json.

Machine translation quality differs a lot between relay's pairs (a single Argos model, two Argos
models chained through English, or M2M-100 with little Mongolian data), and an agent should know
how far to trust what they read before acting on it, and when to call a human interpreter.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

from languages.registry import get

DEFAULT_QUALITY = Path(__file__).parent / "data" / "quality.json"

Level = Literal["good", "fair", "weak"]
_LEVELS: tuple[Level, ...] = ("good", "fair", "weak")


class QualityUnknownError(LookupError):
    """No quality note exists for the pair (and engine) asked about."""


@dataclass(frozen=True)
class PairQuality:
    """How well one engine family translates one pair, in words for the agent."""

    source: str
    target: str
    engine: str  # engine family: "argos" or "m2m100"
    pivot: str | None  # the intermediate language when the pair is chained, else None
    level: Level
    note_en: str
    note_ko: str

    @property
    def pivoted(self) -> bool:
        return self.pivot is not None

    @property
    def suggest_interpreter(self) -> bool:
        """Weak pairs are where the agent should offer a three-way interpreter early."""
        return self.level == "weak"


def engine_family(engine_name: str) -> str:
    """The family of an engine by its name ("argos", "m2m100-418m" → "m2m100")."""
    name = engine_name.lower()
    if name.startswith("argos"):
        return "argos"
    if name.startswith("m2m"):
        return "m2m100"
    return name


class QualityNotes:
    """The reviewed notes, loaded once per instance; `default()` reads the shipped file."""

    def __init__(self, notes: tuple[PairQuality, ...]) -> None:
        self._notes = notes

    @classmethod
    def from_json(cls, path: Path) -> QualityNotes:
        raw = json.loads(path.read_text(encoding="utf-8"))
        notes = []
        for item in raw["pairs"]:
            if item["level"] not in _LEVELS:
                raise ValueError(f"{path.name}: unknown level {item['level']!r}")
            for code in (item["source"], item["target"]):
                get(code)  # a typo in the data file fails loudly
            notes.append(
                PairQuality(
                    source=item["source"],
                    target=item["target"],
                    engine=item["engine"],
                    pivot=item["pivot"],
                    level=cast(Level, item["level"]),
                    note_en=item["note_en"],
                    note_ko=item["note_ko"],
                )
            )
        return cls(tuple(notes))

    @classmethod
    def default(cls) -> QualityNotes:
        return cls.from_json(DEFAULT_QUALITY)

    @property
    def notes(self) -> tuple[PairQuality, ...]:
        return self._notes

    def quality_for(self, source: str, target: str, engine: str | None = None) -> PairQuality:
        """The note for a pair: for `engine`'s family if named, else for the default route."""
        family = engine_family(engine) if engine else None
        for note in self._notes:
            if (note.source, note.target) == (source, target) and family in (None, note.engine):
                return note
        raise QualityUnknownError(f"no quality note for {source}→{target} ({engine or 'default'})")


def quality_for(source: str, target: str, engine: str | None = None) -> PairQuality:
    """The shipped note for a pair; reads the data file on each call (it is small)."""
    return QualityNotes.default().quality_for(source, target, engine)
