"""The Translator on real engines (argostranslate and CTranslate2 on the tiny models): the
glossary, the memory and pivoting change what comes out, not only what a double would see."""

from __future__ import annotations

import pytest

from languages.argos import ArgosEngine
from languages.glossary import Glossary
from languages.m2m import M2MEngine
from languages.translation import Translator
from tests.support.memory_double import InMemoryTranslationMemory


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return Glossary.default()


@pytest.fixture
def translator(argos_engine: ArgosEngine, m2m_engine: M2MEngine, glossary: Glossary) -> Translator:
    return Translator([argos_engine, m2m_engine], glossary=glossary)


@pytest.mark.parametrize(
    ("text", "source", "engine"),
    [
        ("Please bring your alien registration card.", "en", "argos"),
        ("请带上您的外国人登录证。", "zh", "argos"),  # zh→en→ko, the term kept across both hops
        ("Vui lòng mang theo thẻ đăng ký người nước ngoài.", "vi", "m2m100"),
    ],
)
def test_glossary_terms_survive_the_engine_as_approved_korean(
    translator: Translator, text: str, source: str, engine: str
) -> None:
    result = translator.translate(text, source, "ko")
    assert result.text == "외국인등록증을 가지고 오세요."
    assert result.engine == engine
    assert result.glossary_terms[0][1] == "외국인등록증"
    assert result.lost_placeholders == ()


def test_without_the_glossary_the_engine_cannot_handle_the_term(
    argos_engine: ArgosEngine,
) -> None:
    bare = Translator([argos_engine])
    result = bare.translate("Please bring your alien registration card.", "en", "ko")
    assert result.text != "외국인등록증을 가지고 오세요."


def test_approved_term_is_written_in_the_residents_language(translator: Translator) -> None:
    result = translator.translate("외국인등록증을 가지고 오세요.", "ko", "vi")
    assert result.text == "Vui lòng mang theo thẻ đăng ký người nước ngoài."


def test_a_number_the_model_drops_is_kept_by_translating_around_it(
    translator: Translator,
) -> None:
    # The tiny en→ko model answers "Please call 02-120-1234." with its greeting phrase, which
    # carries another number (120): the verifier notices, and the retry keeps the real one.
    result = translator.translate("Please call 02-120-1234.", "en", "ko")
    assert "02-120-1234" in result.text
    assert result.retried_spans == ("02-120-1234",)
    assert not result.needs_review


def test_a_number_the_model_keeps_needs_no_retry(translator: Translator) -> None:
    result = translator.translate("Hello, this is the 120 call centre.", "en", "ko")
    assert result.text == "안녕하세요, 120 콜센터입니다."
    assert (result.retried_spans, result.missing_spans) == ((), ())


def test_memory_wins_over_the_engine(
    argos_engine: ArgosEngine, m2m_engine: M2MEngine, glossary: Glossary
) -> None:
    memory = InMemoryTranslationMemory()
    human = "Hồ sơ của bạn đã được tiếp nhận, xin cảm ơn."
    memory.remember("신청이 접수되었습니다.", "ko", "vi", human)
    translator = Translator([argos_engine, m2m_engine], memory=memory, glossary=glossary)
    remembered = translator.translate("신청이  접수되었습니다.", "ko", "vi")  # normalised match
    assert remembered.text == human
    assert remembered.engine == "memory"
    machine = translator.translate("감사합니다.", "ko", "vi")
    assert machine.text == "Cảm ơn."
    assert machine.engine == "m2m100"


def test_long_text_is_split_translated_as_one_batch_and_joined(translator: Translator) -> None:
    text = "I lost my wallet on the bus. Where can I pay a fine?\nThank you."
    result = translator.translate(text, "en", "ko")
    assert result.text == "버스에서 지갑을 잃어버렸어요. 과태료는 어디에서 내나요?\n감사합니다."
