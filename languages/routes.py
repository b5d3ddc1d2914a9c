"""Which engine serves each language pair: measured quality first, the operator's word last.

Engines differ by pair (Argos chains zh→en→ko through two models; an M2M-100 model translates
zh→ko directly), so engine order is a poor guide. `flask languages evaluate` scores every
installed route on a parallel test set and stores the scores here, in `route-quality.json`
under the models folder; the translator then sends each pair to the route that scored best.
`RELAY_TRANSLATION_ROUTES` ("zh-ko=m2m100,ja-ko=argos") overrides both, for a centre whose
own judgement differs from the test set's.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from languages.registry import UnsupportedLanguageError, get

log = logging.getLogger(__name__)

Pair = tuple[str, str]
SCORES_FILE = "route-quality.json"
ENGINE_NAMES = frozenset({"argos", "m2m100"})


class RoutesError(ValueError):
    """A routes setting or a stored evaluation cannot be read; the message says why."""


@dataclass(frozen=True)
class RouteScore:
    """How one route (an engine, direct or through a pivot language) did on one pair.

    `chrf` and `bleu` are sacrebleu's corpus scores (0-100). Numbers are the digits, amounts,
    dates, phone numbers and links of the sources (verify.py); placeholders are glossary terms
    sent as `[0]`-style placeholders, which real models often break.
    """

    source: str
    target: str
    engine: str
    model: str
    pivot: str | None
    sentences: int
    chrf: float
    bleu: float
    numbers_total: int
    numbers_kept: int
    placeholders_total: int
    placeholders_kept: int
    ms_per_sentence: float

    @property
    def pair(self) -> Pair:
        return (self.source, self.target)

    @property
    def numbers_rate(self) -> float | None:
        return self.numbers_kept / self.numbers_total if self.numbers_total else None

    @property
    def placeholders_rate(self) -> float | None:
        if not self.placeholders_total:
            return None
        return self.placeholders_kept / self.placeholders_total

    def rank(self) -> tuple[float, float, float]:
        """Better routes sort higher: chrF first (it rewards the right words even in
        languages BLEU tokenises poorly), then BLEU, then speed."""
        return (self.chrf, self.bleu, -self.ms_per_sentence)


@dataclass(frozen=True)
class RouteScores:
    """The stored result of the last evaluation of each pair."""

    evaluated_at: str  # ISO 8601, UTC
    test_set: str  # the file's name, for the record
    scores: tuple[RouteScore, ...]

    def for_pair(self, source: str, target: str) -> tuple[RouteScore, ...]:
        """The pair's routes, best first."""
        found = [score for score in self.scores if score.pair == (source, target)]
        return tuple(sorted(found, key=RouteScore.rank, reverse=True))

    def score_of(self, source: str, target: str, engine: str) -> RouteScore | None:
        for score in self.for_pair(source, target):
            if score.engine == engine:
                return score
        return None

    def best_routes(self, available: Mapping[str, Collection[Pair]]) -> dict[Pair, str]:
        """For each scored pair, the best-scored engine among those that serve it now
        (`available`: engine name → its pairs), so a removed model is never routed to."""
        routes: dict[Pair, str] = {}
        for pair in {score.pair for score in self.scores}:
            for score in self.for_pair(*pair):
                if pair in available.get(score.engine, ()):
                    routes[pair] = score.engine
                    break
        return routes

    def placeholders_shown(self) -> dict[tuple[str, str, str], bool]:
        """(engine, source, target) → whether the route kept every glossary placeholder it
        was given, for the routes the test set gave any (see translation.PlaceholderRecord)."""
        return {
            (s.engine, s.source, s.target): s.placeholders_kept == s.placeholders_total
            for s in self.scores
            if s.placeholders_total
        }

    def merged(self, newer: RouteScores) -> RouteScores:
        """These scores with the pairs `newer` measured replaced by its figures."""
        measured = {score.pair for score in newer.scores}
        kept = tuple(score for score in self.scores if score.pair not in measured)
        return RouteScores(newer.evaluated_at, newer.test_set, kept + newer.scores)

    def to_json(self) -> str:
        body = {
            "evaluated_at": self.evaluated_at,
            "test_set": self.test_set,
            "scores": [asdict(score) for score in self.scores],
        }
        return json.dumps(body, ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> RouteScores:
        try:
            raw = json.loads(text)
            scores = tuple(RouteScore(**item) for item in raw["scores"])
            return cls(str(raw["evaluated_at"]), str(raw["test_set"]), scores)
        except (ValueError, KeyError, TypeError) as error:
            raise RoutesError(f"the stored route scores cannot be read: {error}") from error


def scores_path(models_root: Path) -> Path:
    """Where `flask languages evaluate` keeps its result: beside the models it measured."""
    return models_root / SCORES_FILE


def load_scores(models_root: Path) -> RouteScores | None:
    """The stored scores, or None when no evaluation has run (or its file is unreadable,
    which is logged: routing then falls back to engine order rather than stopping)."""
    path = scores_path(models_root)
    if not path.is_file():
        return None
    try:
        return RouteScores.from_json(path.read_text(encoding="utf-8"))
    except RoutesError:
        log.exception("ignoring %s", path)
        return None


def save_scores(models_root: Path, scores: RouteScores) -> Path:
    """Merge `scores` into the stored file (pairs not measured this time keep their figures)
    and write it atomically, so a translator reading it never sees half a file."""
    path = scores_path(models_root)
    earlier = load_scores(models_root)
    combined = earlier.merged(scores) if earlier is not None else scores
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.partial")
    partial.write_text(combined.to_json(), encoding="utf-8")
    partial.replace(path)
    return path


def parse_routes(setting: str) -> dict[Pair, str]:
    """`RELAY_TRANSLATION_ROUTES` read: "zh-ko=m2m100, ja-ko=argos" → {("zh","ko"): "m2m100", …}.

    Raises RoutesError naming the entry that is not `source-target=engine` with relay's
    language codes and a known engine.
    """
    routes: dict[Pair, str] = {}
    for entry in (part.strip() for part in setting.split(",")):
        if not entry:
            continue
        pair, _, engine = entry.partition("=")
        source, _, target = pair.strip().partition("-")
        engine = engine.strip().lower()
        if not (source and target and engine) or engine not in ENGINE_NAMES:
            raise RoutesError(
                f"{entry!r}: write source-target=engine, engine one of {sorted(ENGINE_NAMES)}"
            )
        try:
            get(source.strip())
            get(target.strip())
        except UnsupportedLanguageError as error:
            raise RoutesError(f"{entry!r}: {error}") from error
        routes[(source.strip(), target.strip())] = engine
    return routes


def choose_routes(
    available: Mapping[str, Collection[Pair]],
    scores: RouteScores | None,
    overrides: Mapping[Pair, str],
) -> dict[Pair, str]:
    """The engine for each pair that has a preference: the override where one is set for an
    engine that is configured, else the best-measured route; pairs with neither go to the
    first engine that serves them (Translator's own order)."""
    routes = scores.best_routes(available) if scores is not None else {}
    for pair, engine in overrides.items():
        if engine in available:
            routes[pair] = engine
        else:
            log.warning(
                "RELAY_TRANSLATION_ROUTES names %s for %s-%s, but no %s model is installed",
                engine,
                *pair,
                engine,
            )
    return routes


def engines_by_name(engines: Iterable[tuple[str, Collection[Pair]]]) -> dict[str, set[Pair]]:
    """Engine name → every pair the engines of that name serve (two M2M models share one)."""
    found: dict[str, set[Pair]] = {}
    for name, pairs in engines:
        found.setdefault(name, set()).update(pairs)
    return found
