"""The translation router: memory first, then the engine that serves the pair, then verification.

For each text the router returns the translation and how it came about (engine, model, pivot
language, time taken, glossary terms kept, numbers, links and terms still missing), because
agents must be able to judge a machine translation before relying on it. Numbers, links and
addresses go to the engine as written and are verified afterwards (verify.py); glossary terms
go as placeholders only on routes not seen to lose them. A text whose output lacks a span is
translated again sentence by sentence, in pieces around that span; what is still missing is
reported, never dropped silently. Approved translations in the memory
win over any engine; the router never writes to the memory itself, so only texts a person
approved are reused. When no installed model serves a pair, it says so: there is no fallback.
"""

from __future__ import annotations

import logging
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from languages.engine import (
    EngineOutput,
    ModelMissingError,
    PreloadingEngine,
    TranslationEngine,
    TranslationError,
)
from languages.glossary import Glossary
from languages.memory import TranslationMemory
from languages.registry import get
from languages.sentences import Segmentation, segment
from languages.verify import (
    Piece,
    Span,
    Verification,
    check,
    find_spans,
    join_pieces,
    split_around,
    text_outside,
    verify,
)

log = logging.getLogger(__name__)

Pair = tuple[str, str]


@dataclass(frozen=True)
class Translation:
    """One translated text and its provenance.

    `engine` is an engine's name, or "memory", "identity" (same language) or "none" (nothing to
    translate). `duration_ms` is the wall time of the step that produced the text; texts
    translated in one batch share the batch's time. `missing_spans` are the numbers, links
    and glossary terms of the source that the final text lacks (verify.py), even after a
    retry; `lost_placeholders` names the same spans as written (older callers read it). Such a
    translation must be flagged for review, not shown as complete. `retried_spans` were lost by
    the engine and kept by translating around them; `placeholders_lost` are glossary terms
    whose placeholder the engine mangled on the first attempt.
    """

    text: str
    source: str
    target: str
    source_text: str
    engine: str
    model: str
    pivot: str | None
    duration_ms: float
    glossary_terms: tuple[tuple[str, str], ...] = ()  # (term in source text, approved target term)
    lost_placeholders: tuple[str, ...] = ()
    from_memory: bool = False
    missing_spans: tuple[Span, ...] = ()
    retried_spans: tuple[str, ...] = ()
    placeholders_lost: tuple[str, ...] = ()

    @property
    def needs_review(self) -> bool:
        """True when the text lacks a number, link or term of the source."""
        return bool(self.missing_spans)


class PlaceholderRecord:
    """Which routes (engine, source, target) were seen to keep glossary placeholders.

    Glossary terms go to an engine as placeholders only on a route that has not lost one: real
    models often split `[0]` into pieces and drop it, and a route that did so once gets plain
    text from then on (its terms are verified and kept by translating around them instead).
    `shown` seeds the record from an evaluation run: True for a route measured to keep them,
    False for one measured to lose them. Thread-safe; one per translator.
    """

    def __init__(self, shown: Mapping[tuple[str, str, str], bool] | None = None) -> None:
        self._kept = dict(shown or {})
        self._lock = threading.Lock()

    def trusted(self, engine: str, source: str, target: str) -> bool:
        with self._lock:
            return self._kept.get((engine, source, target), True)

    def record(self, engine: str, source: str, target: str, *, kept: bool) -> None:
        """Note one translation's outcome; a single loss withdraws the route's trust."""
        if not kept:
            with self._lock:
                self._kept[(engine, source, target)] = False


class Translator:
    """Routes each language pair to an engine and wraps it in memory and glossary."""

    def __init__(
        self,
        engines: Sequence[TranslationEngine],
        memory: TranslationMemory | None = None,
        glossary: Glossary | Callable[[], Glossary] | None = None,
        routes: Mapping[Pair, str] | None = None,
        placeholders: PlaceholderRecord | None = None,
    ) -> None:
        self._engines = tuple(engines)
        self._placeholders = placeholders or PlaceholderRecord()
        self._memory = memory
        # A callable is asked before each use: the glossary admins edit changes while the
        # translator (and the models it has loaded) lives on.
        self._glossary_of: Callable[[], Glossary | None] = (
            glossary if callable(glossary) else lambda: glossary
        )
        names = {engine.name for engine in self._engines}
        unknown = {name for name in (routes or {}).values() if name not in names}
        if unknown:
            raise ValueError(f"routes name engines that are not configured: {sorted(unknown)}")
        self._routes = dict(routes or {})

    @property
    def _glossary(self) -> Glossary | None:
        return self._glossary_of()

    def pairs(self) -> frozenset[Pair]:
        """Every (source, target) pair some engine can translate now."""
        found: set[Pair] = set()
        for engine in self._engines:
            found |= engine.pairs()
        return frozenset(found)

    def engine_for(self, source: str, target: str) -> TranslationEngine:
        """The engine a pair goes to: the explicit route if any, else the first that serves it."""
        routed = self._routes.get((source, target))
        for engine in self._engines:
            if routed is not None and engine.name != routed:
                continue
            if (source, target) in engine.pairs():
                return engine
        raise ModelMissingError(_missing_message(source, target, routed))

    def warm(self, source: str, target: str) -> None:
        """Load the models the pair is routed to now, so the first message does not wait for
        them; engines that cannot load ahead of time load on first use as before."""
        engine = self.engine_for(source, target)
        if isinstance(engine, PreloadingEngine):
            engine.warm(source, target)

    def translate(self, text: str, source: str, target: str) -> Translation:
        """Translate one text; see translate_many."""
        return self.translate_many([text], source, target)[0]

    def translate_many(self, texts: Sequence[str], source: str, target: str) -> list[Translation]:
        """Translate texts of one pair, asking the engine once for all that memory lacks.

        Raises ModelMissingError when no installed model serves the pair, TranslationError
        when the engine fails, UnsupportedLanguageError for a code relay does not serve.
        """
        for code in (source, target):
            get(code)  # raises UnsupportedLanguageError early
        results: dict[int, Translation] = {}
        pending: dict[str, list[int]] = {}
        for index, text in enumerate(texts):
            started = time.perf_counter()
            if not text.strip():
                results[index] = Translation("", source, target, text, "none", "", None, 0.0)
            elif source == target:
                results[index] = Translation(text, source, target, text, "identity", "", None, 0.0)
            elif (remembered := self._remembered(text, source, target)) is not None:
                elapsed = (time.perf_counter() - started) * 1000
                spans = find_spans(text, source, target, self._glossary)
                results[index] = self._finished(
                    Translation(
                        text=remembered,
                        source=source,
                        target=target,
                        source_text=text,
                        engine="memory",
                        model="translation memory",
                        pivot=None,
                        duration_ms=elapsed,
                        from_memory=True,
                    ),
                    spans,
                    (),
                )
            else:
                pending.setdefault(text, []).append(index)
        if pending:
            translated = self._run_engine(list(pending), source, target)
            for indexes, translation in zip(pending.values(), translated, strict=True):
                for index in indexes:
                    results[index] = translation
        return [results[index] for index in range(len(texts))]

    def _remembered(self, text: str, source: str, target: str) -> str | None:
        if self._memory is None:
            return None
        try:
            return self._memory.lookup(text, source, target)
        except Exception:
            # The memory only saves work; an outage of its store must not stop translation.
            log.exception("translation memory lookup failed; asking the engine instead")
            return None

    def verify(self, source_text: str, translated: str, source: str, target: str) -> Verification:
        """Which numbers, links and glossary terms of `source_text` `translated` lacks (for a
        translation a person edited, which no engine will retry)."""
        return check(source_text, translated, source, target, self._glossary)

    def _run_engine(self, texts: list[str], source: str, target: str) -> list[Translation]:
        started = time.perf_counter()
        spans = [find_spans(text, source, target, self._glossary) for text in texts]
        # A text that is only numbers, links and terms needs no engine: its spans are all of it.
        needed = [i for i, text in enumerate(texts) if _has_words(text_outside(text, spans[i]))]
        outputs = [_rendered(text, spans[i]) for i, text in enumerate(texts)]
        output = EngineOutput((), "")
        engine_name = "glossary"
        lost: dict[int, tuple[str, ...]] = {}
        retried: dict[int, tuple[str, ...]] = {}
        if needed:
            engine = self.engine_for(source, target)
            engine_name = engine.name
            first, output, lost_at = self._first_pass(
                engine, [texts[i] for i in needed], source, target
            )
            for position, i in enumerate(needed):
                outputs[i] = first[position]
                lost[i] = lost_at.get(position, ())
            unverified = {
                i: missing
                for i in needed
                if (missing := verify(spans[i], outputs[i], target).missing)
            }
            if unverified:
                again = self._retry(engine, texts, unverified, source, target)
                for i, (text, kept) in again.items():
                    outputs[i] = text
                    retried[i] = kept
        elapsed = (time.perf_counter() - started) * 1000
        results = []
        for i, text in enumerate(texts):
            by_engine = i in needed
            results.append(
                self._finished(
                    Translation(
                        text=outputs[i],
                        source=source,
                        target=target,
                        source_text=text,
                        engine=engine_name if by_engine else "glossary",
                        model=output.model if by_engine else "",
                        pivot=output.pivot if by_engine else None,
                        duration_ms=elapsed,
                        retried_spans=retried.get(i, ()),
                    ),
                    spans[i],
                    lost.get(i, ()),
                )
            )
        return results

    def _first_pass(
        self, engine: TranslationEngine, texts: list[str], source: str, target: str
    ) -> tuple[list[str], EngineOutput, dict[int, tuple[str, ...]]]:
        """The engine's translation of whole texts; glossary terms behind placeholders only on
        routes that have not been seen to lose one. Returns texts, the engine's output and,
        by position, the terms whose placeholders it lost."""
        trusted = self._glossary is not None and self._placeholders.trusted(
            engine.name, source, target
        )
        if not trusted or self._glossary is None:
            output = _call(engine, texts, source, target)
            return list(output.texts), output, {}
        glossary = self._glossary
        protected = [glossary.protect(text, source, target, terms_only=True) for text in texts]
        output = _call(engine, [item.text for item in protected], source, target)
        restored_texts: list[str] = []
        lost: dict[int, tuple[str, ...]] = {}
        for position, (item, translated) in enumerate(zip(protected, output.texts, strict=True)):
            restored = glossary.restore(translated, item, target)
            restored_texts.append(restored.text)
            if item.spans:
                self._placeholders.record(engine.name, source, target, kept=not restored.lost)
            if restored.lost:
                lost[position] = tuple(span.original for span in restored.lost)
                log.warning(
                    "%s lost glossary placeholders %s (%s→%s); placeholders off for this route",
                    engine.name,
                    lost[position],
                    source,
                    target,
                )
        return restored_texts, output, lost

    def _retry(
        self,
        engine: TranslationEngine,
        texts: list[str],
        unverified: Mapping[int, tuple[Span, ...]],
        source: str,
        target: str,
    ) -> dict[int, tuple[str, tuple[str, ...]]]:
        """Translate again, sentence by sentence, the texts whose output lacks a span; each
        sentence that holds a missing span goes to the engine in pieces around it, and the
        span is put back as written (or as the approved term, or the amount in the target's
        form). The span never passes through the model, so the model cannot mangle it; the
        price is a choppier sentence, which the agent sees in the back-translation. A retry
        that fails keeps the first translation, whose missing spans are then reported."""
        plans: dict[int, tuple[Segmentation, list[tuple[Piece, ...]]]] = {}
        batch: list[str] = []
        for i, missing in unverified.items():
            parts = segment([texts[i]], source)
            wanted = {(span.kind, span.text) for span in missing}
            sentence_pieces = []
            for sentence in parts.sentences:
                lacking = [
                    span
                    for span in find_spans(sentence, source, target, self._glossary)
                    if (span.kind, span.text) in wanted
                ]
                pieces = split_around(sentence, lacking, source) if lacking else (Piece(sentence),)
                sentence_pieces.append(pieces)
                batch.extend(piece.text for piece in pieces if _needs_engine(piece))
            plans[i] = (parts, sentence_pieces)
        try:
            translated = iter(_call(engine, batch, source, target).texts if batch else ())
        except TranslationError:
            log.exception(
                "retrying %d texts in pieces failed; keeping the first output", len(plans)
            )
            return {}
        results: dict[int, tuple[str, tuple[str, ...]]] = {}
        for i, (parts, sentence_pieces) in plans.items():
            sentences = []
            kept: list[str] = []
            for pieces in sentence_pieces:
                out = []
                for piece in pieces:
                    if _needs_engine(piece):
                        out.append(next(translated))
                    elif piece.kept is None:
                        out.append(piece.text)  # punctuation between spans, kept as it is
                    else:
                        out.append(piece.kept.rendering)
                        kept.append(piece.kept.text)
                sentences.append(join_pieces(out, target))
            results[i] = (parts.reassemble(sentences, target)[0], tuple(kept))
        return results

    def _finished(
        self, translation: Translation, spans: tuple[Span, ...], lost: tuple[str, ...]
    ) -> Translation:
        """The translation with what it carries checked: terms kept, spans still missing."""
        checked = verify(spans, translation.text, translation.target)
        missing = checked.missing
        if missing:
            log.warning(
                "%s translation lacks %s (%s→%s)",
                translation.engine,
                [span.text for span in missing],
                translation.source,
                translation.target,
            )
        terms = tuple(
            (span.text, span.rendering)
            for span in spans
            if span.kind == "term" and span not in missing
        )
        return replace(
            translation,
            glossary_terms=terms,
            lost_placeholders=tuple(span.text for span in missing),
            missing_spans=missing,
            placeholders_lost=lost,
        )


def _call(engine: TranslationEngine, batch: list[str], source: str, target: str) -> EngineOutput:
    """One engine call, its failures turned into TranslationError with the reason."""
    try:
        output = engine.translate_batch(batch, source, target)
    except TranslationError:
        raise
    except Exception as error:
        raise TranslationError(
            f"{engine.name} failed to translate {source}→{target}: {error}"
        ) from error
    if len(output.texts) != len(batch):
        raise TranslationError(
            f"{engine.name} returned {len(output.texts)} texts for {len(batch)} inputs"
        )
    return output


def _has_words(text: str) -> bool:
    """True when a letter is left to translate (spans already blanked out)."""
    return any(unicodedata.category(char)[0] == "L" for char in text)


def _needs_engine(piece: Piece) -> bool:
    return piece.kept is None and _has_words(piece.text)


def _rendered(text: str, spans: tuple[Span, ...]) -> str:
    """A text with each span written the target's way: the whole translation of a text that
    is nothing but numbers, links and terms."""
    pieces = []
    cursor = 0
    for span in spans:
        pieces += [text[cursor : span.start], span.rendering]
        cursor = span.end
    pieces.append(text[cursor:])
    return "".join(pieces)


def _missing_message(source: str, target: str, routed: str | None) -> str:
    pair = f"{get(source).english_name} → {get(target).english_name} ({source}→{target})"
    if routed is not None:
        return f"the engine routed for {pair}, {routed}, has no model for it installed"
    if get(source).argos_code and get(target).argos_code:
        how = f"`flask --app wsgi languages install {source}-en en-{target}` (Argos, via English)"
        if "en" in (source, target):
            how = f"`flask --app wsgi languages install {source}-{target}` (Argos)"
    else:
        how = "an M2M-100 model folder with `flask --app wsgi languages install <folder>`"
    return f"no installed model translates {pair}; install {how}, then check `languages list`"
