"""Scoring the installed translation routes on a centre's parallel test set.

A published benchmark says little about texts like "외국인등록증 재발급 수수료는 30,000원입니다":
what matters to a centre is how each installed route does on its own kind of message. Run
`flask --app wsgi languages evaluate FILE.tsv` and every engine that serves a pair in the file
translates the pair's sentences one at a time, as messages arrive, and is scored on:

- chrF and BLEU (sacrebleu) against the file's reference translations;
- number survival: the digits, amounts, dates, phone numbers and links of the source that the
  raw engine output still carries (verify.py, before any retry the translator would make);
- placeholder survival: glossary terms sent as placeholders and brought back intact;
- speed: wall time per sentence.

The file is tab-separated with a header naming a language code per column (`ko en zh ja vi mn`,
any subset, Korean included); each row is one sentence and its translations, an empty cell
meaning "not written yet". Lines starting with # are comments. Every column is scored to and
from Korean, the directions relay translates. The project ships a civic set
(languages/data/civic_test_set.tsv) that a centre extends with its own rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import sacrebleu

from languages.engine import PreloadingEngine, TranslationEngine
from languages.glossary import Glossary
from languages.registry import KOREAN, UnsupportedLanguageError, get
from languages.routes import RouteScore, RouteScores
from languages.verify import find_spans, verify

SHIPPED_TEST_SET = Path(__file__).parent / "data" / "civic_test_set.tsv"
# sacrebleu's BLEU splits words on spaces; Chinese and Japanese have none, so they are split
# by character (Chinese by its own rule), which keeps their scores comparable across routes.
_BLEU_TOKENIZE = {"zh": "zh", "ja": "char"}


class ParallelSetError(ValueError):
    """The test set cannot be used; the message names the line to fix."""


@dataclass(frozen=True)
class ParallelSet:
    """Rows of one sentence in several languages (language code → text, empty cells left out)."""

    name: str
    rows: tuple[dict[str, str], ...]

    def pairs(self) -> tuple[tuple[str, str], ...]:
        """Each (language, ko) and (ko, language) with at least one row holding both."""
        found = []
        for language in sorted({code for row in self.rows for code in row} - {KOREAN.code}):
            if any(language in row and KOREAN.code in row for row in self.rows):
                found += [(language, KOREAN.code), (KOREAN.code, language)]
        return tuple(found)

    def sentences(self, source: str, target: str) -> tuple[tuple[str, str], ...]:
        """(source text, reference) for every row that has both."""
        return tuple(
            (row[source], row[target]) for row in self.rows if source in row and target in row
        )


def read_test_set(path: Path) -> ParallelSet:
    """Read a test set file; raises ParallelSetError for an unknown language or a ragged row."""
    lines = [
        (number, line)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not lines:
        raise ParallelSetError(f"{path.name}: no header line (language codes separated by tabs)")
    header = [code.strip() for code in lines[0][1].split("\t")]
    for code in header:
        try:
            get(code)
        except UnsupportedLanguageError as error:
            raise ParallelSetError(f"{path.name} line {lines[0][0]}: {error}") from error
    if KOREAN.code not in header:
        raise ParallelSetError(f"{path.name}: the header has no ko column; relay translates to ko")
    rows = []
    for number, line in lines[1:]:
        cells = line.split("\t")
        if len(cells) > len(header):
            raise ParallelSetError(f"{path.name} line {number}: more cells than the header names")
        # A row may stop early: the languages not written yet are simply left out.
        cells += [""] * (len(header) - len(cells))
        rows.append(
            {code: text.strip() for code, text in zip(header, cells, strict=True) if text.strip()}
        )
    return ParallelSet(path.name, tuple(rows))


def evaluate_routes(
    test_set: ParallelSet,
    engines: Sequence[TranslationEngine],
    glossary: Glossary | None,
    *,
    evaluated_at: str,
    pairs: Iterable[tuple[str, str]] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> RouteScores:
    """Score every engine on every pair of the test set it serves (or of `pairs`).

    Engines raise what they raise: a broken model is the operator's to see, not a zero score.
    """
    wanted = tuple(pairs) if pairs is not None else test_set.pairs()
    scores = []
    for source, target in wanted:
        sentences = test_set.sentences(source, target)
        if not sentences:
            continue
        for engine in engines:
            if (source, target) in engine.pairs():
                scores.append(_score(engine, sentences, source, target, glossary, clock))
    return RouteScores(evaluated_at, test_set.name, tuple(scores))


def _score(
    engine: TranslationEngine,
    sentences: Sequence[tuple[str, str]],
    source: str,
    target: str,
    glossary: Glossary | None,
    clock: Callable[[], float],
) -> RouteScore:
    if isinstance(engine, PreloadingEngine):
        engine.warm(source, target)  # loading the model is not translation speed
    outputs: list[str] = []
    model, pivot = "", None
    elapsed = 0.0
    for text, _ in sentences:
        started = clock()
        output = engine.translate_batch([text], source, target)
        elapsed += clock() - started
        outputs.append(output.texts[0])
        model, pivot = output.model, output.pivot
    references = [reference for _, reference in sentences]
    numbers_total = numbers_kept = 0
    for (text, _), translated in zip(sentences, outputs, strict=True):
        spans = [span for span in find_spans(text, source, target) if span.kind != "term"]
        missing = verify(spans, translated, target).missing
        numbers_total += len(spans)
        numbers_kept += len(spans) - len(missing)
    placeholders_total, placeholders_kept = _placeholders(
        engine, [text for text, _ in sentences], source, target, glossary
    )
    tokenize = _BLEU_TOKENIZE.get(target, "13a")
    return RouteScore(
        source=source,
        target=target,
        engine=engine.name,
        model=model,
        pivot=pivot,
        sentences=len(sentences),
        chrf=round(sacrebleu.corpus_chrf(outputs, [references]).score, 2),
        bleu=round(sacrebleu.corpus_bleu(outputs, [references], tokenize=tokenize).score, 2),
        numbers_total=numbers_total,
        numbers_kept=numbers_kept,
        placeholders_total=placeholders_total,
        placeholders_kept=placeholders_kept,
        ms_per_sentence=round(elapsed * 1000 / len(sentences), 1),
    )


def _placeholders(
    engine: TranslationEngine,
    texts: Sequence[str],
    source: str,
    target: str,
    glossary: Glossary | None,
) -> tuple[int, int]:
    """(placeholders sent, placeholders brought back) for the texts holding glossary terms."""
    if glossary is None:
        return 0, 0
    protected = [glossary.protect(text, source, target, terms_only=True) for text in texts]
    protected = [item for item in protected if item.spans]
    if not protected:
        return 0, 0
    output = engine.translate_batch([item.text for item in protected], source, target)
    total = lost = 0
    for item, translated in zip(protected, output.texts, strict=True):
        total += len(item.spans)
        lost += len(glossary.restore(translated, item, target).lost)
    return total, total - lost


def report(scores: RouteScores) -> list[str]:
    """The scores as a table, one line per route, best route of each pair first."""
    lines = [
        f"{'pair':7} {'engine':8} {'route':9} {'n':>4} {'chrF':>6} {'BLEU':>6} "
        f"{'numbers':>9} {'placeh.':>9} {'ms/sent':>8}"
    ]
    for pair in sorted({score.pair for score in scores.scores}):
        for index, score in enumerate(scores.for_pair(*pair)):
            route = f"via {score.pivot}" if score.pivot else "direct"
            mark = "*" if index == 0 else " "
            lines.append(
                f"{score.source}-{score.target:4} {score.engine:8} {route:9} "
                f"{score.sentences:>4} {score.chrf:>6.1f} {score.bleu:>6.1f} "
                f"{_ratio(score.numbers_kept, score.numbers_total):>9} "
                f"{_ratio(score.placeholders_kept, score.placeholders_total):>9} "
                f"{score.ms_per_sentence:>8.1f} {mark}"
            )
    lines.append("* the route relay uses unless RELAY_TRANSLATION_ROUTES says otherwise")
    return lines


def _ratio(kept: int, total: int) -> str:
    return f"{kept}/{total}" if total else "-"
