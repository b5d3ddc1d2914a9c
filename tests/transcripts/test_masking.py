"""Personal data is masked in exported transcripts; ordinary numbers are not."""

from __future__ import annotations

import pytest

from transcripts.masking import mask_personal_data


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("제 외국인등록번호는 900101-5123456입니다", "제 외국인등록번호는 ******-*******입니다"),
        ("ARC 9001015123456 please", "ARC ******-******* please"),
        ("Call me on 010-1234-5678.", "Call me on ***-****-5678."),
        ("My number is +82 10 9876 5432", "My number is ***-****-5432"),
        ("Số của tôi 01098765432", "Số của tôi ***-****-5432"),
        ("Card 4111 1111 1111 1111 was charged", "Card **** **** **** 1111 was charged"),
        ("write to minh.nguyen@example.com", "write to m***@example.com"),
        ("passport M12345678", "passport *********"),
        ("제 이름은 김민수입니다.", "제 이름은 ***입니다."),
        ("My name is Nguyen Van An and I lost my card.", "My name is *** and I lost my card."),
        ("Tên tôi là Nguyễn Văn An.", "Tên tôi là ***."),
        ("我叫王伟，我想问签证。", "我叫***，我想问签证。"),
        ("私の名前は田中ゆいです。", "私の名前は***です。"),
        ("Миний нэр Бат-Эрдэнэ байна.", "Миний нэр *** байна."),
        ("Số tài khoản 110234567890 đã xác nhận", "Số tài khoản ****-****-7890 đã xác nhận"),
    ],
)
def test_personal_data_is_masked(text: str, masked: str) -> None:
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "Call 120 or 1345 for an interpreter.",
        "The fee is 30,000 won, due 2026-12-01.",
        "Bus 7016 stops at 3 p.m.",
        "Order 1234 5678 9012 3456 is not a card",  # fails the Luhn check
        "이름을 알려 주세요. What is your name?",  # asking for a name names nobody
        "저는 학생입니다. I am a student.",
        "",
    ],
)
def test_ordinary_numbers_are_kept(text: str) -> None:
    assert mask_personal_data(text) == text


def test_none_stays_none() -> None:
    assert mask_personal_data(None) is None
