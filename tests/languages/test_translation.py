"""The router's pipeline (memory → engine → glossary) with a phrase-table engine double.

The double stands in for Argos and M2M-100 only to test the routing around them; the engines
themselves are tested against real models in test_argos.py and test_m2m.py.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pytest

from languages.engine import EngineOutput, ModelMissingError, TranslationEngine, TranslationError
from languages.glossary import Glossary
from languages.registry import UnsupportedLanguageError
from languages.translation import Translation, Translator
from tests.support.memory_double import InMemoryTranslationMemory


class PhraseEngine:
    """Translates by looking each input up in a phrase table, and records every call."""

    def __init__(
        self,
        name: str,
        phrases: dict[str, str],
        pairs: frozenset[tuple[str, str]] = frozenset({("en", "ko")}),
        pivot: str | None = None,
    ) -> None:
        self.name = name
        self._phrases = phrases
        self._pairs = pairs
        self._pivot = pivot
        self.calls: list[tuple[tuple[str, ...], str, str]] = []

    def pairs(self) -> frozenset[tuple[str, str]]:
        return self._pairs

    def translate_batch(self, sentences: Sequence[str], source: str, target: str) -> EngineOutput:
        self.calls.append((tuple(sentences), source, target))
        return EngineOutput(
            tuple(self._phrases[s] for s in sentences), f"{self.name}-model", self._pivot
        )


class BrokenEngine(PhraseEngine):
    def translate_batch(self, sentences: Sequence[str], source: str, target: str) -> EngineOutput:
        raise RuntimeError("model file is truncated")


PHRASES = {
    "I lost my [0].": "[0]를 잃어버렸습니다.",
    "Where is the [0]?": "[0]는 어디에 있습니까?",
    "Hello": "안녕하세요",
    "Call [0].": "[0]로 전화하세요.",
    "Call 1577-1366.": "1577-1366로 전화하세요.",
    "I lost my [0] and my [1].": "[ 0 ]를 잃어버렸습니다.",  # the engine drops [1]
}


@pytest.fixture
def engine() -> PhraseEngine:
    return PhraseEngine("phrases", PHRASES)


@pytest.fixture
def glossary() -> Glossary:
    return Glossary.default()


def test_the_double_satisfies_the_engine_protocol(engine: PhraseEngine) -> None:
    assert isinstance(engine, TranslationEngine)


def test_engine_sees_placeholders_and_the_glossary_puts_terms_back(
    engine: PhraseEngine, glossary: Glossary
) -> None:
    translator = Translator([engine], memory=InMemoryTranslationMemory(), glossary=glossary)
    result = translator.translate("I lost my residence card.", "en", "ko")
    assert engine.calls == [(("I lost my [0].",), "en", "ko")]
    assert result.text == "외국인등록증을 잃어버렸습니다."
    assert result.glossary_terms == (("residence card", "외국인등록증"),)
    assert (result.engine, result.model, result.pivot) == ("phrases", "phrases-model", None)
    assert result.source_text == "I lost my residence card."
    assert not result.from_memory and not result.needs_review
    assert result.duration_ms >= 0.0


def test_memory_comes_before_the_engine(engine: PhraseEngine, glossary: Glossary) -> None:
    memory = InMemoryTranslationMemory()
    memory.remember("I lost my residence card.", "en", "ko", "외국인등록증을 분실했습니다.")
    translator = Translator([engine], memory=memory, glossary=glossary)
    exact = translator.translate("I lost my residence card.", "en", "ko")
    normalised = translator.translate("i lost my  RESIDENCE card!", "en", "ko")
    assert engine.calls == []
    for result in (exact, normalised):
        assert result.text == "외국인등록증을 분실했습니다."
        assert (result.engine, result.from_memory) == ("memory", True)
    assert exact.glossary_terms == (("residence card", "외국인등록증"),)


def test_the_router_never_writes_to_the_memory(engine: PhraseEngine) -> None:
    memory = InMemoryTranslationMemory()
    Translator([engine], memory=memory).translate("Hello", "en", "ko")
    assert len(memory) == 0


def test_a_failing_memory_does_not_stop_translation(
    engine: PhraseEngine, caplog: pytest.LogCaptureFixture
) -> None:
    class DownMemory(InMemoryTranslationMemory):
        def lookup(self, text: str, source: str, target: str) -> str | None:
            raise ConnectionError("database is down")

    with caplog.at_level(logging.ERROR):
        result = Translator([engine], memory=DownMemory()).translate("Hello", "en", "ko")
    assert (result.text, result.engine) == ("안녕하세요", "phrases")
    assert "memory lookup failed" in caplog.text


def test_same_language_and_empty_text_need_no_engine() -> None:
    translator = Translator([])
    same = translator.translate("외국인등록증", "ko", "ko")
    assert (same.text, same.engine, same.model) == ("외국인등록증", "identity", "")
    for text in ("", "   \n"):
        empty = translator.translate(text, "en", "ko")
        assert (empty.text, empty.engine) == ("", "none")


def test_text_of_only_numbers_and_links_needs_no_engine(glossary: Glossary) -> None:
    result = Translator([], glossary=glossary).translate(
        "010-1234-5678 https://example.kr", "en", "ko"
    )
    assert (result.text, result.engine) == ("010-1234-5678 https://example.kr", "glossary")


def test_translate_many_batches_once_and_keeps_order(
    engine: PhraseEngine, glossary: Glossary
) -> None:
    memory = InMemoryTranslationMemory()
    memory.remember("Hello", "en", "ko", "안녕하십니까")
    translator = Translator([engine], memory=memory, glossary=glossary)
    texts = ["Where is the city hall?", "Hello", "", "Call 1577-1366.", "Where is the city hall?"]
    results = translator.translate_many(texts, "en", "ko")
    assert engine.calls == [(("Where is the [0]?", "Call 1577-1366."), "en", "ko")]
    assert [r.text for r in results] == [
        "시청은 어디에 있습니까?",
        "안녕하십니까",
        "",
        "1577-1366로 전화하세요.",
        "시청은 어디에 있습니까?",
    ]
    assert [r.engine for r in results] == ["phrases", "memory", "none", "phrases", "phrases"]


def test_lost_placeholders_are_reported_not_dropped_silently(
    engine: PhraseEngine, glossary: Glossary
) -> None:
    translator = Translator([engine], glossary=glossary)
    result = translator.translate("I lost my residence card and my health insurance.", "en", "ko")
    assert result.text == "외국인등록증을 잃어버렸습니다."
    assert result.lost_placeholders == ("health insurance",)
    assert result.needs_review


def test_first_engine_serving_the_pair_is_chosen_unless_routed() -> None:
    argos = PhraseEngine("argos", {"Hello": "안녕 (argos)"}, pivot=None)
    m2m = PhraseEngine("m2m", {"Hello": "안녕 (m2m)"}, frozenset({("en", "ko"), ("vi", "ko")}))
    assert Translator([argos, m2m]).translate("Hello", "en", "ko").engine == "argos"
    routed = Translator([argos, m2m], routes={("en", "ko"): "m2m"})
    assert routed.translate("Hello", "en", "ko").text == "안녕 (m2m)"
    assert argos.calls == [(("Hello",), "en", "ko")]
    assert routed.pairs() == frozenset({("en", "ko"), ("vi", "ko")})


def test_pivot_is_recorded() -> None:
    zh = PhraseEngine("argos", {"你好": "안녕하세요"}, frozenset({("zh", "ko")}), pivot="en")
    result = Translator([zh]).translate("你好", "zh", "ko")
    assert (result.pivot, result.model) == ("en", "argos-model")


def test_routes_must_name_configured_engines(engine: PhraseEngine) -> None:
    with pytest.raises(ValueError, match="not configured"):
        Translator([engine], routes={("en", "ko"): "nllb"})


def test_a_route_to_an_engine_without_the_pair_is_a_missing_model() -> None:
    argos = PhraseEngine("argos", {}, frozenset({("en", "ko")}))
    m2m = PhraseEngine("m2m", {}, frozenset({("vi", "ko")}))
    with pytest.raises(ModelMissingError, match="m2m"):
        Translator([argos, m2m], routes={("en", "ko"): "m2m"}).translate("Hello", "en", "ko")


@pytest.mark.parametrize(
    ("source", "target", "hint"),
    [
        ("zh", "ko", "languages install zh-en en-ko"),
        ("en", "ko", "languages install en-ko"),
        ("mn", "ko", "M2M-100"),
    ],
)
def test_no_engine_for_the_pair_names_it_and_how_to_install(
    engine: PhraseEngine, source: str, target: str, hint: str
) -> None:
    translator = Translator([PhraseEngine("argos", {}, frozenset({("ko", "en")}))])
    with pytest.raises(ModelMissingError, match=f"\\({source}→{target}\\)") as caught:
        translator.translate("some words", source, target)
    assert hint in str(caught.value)


def test_engine_failures_surface_as_translation_errors() -> None:
    with pytest.raises(TranslationError, match=r"broken failed.*model file is truncated") as caught:
        Translator([BrokenEngine("broken", {})]).translate("Hello", "en", "ko")
    assert isinstance(caught.value.__cause__, RuntimeError)


def test_engine_translation_errors_pass_through_unchanged() -> None:
    class Refusing(PhraseEngine):
        def translate_batch(
            self, sentences: Sequence[str], source: str, target: str
        ) -> EngineOutput:
            raise ModelMissingError("the en→ko package was removed")

    with pytest.raises(ModelMissingError, match="package was removed"):
        Translator([Refusing("argos", {})]).translate("Hello", "en", "ko")


def test_an_engine_returning_the_wrong_number_of_texts_is_an_error() -> None:
    class Short(PhraseEngine):
        def translate_batch(
            self, sentences: Sequence[str], source: str, target: str
        ) -> EngineOutput:
            return EngineOutput((), "short-model")

    with pytest.raises(TranslationError, match="returned 0 texts for 1 inputs"):
        Translator([Short("short", {})]).translate("Hello", "en", "ko")


def test_unsupported_languages_are_refused(engine: PhraseEngine) -> None:
    with pytest.raises(UnsupportedLanguageError):
        Translator([engine]).translate("Bonjour", "fr", "ko")


def test_translation_is_frozen(engine: PhraseEngine) -> None:
    result = Translator([engine]).translate("Hello", "en", "ko")
    assert isinstance(result, Translation)
    with pytest.raises(AttributeError):
        result.text = "changed"  # type: ignore[misc]
