"""Masking personal data in transcripts before they leave the record (exports, reviews).

Residents dictate their registration numbers, phone numbers and card numbers to the call centre
as a matter of course. An export for quality review or research needs the conversation, not those
numbers, so they are replaced by shapes that keep the text readable ("******-*******") and, for
phone numbers, the last four digits an agent uses to tell numbers apart. Masking is a pure
function of the text, so masked exports are reproducible and testable.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Korean resident and alien registration numbers: YYMMDD-GNNNNNN (G is 1-8; 5-8 for foreigners).
_REGISTRATION = re.compile(r"(?<!\d)(\d{6})\s?-?\s?([1-8]\d{6})(?!\d)")
# Card numbers: 13-19 digits, optionally grouped by spaces or hyphens, passing the Luhn check.
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
# Phone numbers: +82 or 0-prefixed Korean numbers and other international numbers, 9+ digits.
_PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[ -]?)?\(?0?\d{1,3}\)?[ -]?\d{3,4}[ -]?\d{4}(?!\d)")
_EMAIL = re.compile(r"\b([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b")
# Passports: one or two letters then 7-8 digits (Korean M12345678, Chinese E12345678, ...).
_PASSPORT = re.compile(r"(?<![A-Za-z0-9])[A-Z]{1,2}\d{7,8}(?![A-Za-z0-9])")
# Korean bank accounts are written in hyphenated groups whose shape differs by bank
# (110-123-456789, 1002-123-456789, 123456-78-901234, 301-1234-5678-91): 10-14 digits.
_ACCOUNT = re.compile(r"(?<![\d-])\d{2,6}(?:-\d{2,6}){2,3}(?![\d-])")
# Written without hyphens, an account number is told from other long numbers by its label.
_LABELLED_ACCOUNT = re.compile(
    r"(계좌|account|账户|账号|帳戶|口座|tài khoản|данс)(\D{0,20}?)(\d{10,14})(?!\d)", re.IGNORECASE
)

# A name is found only where the text says it is one ("제 이름은 김민수입니다", "My name is
# Nguyen Van An", "我叫王伟"): names have no shape of their own, and masking every capitalised
# word or every two Hangul syllables would mask half of each message.
_NAME_LABEL = (
    r"(?i:성명|이름|name|姓名|名前|氏名|họ và tên|họ tên|нэр)\s*[:：]\s*"
    r"|(?i:제 이름은|my name is|my name's|i am called|我叫|我的名字是|我的名字叫|私の名前は"
    r"|わたしの名前は|tên tôi là|tôi tên là|миний нэрийг|миний нэр)\s*"
)
_NAMES = tuple(
    re.compile(rf"(?P<label>{_NAME_LABEL})(?P<name>{name})")
    for name in (
        r"[가-힣]{2,4}?(?=입니다|이에요|예요|이고|님|씨|\s|[.,!?)]|$)",
        r"[A-ZÀ-ÝĐ][^\s\d.,!?;:()]*(?:[ -][A-ZÀ-ÝĐ][^\s\d.,!?;:()]*){0,3}",
        r"[\u3040-\u30ff\u4e00-\u9fff]{1,8}?(?=です|と申します|[。、，,.!?！？\s]|$)",
        r"[\u4e00-\u9fff]{2,3}",
        r"[А-ЯЁӨҮ][а-яёөү]+(?:[ -][А-ЯЁӨҮ][а-яёөү]+){0,2}",
    )
)


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if not _luhn_valid(digits):
        return match.group(0)
    return "**** **** **** " + digits[-4:]


def _mask_phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if len(digits) < 9:
        return match.group(0)
    return "***-****-" + digits[-4:]


def _mask_account(match: re.Match[str]) -> str:
    groups = match.group(0).split("-")
    digits = sum(len(group) for group in groups)
    # An account has a long group (110-234-567890) or, at NongHyup, two of four digits inside
    # four (301-2345-6789-01); three short groups are a phone number (010-1234-5678), and a
    # date with a suffix (2026-11-30-17) is neither: those are left to their own rules.
    long_group = max(map(len, groups)) >= 5
    nonghyup = len(groups) == 4 and len(groups[1]) == len(groups[2]) == 4
    if not 10 <= digits <= 14 or not (long_group or nonghyup):
        return match.group(0)
    return "***-***-" + groups[-1][-3:].rjust(3, "*")


def _mask_labelled_account(match: re.Match[str]) -> str:
    return f"{match.group(1)}{match.group(2)}***-***-{match.group(3)[-3:]}"


def _mask_name(match: re.Match[str]) -> str:
    return f"{match.group('label')}***"


def _mask_email(match: re.Match[str]) -> str:
    return f"{match.group(1)}***@{match.group(2)}"


_RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (_REGISTRATION, lambda match: "******-*******"),
    (_CARD, _mask_card),
    (_ACCOUNT, _mask_account),
    (_LABELLED_ACCOUNT, _mask_labelled_account),
    (_EMAIL, _mask_email),
    (_PASSPORT, lambda match: "*********"),
    (_PHONE, _mask_phone),
    *((pattern, _mask_name) for pattern in _NAMES),
)


def mask_personal_data(text: str | None) -> str | None:
    """`text` with registration, card, account, passport and phone numbers, e-mail
    addresses and names given as names masked.

    The order matters: a registration number is also 13 digits, so it is masked before cards and
    phones are looked for. Short numbers (120, 1345, amounts, dates) are left alone.
    """
    if not text:
        return text
    for pattern, replace in _RULES:
        text = pattern.sub(replace, text)
    return text


def holds_personal_data(text: str | None) -> bool:
    """True when any masking rule finds something in `text`: a text that names one person's
    numbers or name must not be kept where it would be shown or reused for anyone else."""
    return bool(text) and mask_personal_data(text) != text
