"""The shipped glossary's data, and protect/restore around what engines do to placeholders."""

from __future__ import annotations

import re
import unicodedata
from types import MappingProxyType

import pytest

from languages.glossary import Glossary, GlossaryEntry, format_won, parse_won


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return Glossary.default()


# ---- the data -------------------------------------------------------------------------------


def test_the_glossary_has_every_term_in_every_language(glossary: Glossary) -> None:
    assert len(glossary.entries) >= 25
    for entry in glossary.entries:
        assert set(entry.forms) == {"ko", "en", "zh", "ja", "vi", "mn"}, entry.key


@pytest.mark.parametrize(
    ("korean", "english"),
    [
        ("재난기본소득", "disaster basic income"),
        ("외국인등록증", "alien registration card"),
        ("건강보험", "national health insurance"),
        ("주민센터", "community service center"),
        ("구청", "district office"),
        ("출입국·외국인청", "Immigration Office"),
        ("120다산콜센터", "120 Dasan Call Center"),
        ("전입신고", "move-in report"),
        ("종량제 봉투", "volume-based waste bag"),
        ("긴급재난문자", "emergency alert text"),
        ("다누리콜센터", "Danuri Call Center"),
        ("외국인력상담센터", "Foreign Workers Counseling Center"),
    ],
)
def test_required_terms(glossary: Glossary, korean: str, english: str) -> None:
    (match,) = glossary.find_terms(korean, "ko")
    assert match.entry.key == korean
    assert match.translations["en"] == english


def _scripts_ok(form: str, allowed: str) -> bool:
    letters = [char for char in form if unicodedata.category(char)[0] == "L"]
    return all(re.match(allowed, char) for char in letters)


def test_each_language_is_written_in_its_own_script(glossary: Glossary) -> None:
    for entry in glossary.entries:
        names = set(entry.forms["en"])  # proper names such as HiKorea and EPS stay Latin
        for language, forms in entry.forms.items():
            for form in forms:
                assert unicodedata.normalize("NFC", form) == form, form
                if form in names:
                    continue
                if language == "ko":
                    assert _scripts_ok(form, "[가-힣]"), form
                elif language == "mn":
                    assert _scripts_ok(form, "[А-Яа-яЁёӨөҮү]"), form
                elif language in ("en", "vi"):
                    assert _scripts_ok(form, r"[A-Za-z\u00c0-\u024f\u1ea0-\u1ef9]"), form


def test_chinese_is_simplified_and_japanese_uses_japanese_forms(glossary: Glossary) -> None:
    for entry in glossary.entries:
        for form in entry.forms["zh"]:
            # GB2312 is the simplified character set: no traditional forms (its middle dot
            # differs from the U+00B7 Chinese text uses, so that one is left out).
            form.replace("·", "").encode("gb2312")
        for form in entry.forms["ja"]:
            form.encode("shift_jis")  # no simplified Chinese forms in Japanese


def test_vietnamese_keeps_its_diacritics(glossary: Glossary) -> None:
    (entry,) = [e for e in glossary.entries if e.key == "외국인등록증"]
    assert entry.approved("vi") == "thẻ đăng ký người nước ngoài"
    assert entry.approved("mn") == "гадаад иргэний бүртгэлийн үнэмлэх"


def test_no_form_belongs_to_two_terms(glossary: Glossary) -> None:
    for language in ("ko", "en", "zh", "ja", "vi", "mn"):
        seen: dict[str, str] = {}
        for entry in glossary.entries:
            for form in entry.forms[language]:
                key = form.casefold()
                assert seen.setdefault(key, entry.key) == entry.key, (language, form)


# ---- finding and protecting ---------------------------------------------------------------


def test_find_terms_reports_positions_and_translations(glossary: Glossary) -> None:
    text = "주민센터에서 외국인등록증을 받으세요"
    found = glossary.find_terms(text, "ko")
    assert [(m.text, m.start, m.end) for m in found] == [
        ("주민센터", 0, 4),
        ("외국인등록증", 7, 13),
    ]
    assert found[1].translations["vi"] == "thẻ đăng ký người nước ngoài"


def test_longest_term_wins(glossary: Glossary) -> None:
    found = glossary.find_terms("건강보험료를 내야 해요. 건강보험 가입은요?", "ko")
    assert [m.entry.key for m in found] == ["건강보험료", "건강보험"]
    protected = glossary.protect("120다산콜센터에 전화하세요", "ko", "en")
    assert protected.text == "[0]에 전화하세요"
    assert protected.spans[0].kind == "term"


def test_korean_terms_do_not_match_inside_other_words(glossary: Glossary) -> None:
    assert glossary.find_terms("시청자 여러분", "ko") == ()  # viewers, not city hall
    assert glossary.find_terms("강남구청장", "ko") == ()  # the district mayor
    assert [m.text for m in glossary.find_terms("서울시청에서 만나요", "ko")] == ["시청"]


def test_korean_terms_take_particles_and_verb_endings(glossary: Glossary) -> None:
    for text in [
        "주민센터에서도 돼요",
        "주민센터입니다",
        "전입신고하시면 됩니다",
        "전입신고를 했어요",
    ]:
        assert len(glossary.find_terms(text, "ko")) == 1, text
    assert glossary.find_terms("유튜브를 시청하다", "ko") == ()  # to watch, not city hall


def test_korean_spacing_and_middle_dots_vary(glossary: Glossary) -> None:
    for text in ["종량제봉투", "종량제 봉투", "종량제  봉투"]:
        assert [m.entry.key for m in glossary.find_terms(text, "ko")] == ["종량제 봉투"]
    for text in ["출입국·외국인청", "출입국ㆍ외국인청", "출입국외국인청"]:
        assert [m.entry.key for m in glossary.find_terms(text, "ko")] == ["출입국·외국인청"]


def test_latin_terms_are_whole_words_any_case_and_plural(glossary: Glossary) -> None:
    found = glossary.find_terms("Two Alien Registration Cards, one ARC.", "en")
    assert [m.text for m in found] == ["Alien Registration Cards", "ARC"]
    assert glossary.find_terms("I searched the archive", "en") == ()
    mongolian = glossary.find_terms("Гадаад иргэний бүртгэлийн үнэмлэх авна", "mn")
    assert [m.entry.key for m in mongolian] == ["외국인등록증"]


@pytest.mark.parametrize(
    "phone",
    [
        "010-1234-5678",
        "010 1234 5678",
        "01012345678",
        "+82 10-1234-5678",
        "02-120",
        "02-2133-7777",
        "031-123-4567",
        "1577-1366",
        "1345",
        "120",
        "119",
    ],
)
def test_phone_numbers_are_protected(glossary: Glossary, phone: str) -> None:
    protected = glossary.protect(f"Call {phone} today", "en", "ko")
    assert protected.text == "Call [0] today"
    assert (protected.spans[0].kind, protected.spans[0].original) == ("phone", phone)


@pytest.mark.parametrize("text", ["I was born in 2024", "about 1200 people", "room 12"])
def test_other_numbers_are_left_to_the_engine(glossary: Glossary, text: str) -> None:
    assert glossary.protect(text, "en", "ko").spans == ()


@pytest.mark.parametrize(
    ("amount", "won"),
    [
        ("30,000원", 30000),
        ("30000원", 30000),
        ("₩30,000", 30000),
        ("30,000 won", 30000),
        ("KRW 30,000", 30000),
        ("3만원", 30000),
        ("3만 5천원", 35000),
        ("1.5만원", 15000),
        ("120万韩元", 1200000),
    ],
)
def test_amounts_are_read(glossary: Glossary, amount: str, won: int) -> None:
    protected = glossary.protect(f"수수료 {amount} 입니다", "ko", "en")
    assert [(s.kind, s.original, s.won) for s in protected.spans] == [("amount", amount, won)]
    assert parse_won(amount) == won


def test_amounts_are_written_for_the_reader() -> None:
    assert format_won(35000, "ko") == "35,000원"
    assert format_won(35000, "en") == "35,000 won"
    assert format_won(35000, "vi") == "35.000 won"
    assert format_won(35000, "zh") == "35,000韩元"
    assert format_won(35000, "ja") == "35,000ウォン"
    assert format_won(35000, "mn") == "35,000 вон"


def test_links_and_email_addresses_are_protected(glossary: Glossary) -> None:
    text = (
        "See https://www.hikorea.go.kr/info?a=1. Or (www.seoul.go.kr) or write to help@seoul.go.kr."
    )
    protected = glossary.protect(text, "en", "ko")
    assert protected.text == "See [0]. Or ([1]) or write to [2]."
    assert [s.original for s in protected.spans] == [
        "https://www.hikorea.go.kr/info?a=1",
        "www.seoul.go.kr",
        "help@seoul.go.kr",
    ]


def test_terms_without_a_target_form_are_left_to_the_engine() -> None:
    entry = GlossaryEntry(MappingProxyType({"ko": ("구청",), "en": ("district office",)}))
    partial = Glossary([entry])
    assert partial.protect("구청에 가요", "ko", "en").text == "[0]에 가요"
    assert partial.protect("구청에 가요", "ko", "vi").text == "구청에 가요"


# ---- restoring ----------------------------------------------------------------------------


def test_round_trip_puts_approved_terms_and_spans_back(glossary: Glossary) -> None:
    source = "I lost my residence card. Call 010-1234-5678, fee ₩30,000."
    protected = glossary.protect(source, "en", "ko")
    assert protected.text == "I lost my [0]. Call [1], fee [2]."
    restored = glossary.restore(
        "[0]를 잃어버렸습니다. [1]로 전화하세요, 수수료 [2].", protected, "ko"
    )
    assert (
        restored.text
        == "외국인등록증을 잃어버렸습니다. 010-1234-5678로 전화하세요, 수수료 30,000원."
    )
    assert restored.lost == ()
    assert restored.terms == (("residence card", "외국인등록증"),)


@pytest.mark.parametrize(
    "mangled", ["[ 0 ]를 잃어버렸습니다", "[0 ]를 잃어버렸습니다", "［0］를 잃어버렸습니다",
                "【0】를 잃어버렸습니다", "［０］를 잃어버렸습니다", "[ ０]를 잃어버렸습니다"],
)  # fmt: skip
def test_restore_tolerates_what_engines_do_to_placeholders(
    glossary: Glossary, mangled: str
) -> None:
    protected = glossary.protect("I lost my alien registration card", "en", "ko")
    restored = glossary.restore(mangled, protected, "ko")
    assert restored.text == "외국인등록증을 잃어버렸습니다"
    assert restored.lost == ()


def test_a_bare_digit_is_not_taken_for_a_placeholder(glossary: Glossary) -> None:
    protected = glossary.protect("I need health insurance and 1 photo", "en", "ko")
    assert protected.text == "I need [0] and 1 photo"
    restored = glossary.restore("0 와 사진 1장이 필요합니다", protected, "ko")
    assert restored.text == "0 와 사진 1장이 필요합니다"
    assert [span.original for span in restored.lost] == ["health insurance"]
    assert restored.terms == ()


def test_unknown_placeholders_and_source_brackets_survive(glossary: Glossary) -> None:
    protected = glossary.protect("See note [3] about 외국인등록증", "ko", "en")
    assert protected.text == "See note [0] about [1]"
    restored = glossary.restore("See note [0] about [1] and [7]", protected, "en")
    assert restored.text == "See note [3] about alien registration card and [7]"


def test_korean_particles_agree_with_the_restored_term(glossary: Glossary) -> None:
    protected = glossary.protect("health insurance, public health center, city hall", "en", "ko")
    assert protected.text == "[0], [1], [2]"
    restored = glossary.restore("[0]가 필요하고 [1]을 방문하고 [2]로 가세요", protected, "ko")
    assert restored.text == "건강보험이 필요하고 보건소를 방문하고 시청으로 가세요"
    seoul = GlossaryEntry(MappingProxyType({"ko": ("서울",), "en": ("Seoul",)}))
    protected = Glossary([seoul]).protect("go to Seoul", "en", "ko")
    assert Glossary([seoul]).restore("[0]으로 가세요", protected, "ko").text == "서울로 가세요"


def test_spaces_engines_add_around_placeholders_in_chinese_are_dropped(glossary: Glossary) -> None:
    protected = glossary.protect("외국인등록증을 잃어버렸어요", "ko", "zh")
    restored = glossary.restore("我丢了 [0] 。", protected, "zh")
    assert restored.text == "我丢了外国人登录证。"


def test_amounts_are_restored_in_the_target_language(glossary: Glossary) -> None:
    protected = glossary.protect("수수료는 3만 5천원입니다", "ko", "vi")
    assert protected.text == "수수료는 [0]입니다"
    assert glossary.restore("Phí là [0].", protected, "vi").text == "Phí là 35.000 won."
