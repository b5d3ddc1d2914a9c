"""Masking personal data in transcripts before anyone reads them (pages, exports, reviews).

Residents dictate their registration numbers, phone numbers and card numbers to the call centre
as a matter of course, and type them the way their own keyboards do: Chinese and Japanese input
methods give full-width digits and dashes, Vietnamese residents group with dots
(0912.345.678), many write en or em dashes, and foreign numbers carry their country codes
(+84, +976, +86, +81, +1). Masking replaces each with a shape that keeps the text readable
("******-*******") and, for phone, card and account numbers, the last four digits an agent uses
to tell numbers apart. It is a pure function of the text, so masked pages and exports are
reproducible and testable.

Ordinary numbers stay: service numbers (120, 1345), amounts (30,000 won; 1.500.000 đồng), dates
(2026-12-01, 2026.12.01), bus numbers. A false mask costs a reveal; a missed one leaks a person.
"""

from __future__ import annotations

import re
from collections.abc import Callable

#: What residents put between digit groups: spaces, hyphens and every dash their keyboards make
#: (en, em, minus, full-width hyphen, the katakana long-vowel mark Japanese IMEs give for "-"),
#: and dots, half and full width.
_SEP = r"[ \u00a0\u3000\-\u2010-\u2015\u2212\ufe63\uff0d\u30fc.\uff0e\u30fb]"
_DIGIT = r"\d"  # in a str pattern \d is any Unicode decimal digit, full-width ones included

# Korean resident and alien registration numbers: YYMMDD-GNNNNNN (G is 1-8; 5-8 for foreigners).
_REGISTRATION = re.compile(rf"(?<!\d)\d{{6}} ?{_SEP}? ?[1-8]\d{{6}}(?!\d)")
# A run of digit groups: a candidate card, phone or account number, judged by `_mask_number`.
_NUMBER = re.compile(
    rf"(?<![A-Za-z\d+＋])(?:[+＋] ?)?\(?{_DIGIT}"
    rf"(?:{_SEP}{{0,2}}\(?\)?{_SEP}?{_DIGIT}){{6,22}}(?!\d)"
)
_EMAIL = re.compile(
    r"(?<![\w.%+-])([\w%+-])[\w.%+-]*[@＠]([A-Za-z0-9-]+(?:[.．][A-Za-z0-9-]+)*[.．][A-Za-z]{2,})\b"
)
# Passports: one or two letters then 7-8 digits (Korean M12345678, Chinese E12345678, Japanese
# TK1234567), either case.
_PASSPORT = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{1,2}\d{7,8}(?![A-Za-z0-9])")
# Passports that are digits only (9 digits, as the United States issues) are told from other
# numbers by the word before them, in the six languages.
_PASSPORT_BY_WORD = re.compile(
    r"(passport|여권|护照|護照|パスポート|旅券|hộ chiếu|ho chieu|паспорт)"
    r"([^\d\n]{0,20}?)(?<![A-Za-z0-9])[A-Za-z]{0,2}\d{7,9}(?![A-Za-z0-9])",
    re.IGNORECASE,
)

# Written as one run of 12-14 digits, an account number is told from other long numbers by the
# word before it (a run of 9-11 digits starting 0 or 1 is masked as a phone number anyway).
_ACCOUNT_BY_WORD = re.compile(
    r"(계좌|account|账户|账号|帳戶|口座|tài khoản|tai khoan|данс)([^\d\n]{0,20}?)(\d{12,14})(?!\d)",
    re.IGNORECASE,
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

PASSPORT_MASK = "*********"
REGISTRATION_MASK = "******-*******"
NAME_MASK = "***"


def _digits(text: str) -> str:
    """The ASCII digits of `text`, full-width ones converted (int() reads any decimal digit)."""
    return "".join(str(int(char)) for char in text if char.isdecimal())


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _groups(text: str) -> list[str]:
    return [group for group in re.split(rf"(?:{_SEP}|[()+＋])+", text) if group]


def _is_grouped_amount(text: str) -> bool:
    """1.500.000 or 150 000 000: thousands, not a number to hide."""
    groups = _groups(text)
    return (
        len(groups) > 1
        and 1 <= len(groups[0]) <= 3
        and all(len(group) == 3 for group in groups[1:])
        and not text.lstrip().startswith(("+", "＋", "0", "０"))
    )


def _classify(text: str) -> str | None:
    """One digit run's mask: a card (13-19 digits passing Luhn), a phone (a country code, or
    9-11 digits starting 0 or 1, as Korean, Chinese and Japanese numbers do), an account (10-14
    digits in three or more groups joined by dashes or dots, as banks print them), or None
    (dates, amounts, order numbers)."""
    digits = _digits(text)
    international = text.lstrip("(").startswith(("+", "＋"))
    if 13 <= len(digits) <= 19 and not international and _luhn_valid(digits):
        return "**** **** **** " + digits[-4:]
    if _is_grouped_amount(text):
        return None
    if international and 9 <= len(digits) <= 15:
        return "***-****-" + digits[-4:]
    if 9 <= len(digits) <= 11 and digits[0] in "01":
        return "***-****-" + digits[-4:]
    if 10 <= len(digits) <= 14 and len(_groups(text)) >= 3 and not re.search(r"\s", text):
        return "****-****-" + digits[-4:]
    return None


def _mask_number(match: re.Match[str]) -> str:
    """Mask a digit run, or the numbers inside it: a date and a phone number written side by
    side ("2026-12-01 010-1234-5678") form one run, so when the whole is none of the kinds, the
    longest leading part (up to a space) that is one is masked, and the rest looked at again."""
    pieces = re.split(r"(\s+)", match.group(0))  # numbers at even indexes, spaces between
    out: list[str] = []
    start = 0
    while start < len(pieces):
        for end in range(len(pieces), start, -2):
            masked = _classify("".join(pieces[start:end]))
            if masked is not None:
                out.append(masked)
                break
        else:
            end = start + 1
            out.append(pieces[start])
        out.append("".join(pieces[end : end + 1]))  # the space after, if any
        start = end + 1
    return "".join(out)


def _mask_email(match: re.Match[str]) -> str:
    return f"{match.group(1)}***@{match.group(2)}"


def _mask_passport_by_word(match: re.Match[str]) -> str:
    return f"{match.group(1)}{match.group(2)}{PASSPORT_MASK}"


def _mask_account_by_word(match: re.Match[str]) -> str:
    return f"{match.group(1)}{match.group(2)}****-****-{match.group(3)[-4:]}"


def _mask_name(match: re.Match[str]) -> str:
    return f"{match.group('label')}{NAME_MASK}"


_RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (_REGISTRATION, lambda match: REGISTRATION_MASK),
    (_EMAIL, _mask_email),
    (_PASSPORT_BY_WORD, _mask_passport_by_word),
    (_PASSPORT, lambda match: PASSPORT_MASK),
    (_ACCOUNT_BY_WORD, _mask_account_by_word),
    (_NUMBER, _mask_number),
    *((pattern, _mask_name) for pattern in _NAMES),
)


def mask_personal_data(text: str | None) -> str | None:
    """`text` with registration, card, account, passport and phone numbers, e-mail
    addresses and names given as names masked.

    The order matters: a registration number is also 13 digits, so it is masked before cards
    and phones are looked for, and a passport named as one before its digits could pass for a
    phone number. Short numbers (120, 1345, amounts, dates) are left alone.
    """
    if not text:
        return text
    for pattern, replace in _RULES:
        text = pattern.sub(replace, text)
    return text


def holds_personal_data(text: str | None) -> bool:
    """Whether masking would change `text`: it holds a number or address to keep private."""
    return bool(text) and mask_personal_data(text) != text


def mask_contact_phone(phone: str) -> str:
    """A resident's number as lists and exports show it: all but the last four digits hidden
    (the last four are how an agent tells two residents apart on the phone)."""
    return "*" * max(len(phone) - 4, 0) + phone[-4:]
