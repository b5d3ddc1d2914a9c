"""SMS segment counting at the exact boundaries, and what Korean handsets can receive."""

from __future__ import annotations

import pytest

from languages import sms
from languages.registry import UnsupportedLanguageError


@pytest.mark.parametrize(
    ("text", "encoding", "segments", "units"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 1, 160),
        ("a" * 161, "GSM-7", 2, 161),
        ("a" * 306, "GSM-7", 2, 306),  # 153 * 2
        ("a" * 307, "GSM-7", 3, 307),
        ("€" * 80, "GSM-7", 1, 160),  # extension characters cost two septets
        ("€" * 81, "GSM-7", 2, 162),
        ("a" * 159 + "{", "GSM-7", 2, 161),
        ("[]{}|~^\\", "GSM-7", 1, 16),
        ("é è ù ì ò Ç Ø Å Δ Ω ñ ü ß", "GSM-7", 1, 25),  # in the basic table
        ("가" * 70, "UCS-2", 1, 70),
        ("가" * 71, "UCS-2", 2, 71),
        ("가" * 134, "UCS-2", 2, 134),  # 67 * 2
        ("가" * 135, "UCS-2", 3, 135),
        ("a" * 159 + "ê", "UCS-2", 3, 160),  # one non-GSM letter makes the whole text UCS-2
        ("😀" * 35, "UCS-2", 1, 70),  # an emoji is a surrogate pair
        ("😀" * 36, "UCS-2", 2, 72),
    ],
)
def test_encoding_and_segments(text: str, encoding: str, segments: int, units: int) -> None:
    analysis = sms.analyse(text)
    assert (analysis.encoding, analysis.segments, analysis.units) == (encoding, segments, units)
    assert analysis.characters == len(text)


def test_an_extension_character_is_not_split_across_parts() -> None:
    # 306 septets, exactly two parts' worth, but "€" (2) cannot take part one's last septet.
    text = "a" * 152 + "€" + "a" * 152
    assert sms.analyse(text).units == 306
    assert sms.analyse(text).segments == 3
    assert sms.analyse("a" * 151 + "€" + "a" * 153).segments == 2


def test_a_surrogate_pair_is_not_split_across_parts() -> None:
    text = "가" * 66 + "😀" + "가" * 66  # 134 units, but the emoji cannot straddle part one
    analysis = sms.analyse(text)
    assert (analysis.units, analysis.segments) == (134, 3)
    assert sms.analyse("가" * 65 + "😀" + "가" * 67).segments == 2


def test_undeliverable_characters_in_order_of_first_appearance() -> None:
    vietnamese = "Bạn cần mang thẻ đăng ký người nước ngoài đến văn phòng."
    assert sms.analyse(vietnamese).undeliverable == (
        "ạ", "ầ", "ẻ", "ă", "ý", "ư", "ờ", "ớ", "à", "ế", "ò",
    )  # fmt: skip
    mongolian = "Үнэмлэхээ авчирна уу. Өглөө ирнэ үү."
    assert sms.analyse(mongolian).undeliverable == ("Ү", "Ө", "ө", "ү")


def test_korean_and_common_text_is_deliverable() -> None:
    for text in [
        "외국인등록증을 가지고 주민센터에 방문하세요.",
        "Please bring your residence card. Fee: 30,000 won",
        "書類をお持ちください。",
        "Здравствуйте",  # Russian Cyrillic is in KS X 1001
    ]:
        analysis = sms.analyse(text)
        assert analysis.undeliverable == (), text
        assert analysis.deliverable_in_korea


def test_simplified_chinese_emoji_and_rare_hangul_are_undeliverable() -> None:
    assert sms.undeliverable_in_korea("请带上外国人登录证") == ("请", "带", "国", "录", "证")
    assert sms.undeliverable_in_korea("감사합니다 🙏") == ("🙏",)
    # 똠 is outside KS X 1001; Python writes it as an 8-byte sequence handsets do not show.
    assert sms.undeliverable_in_korea("똠방각하") == ("똠",)
    assert sms.undeliverable_in_korea("在留カードを持って来てください") == ("ー", "来")


SAMPLE_LINK = "https://relay.example.kr/r/Ab3dE5gH7jK9mN1p"  # 43 characters


@pytest.mark.parametrize("language", ["en", "zh", "ja", "vi", "mn", "ko"])
def test_fallback_notice_is_deliverable_and_one_segment(language: str) -> None:
    notice = sms.fallback_notice(language, SAMPLE_LINK)
    analysis = sms.analyse(notice)
    assert notice.endswith(SAMPLE_LINK)
    assert analysis.undeliverable == ()
    assert analysis.segments == 1
    assert len(SAMPLE_LINK) <= sms.max_link_length(language)


@pytest.mark.parametrize("language", ["en", "zh", "ja", "vi", "mn", "ko"])
def test_max_link_length_is_exact(language: str) -> None:
    budget = sms.max_link_length(language)
    assert sms.analyse(sms.fallback_notice(language, "h" * budget)).segments == 1
    assert sms.analyse(sms.fallback_notice(language, "h" * (budget + 1))).segments == 2
    two = sms.max_link_length(language, segments=2)
    assert sms.analyse(sms.fallback_notice(language, "h" * two)).segments == 2
    assert sms.analyse(sms.fallback_notice(language, "h" * (two + 1))).segments == 3


def test_fallback_notice_is_written_in_the_residents_language() -> None:
    assert sms.fallback_notice("en", SAMPLE_LINK).startswith("The 120 call centre has replied.")
    assert "回答" in sms.fallback_notice("zh", SAMPLE_LINK)
    assert "回答" in sms.fallback_notice("ja", SAMPLE_LINK)
    assert sms.fallback_notice("vi", SAMPLE_LINK).startswith("Tong dai 120 da tra loi")
    assert "хариу" in sms.fallback_notice("mn", SAMPLE_LINK)
    assert "답변" in sms.fallback_notice("ko", SAMPLE_LINK)
    assert sms.analyse(sms.fallback_notice("vi", SAMPLE_LINK)).encoding == "GSM-7"


@pytest.mark.parametrize("link", ["", "https://example.kr/답변", "https://example.kr/a b"])
def test_fallback_notice_refuses_links_that_would_break_it(link: str) -> None:
    with pytest.raises(sms.NoticeLinkError):
        sms.fallback_notice("en", link)


def test_fallback_notice_refuses_unknown_languages() -> None:
    with pytest.raises(UnsupportedLanguageError):
        sms.fallback_notice("fr", SAMPLE_LINK)
