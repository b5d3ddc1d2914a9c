"""The translation router: memory first, then the engine that serves the pair, inside the glossary.

For each text the router returns the translation and how it came about (engine, model, pivot
language, time taken, glossary terms kept, placeholders the engine lost), because agents must be
able to judge a machine translation before relying on it. Approved translations in the memory
win over any engine; the router never writes to the memory itself, so only texts a person
approved are reused. When no installed model serves a pair, it says so: there is no fallback.
"""

from __future__ import annotations

import logging
import time
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from languages.engine import (
    EngineOutput,
    ModelMissingError,
    PreloadingEngine,
    TranslationEngine,
    TranslationError,
)
from languages.glossary import Glossary, Protected
from languages.memory import TranslationMemory
from languages.registry import get

log = logging.getLogger(__name__)

Pair = tuple[str, str]


@dataclass(frozen=True)
class Translation:
    """One translated text and its provenance.

    `engine` is an engine's name, or "memory", "identity" (same language) or "none" (nothing to
    translate). `duration_ms` is the wall time of the step that produced the text; texts
    translated in one batch share the batch's time. `lost_placeholders` holds the protected
    source spans (terms, numbers, links) missing from the engine's output: such a translation
    must be flagged for review, not shown as complete.
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

    @property
    def needs_review(self) -> bool:
        """True when the engine dropped a protected term, number or link."""
        return bool(self.lost_placeholders)


class Translator:
    """Routes each language pair to an engine and wraps it in memory and glossary."""

    def __init__(
        self,
        engines: Sequence[TranslationEngine],
        memory: TranslationMemory | None = None,
        glossary: Glossary | None = None,
        routes: Mapping[Pair, str] | None = None,
    ) -> None:
        self._engines = tuple(engines)
        self._memory = memory
        self._glossary = glossary
        names = {engine.name for engine in self._engines}
        unknown = {name for name in (routes or {}).values() if name not in names}
        if unknown:
            raise ValueError(f"routes name engines that are not configured: {sorted(unknown)}")
        self._routes = dict(routes or {})

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
                results[index] = Translation(
                    text=remembered,
                    source=source,
                    target=target,
                    source_text=text,
                    engine="memory",
                    model="translation memory",
                    pivot=None,
                    duration_ms=elapsed,
                    glossary_terms=self._terms(text, source, target),
                    from_memory=True,
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

    def _terms(self, text: str, source: str, target: str) -> tuple[tuple[str, str], ...]:
        if self._glossary is None:
            return ()
        return tuple(
            (match.text, approved)
            for match in self._glossary.find_terms(text, source)
            if (approved := match.entry.approved(target)) is not None
        )

    def _protect(self, text: str, source: str, target: str) -> Protected:
        if self._glossary is None:
            return Protected(text, (), source, target)
        return self._glossary.protect(text, source, target)

    def _run_engine(self, texts: list[str], source: str, target: str) -> list[Translation]:
        started = time.perf_counter()
        protected = [self._protect(text, source, target) for text in texts]
        # A text that is only numbers, links and terms needs no engine: the glossary has it all.
        needed = [i for i, item in enumerate(protected) if _has_words(item)]
        outputs = [item.text for item in protected]
        output = EngineOutput((), "")
        engine_name = "glossary"
        if needed:
            engine = self.engine_for(source, target)
            output = _call(engine, [protected[i].text for i in needed], source, target)
            engine_name = engine.name
            for i, translated in zip(needed, output.texts, strict=True):
                outputs[i] = translated
        elapsed = (time.perf_counter() - started) * 1000
        results = []
        for i, item in enumerate(protected):
            by_engine = i in needed
            translation = Translation(
                text=outputs[i],
                source=source,
                target=target,
                source_text=texts[i],
                engine=engine_name if by_engine else "glossary",
                model=output.model if by_engine else "",
                pivot=output.pivot if by_engine else None,
                duration_ms=elapsed,
            )
            results.append(self._restore(translation, item))
        return results

    def _restore(self, translation: Translation, protected: Protected) -> Translation:
        if self._glossary is None or not protected.spans:
            return translation
        restored = self._glossary.restore(translation.text, protected, translation.target)
        lost = tuple(span.original for span in restored.lost)
        if lost:
            log.warning(
                "%s lost protected spans %s (%s→%s)",
                translation.engine,
                lost,
                translation.source,
                translation.target,
            )
        return replace(
            translation, text=restored.text, glossary_terms=restored.terms, lost_placeholders=lost
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


def _has_words(protected: Protected) -> bool:
    """True when something besides placeholders, digits and punctuation is left to translate."""
    text = protected.text
    for span in protected.spans:
        text = text.replace(span.placeholder, " ")
    return any(unicodedata.category(char)[0] == "L" for char in text)


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
