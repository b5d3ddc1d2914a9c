"""The rules for what admins write into the glossary and phrasebook, and their Korean reasons."""

from __future__ import annotations

from languages.book_rules import (
    answer_content,
    answer_entry,
    check_answer,
    check_term,
    punctuation_warnings,
    split_forms,
    split_keywords,
    term_content,
    term_entry,
)
from languages.glossary import Glossary
from languages.phrasebook import Phrasebook

TEXTS = {
    "ko": "2층으로 오세요.",
    "en": "Please come to the second floor.",
    "zh": "请到二楼。",
    "ja": "2階へお越しください。",
    "vi": "Vui lòng lên tầng hai.",
    "mn": "Хоёрдугаар давхарт ирнэ үү.",
}


def test_forms_and_keywords_are_read_as_admins_type_them() -> None:
    assert split_forms(" 구청 | 구 청사 || ") == ("구청", "구 청사")
    assert split_keywords("층, 2층\n안내 ,") == ("층", "2층", "안내")


def test_a_term_round_trips_through_the_record_unchanged() -> None:
    for entry in Glossary.default().entries:
        assert term_entry(term_content(entry.forms, entry.note)) == entry


def test_an_answer_round_trips_through_the_record_unchanged() -> None:
    for entry in Phrasebook().entries():
        content = answer_content(entry.topic, entry.keywords, entry.texts)
        assert answer_entry(entry.id, content) == entry


def test_a_terms_own_forms_are_not_duplicates_when_it_is_edited() -> None:
    glossary = Glossary.default()
    card = next(e for e in glossary.entries if e.key == "외국인등록증")
    assert check_term(card.forms, "", glossary, previous_key="외국인등록증").ok
    clash = check_term(card.forms, "", glossary)
    assert "이미 다른 용어 '외국인등록증'에 있는 표현입니다." in " ".join(clash.problems)


def test_placeholder_like_text_is_refused_in_every_bracket_a_model_writes() -> None:
    glossary = Glossary.default()
    for form in ("카드 [1]", "카드［２］", "카드【0】"):
        checked = check_term({"ko": (form,), "en": ("card",)}, "", glossary)
        assert any("자리표시자" in problem for problem in checked.problems), form
    texts = {**TEXTS, "en": "Hello %s, see {{ name }}"}
    checked = check_answer("floor.second", "floor", ("층",), texts, ())
    assert any("영어 답변에 자리표시자" in problem for problem in checked.problems)


def test_punctuation_a_korean_handset_cannot_show_is_warned_with_a_plain_stand_in() -> None:
    assert punctuation_warnings("vi", "Tầng hai — bên trái") == (
        "베트남어 답변의 '—' (U+2014)은(는) 한국 휴대전화에 문자로 전달되지 않습니다. "
        "'-'(으)로 바꾸세요.",
    )
    curly = punctuation_warnings("en", "It’s on the second floor…")
    assert len(curly) == 2 and all("UCS-2" in warning for warning in curly)
    assert punctuation_warnings("ja", "2階です。「窓口」へ") == ()  # travels in EUC-KR
    checked = check_answer("floor.second", "floor", ("층",), {**TEXTS, "ko": "2층 – 왼쪽"}, ())
    assert checked.ok and len(checked.warnings) == 1


def test_the_shipped_answers_punctuation_travels_by_sms() -> None:
    # The hours were written 09:00–18:00 with an en dash, which a Korean handset cannot show:
    # every English answer went by link instead of as text.
    for entry in Phrasebook().entries():
        for language in ("ko", "en", "zh", "vi", "mn"):
            assert punctuation_warnings(language, entry.texts[language]) == (), entry.id
