"""Per-pair translation quality notes for the agent view: measured where the routes were
evaluated (`flask languages evaluate`, routes.py), else the reviewed notes of data/quality.json.

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
from languages.routes import RouteScore, RouteScores

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


# chrF (0-100) against a civic test set's references. Around 60 a sentence's meaning usually
# comes through whole; below 45 wrong words and lost clauses are common. Coarse on purpose.
_GOOD_CHRF = 60.0
_FAIR_CHRF = 45.0
_ENGINE_NAMES_KO = {"argos": "아르고스", "m2m100": "엠투엠"}
_ENGINE_NAMES_EN = {"argos": "Argos", "m2m100": "M2M-100"}


def measured_quality(score: RouteScore, evaluated_at: str) -> PairQuality:
    """A note from one route's measured scores, in words an agent can act on. A route that
    dropped numbers in the test is never better than "fair", whatever its chrF."""
    level: Level = "good" if score.chrf >= _GOOD_CHRF else "fair"
    if score.chrf < _FAIR_CHRF:
        level = "weak"
    numbers = score.numbers_rate
    if level == "good" and numbers is not None and numbers < 1.0:
        level = "fair"
    engine = _ENGINE_NAMES_KO.get(score.engine, score.engine)
    engine_en = _ENGINE_NAMES_EN.get(score.engine, score.engine)
    route_ko = f"{get(score.pivot).korean_name} 경유" if score.pivot else "직접 번역"
    route_en = f"via {get(score.pivot).english_name}" if score.pivot else "direct"
    day = evaluated_at[:10]
    parts_ko = [
        f"{day} 시험 문장 {score.sentences}개로 측정한 {engine}({route_ko}) 번역",
        f"참조 번역 일치도 {score.chrf:.0f}점(100점 만점)",
    ]
    parts_en = [
        f"{engine_en} ({route_en}) measured on {score.sentences} test sentences on {day}",
        f"chrF {score.chrf:.1f}, BLEU {score.bleu:.1f}",
    ]
    if numbers is not None:
        parts_ko.append(f"숫자·전화번호 보존 {numbers:.0%}")
        parts_en.append(f"numbers kept {numbers:.0%}")
    parts_ko.append(f"문장당 {score.ms_per_sentence / 1000:.1f}초")
    parts_en.append(f"{score.ms_per_sentence:.0f} ms per sentence")
    advice = {
        "good": "",
        "fair": " 이름·날짜·금액은 원문과 대조하세요.",
        "weak": " 중요한 내용은 3자 통역을 연결하세요.",
    }[level]
    return PairQuality(
        source=score.source,
        target=score.target,
        engine=score.engine,
        pivot=score.pivot,
        level=level,
        note_en="; ".join(parts_en) + ".",
        note_ko=", ".join(parts_ko) + "." + advice,
    )


def quality_of_route(
    notes: QualityNotes, scores: RouteScores | None, source: str, target: str, engine: str | None
) -> PairQuality:
    """The note for the route a pair goes to: measured when that route was evaluated (the
    best-measured one when `engine` is None), else the reviewed note; QualityUnknownError
    when there is neither."""
    if scores is not None:
        measured = scores.for_pair(source, target)
        chosen = [s for s in measured if engine is None or s.engine == engine]
        if chosen:
            return measured_quality(chosen[0], scores.evaluated_at)
    return notes.quality_for(source, target, engine)
