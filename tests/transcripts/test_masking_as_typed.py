"""Personal data is masked the way residents really type it, in each of the six languages.

Chinese and Japanese input methods give full-width digits and dashes, Vietnamese residents
group digits with dots, foreign numbers carry country codes, and passports come in either case
and, for some countries, as nine digits. Each sample below leaked before masking knew it.
"""

from __future__ import annotations

import pytest

from transcripts.masking import holds_personal_data, mask_personal_data


@pytest.mark.parametrize(
    ("text", "secret", "kept"),
    [
        # Korean
        ("제 번호는 010–1234–5678입니다", "1234", "5678"),
        ("외국인등록번호 900101—5123456 입니다", "5123456", ""),
        ("국민은행 123456-78-901234로 보냈어요", "123456-78-90", "1234"),
        ("신한 110-123-456789 계좌입니다", "110-123-45", "6789"),
        ("여권번호는 123456789 입니다", "123456789", ""),
        # English
        ("My US number is +1 (212) 555-0123", "555", "0123"),
        ("passport number 512345678, thanks", "512345678", ""),
        ("my passport is m12345678", "m12345678", ""),
        ("card 4111.1111.1111.1111 was charged twice", "4111.1111", "1111"),
        # Chinese
        ("我的手机号是１３８１２３４５６７８", "１３８１２３４", "5678"),
        ("请打 +86 138 1234 5678 联系我", "138 1234", "5678"),
        ("护照号码 E12345678", "E12345678", ""),
        ("邮箱 wang.li＠example.cn", "wang.li", ""),
        # Japanese
        ("電話番号は０９０－１２３４－５６７８です", "１２３４", "5678"),
        ("携帯は090ー1234ー5678です", "1234", "5678"),
        ("+81 90-1234-5678 にお願いします", "90-1234", "5678"),
        ("パスポート番号 TK1234567", "TK1234567", ""),
        # Vietnamese
        ("Số điện thoại của tôi là 0912.345.678", "0912.345", "678"),
        ("Gọi cho tôi: +84 912 345 678", "912 345", "678"),
        ("Số hộ chiếu: c1234567", "c1234567", ""),
        # Mongolian
        ("Миний утас +976 9911 2233", "9911", "2233"),
        ("Паспортын дугаар E1234567", "E1234567", ""),
        # a date and a phone side by side
        ("2026-12-01 010-1234-5678 연락주세요", "1234-5678", "5678"),
    ],
)
def test_numbers_as_residents_type_them_are_masked(text: str, secret: str, kept: str) -> None:
    masked = mask_personal_data(text)
    assert masked is not None and secret not in masked, masked
    assert kept in masked
    assert holds_personal_data(text)


@pytest.mark.parametrize(
    "text",
    [
        "Phí là 1.500.000 đồng, hạn 2026.12.01.",
        "费用是 150 000 000 韩元",
        "수수료는 30,000원이고 마감은 2026-12-01입니다.",
        "バスは 7016 番、午後3時です。",
        "120 다산콜센터 또는 1345로 전화하세요.",
        "Хураамж 50,000 вон, 2026.12.01-нд.",
        "Room 1203, building 4",
    ],
)
def test_amounts_dates_and_service_numbers_are_kept(text: str) -> None:
    assert mask_personal_data(text) == text
    assert not holds_personal_data(text)
