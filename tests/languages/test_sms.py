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
CENTRE = sms.Sender("Seoul Dasan Call Centre", "02-120")
LONGEST = sms.Sender("A" * sms.MAX_SENDER_NAME, "+82-2-1234-56789")


@pytest.mark.parametrize("language", ["en", "zh", "ja", "vi", "mn", "ko"])
def test_fallback_notice_is_deliverable_names_the_sender_and_stays_short(language: str) -> None:
    notice = sms.fallback_notice(language, SAMPLE_LINK, CENTRE)
    analysis = sms.analyse(notice)
    assert notice.endswith(SAMPLE_LINK)
    assert "Seoul Dasan Call Centre" in notice and "02-120" in notice
    assert analysis.undeliverable == ()
    # With the longest name and number a setting may hold and a 60-character link: one part
    # in GSM-7 (English, unaccented Vietnamese), two in UCS-2.
    link = "https://" + "h" * (sms.NOTICE_LINK_BUDGET - 8)
    longest = sms.analyse(sms.fallback_notice(language, link, LONGEST))
    assert longest.undeliverable == ()
    assert longest.segments <= (1 if longest.encoding == "GSM-7" else sms.NOTICE_MAX_SEGMENTS)
    waiting = sms.analyse(sms.reply_waiting(language, link, LONGEST))
    assert waiting.undeliverable == ()
    assert waiting.segments <= (1 if waiting.encoding == "GSM-7" else sms.NOTICE_MAX_SEGMENTS)
    assert "02-120" in sms.reply_waiting(language, SAMPLE_LINK, CENTRE)


@pytest.mark.parametrize("language", ["en", "zh", "ja", "vi", "mn", "ko"])
def test_max_link_length_is_exact(language: str) -> None:
    budget = sms.max_link_length(language, CENTRE)
    assert sms.analyse(sms.fallback_notice(language, "h" * budget, CENTRE)).segments == 1
    assert sms.analyse(sms.fallback_notice(language, "h" * (budget + 1), CENTRE)).segments == 2
    two = sms.max_link_length(language, CENTRE, segments=2)
    assert sms.analyse(sms.fallback_notice(language, "h" * two, CENTRE)).segments == 2
    assert sms.analyse(sms.fallback_notice(language, "h" * (two + 1), CENTRE)).segments == 3


def test_fallback_notice_is_written_in_the_residents_language() -> None:
    def notice(language: str) -> str:
        return sms.fallback_notice(language, SAMPLE_LINK, CENTRE)

    assert notice("en").startswith("Seoul Dasan Call Centre (02-120) has replied.")
    assert "回答" in notice("zh")
    assert "回答" in notice("ja")
    assert notice("vi").startswith("Seoul Dasan Call Centre (02-120) da tra loi")
    assert "Хариу" in notice("mn")
    assert "답변" in notice("ko")
    assert sms.analyse(notice("vi")).encoding == "GSM-7"
    assert sms.analyse(notice("en")).encoding == "GSM-7"


@pytest.mark.parametrize("link", ["", "https://example.kr/답변", "https://example.kr/a b"])
def test_fallback_notice_refuses_links_that_would_break_it(link: str) -> None:
    with pytest.raises(sms.NoticeLinkError):
        sms.fallback_notice("en", link, CENTRE)


def test_fallback_notice_refuses_unknown_languages() -> None:
    with pytest.raises(UnsupportedLanguageError):
        sms.fallback_notice("fr", SAMPLE_LINK, CENTRE)


@pytest.mark.parametrize(
    "sender",
    [
        sms.Sender("", "120"),
        sms.Sender("다산콜센터", "120"),  # Latin letters only: every resident reads the same name
        sms.Sender("Tổng đài 120", "120"),  # no tone marks: the Vietnamese notice stays GSM-7
        sms.Sender("A" * (sms.MAX_SENDER_NAME + 1), "120"),
        sms.Sender("120 Call Centre", "12"),
        sms.Sender("120 Call Centre", "call us"),
        sms.Sender("120 Call Centre", "1" * (sms.MAX_SENDER_NUMBER + 1)),
    ],
)
def test_a_sender_a_notice_cannot_carry_is_named(sender: sms.Sender) -> None:
    assert sms.sender_problem(sender) is not None


def test_a_plain_sender_is_accepted() -> None:
    assert sms.sender_problem(CENTRE) is None
    assert sms.sender_problem(LONGEST) is None
