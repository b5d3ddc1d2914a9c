"""What a translation must carry unchanged (numbers, links, approved terms), found and checked.

Real MT models split placeholder tokens (`[0]` becomes `▁[`, `0`, `]`) and drop or reorder
them, so hiding a phone number behind a placeholder makes it more likely to be lost, not less.
relay lets the engine translate the sentence as written and checks afterwards, with the pure
functions here, that each span is in the output:

* numbers (phone, registration and card numbers, plain numbers) are compared as digits, with
  separators and full-width forms ignored: 010-1234-5678 is kept by "010 1234 5678";
* won amounts by their digits as written or by their value (3만 5천원 is kept by "35,000");
* dates part by part, in any order and without leading zeros (2024년 3월 5일 is kept by
  "5/3/2024"; an English month name stands for its number);
* links and e-mail addresses verbatim, ignoring case;
* glossary terms by any of the target language's forms.

A span that is missing can be kept by translating its sentence in pieces around it (see
`split_around` and `join_pieces`): the span itself then never passes through the model.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from languages.glossary import (
    AMOUNT_PATTERN,
    EMAIL_PATTERN,
    URL_PATTERN,
    Glossary,
    format_won,
    parse_won,
    trim_url,
)
from languages.sentences import UNSPACED_LANGUAGES

SpanKind = Literal[
    "url",
    "email",
    "registration",
    "card",
    "document",
    "phone",
    "amount",
    "date",
    "number",
    "term",
]

_MULTIPLIERS = re.compile(r"억|億|亿|만|萬|万|천|千")
_MONTHS_EN = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)

# Order matters: earlier patterns win where spans overlap (a card number is not a phone).
_PATTERNS: tuple[tuple[SpanKind, re.Pattern[str]], ...] = (
    ("url", URL_PATTERN),
    ("email", EMAIL_PATTERN),
    # Korean resident and alien registration numbers: six digits, a dash, seven digits.
    ("registration", re.compile(r"(?<!\d)\d{6}\s?-\s?[1-8]\d{6}(?!\d)")),
    ("card", re.compile(r"(?<!\d)\d{4}(?:[ -]?\d{4}){2}[ -]?\d{3,4}(?!\d)")),
    # Passport and similar document numbers: their letters belong to them (E12345678).
    ("document", re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{1,2}\d{7,8}(?![A-Za-z0-9])")),
    (
        "date",
        re.compile(
            r"\d{4}\s?년\s?\d{1,2}\s?월(?:\s?\d{1,2}\s?일)?|\d{1,2}\s?월\s?\d{1,2}\s?일"
            r"|\d{4}年\d{1,2}月(?:\d{1,2}日)?|\d{1,2}月\d{1,2}[日号]"
            r"|(?<![\d.])\d{4}[-./]\d{1,2}[-./]\d{1,2}(?![\d.])"
        ),
    ),
    ("amount", AMOUNT_PATTERN),
    (
        "phone",
        re.compile(
            r"\+\d{1,3}[\s.-]?(?:\(0\))?\d{1,4}(?:[\s.-]?\d{2,4}){1,3}"
            r"|(?<![\d.,])\(?0\d{1,2}\)?[\s.-]?\d{3,4}[\s.-]?\d{4}(?!\d)"
            r"|(?<![\d.,])1[5-9]\d{2}-\d{4}(?!\d)"
        ),
    ),
    ("number", re.compile(r"\d+(?:[.,:/-]\d+)*")),
)
# Digit groups in a translation: separators (one character, a space included) join groups
# that may together spell one number ("010 1234 5678", "30.000").
_CHAIN = re.compile(r"\d+(?:[\s.,:/'’\-–·]\d+)*")
_DATE_MONTH = re.compile(r"(\d{1,2})\s?[월月]")
_SQUEEZE = re.compile(r"[\s·ㆍ・･.\-]+")
_LEADING_PARTICLE = re.compile(
    r"^(?:으로|로|에서|에게|에|을|를|이|가|은|는|와|과|까지|부터|의|도|만)(?=[^가-힣]|$)"
)


@dataclass(frozen=True)
class Span:
    """One thing a translation must carry: where it is in the source and how it is checked.

    `digits` holds alternatives (any one suffices) for numbers and amounts; `parts` holds the
    numbers of a date, each required; `forms` the texts of a link, address or term, any one
    sufficing. `rendering` is what goes into a `target` translation when the span is kept by
    translating around it: the approved term, the amount written the target's way, else the
    span as written.
    """

    kind: SpanKind
    text: str
    start: int
    end: int
    rendering: str
    digits: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()
    month: str | None = None
    forms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verification:
    """The spans of a source text and those its translation lacks."""

    spans: tuple[Span, ...]
    missing: tuple[Span, ...]

    @property
    def ok(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class Piece:
    """A stretch of a source sentence: text to translate, or a span kept as it is."""

    text: str
    kept: Span | None = None


def ascii_digits(text: str) -> str:
    """The digits of a text in ASCII, whatever script wrote them (full-width included)."""
    return "".join(str(unicodedata.digit(char)) for char in text if char.isdigit())


def find_spans(
    text: str, source: str, target: str, glossary: Glossary | None = None
) -> tuple[Span, ...]:
    """Every span of `text` a `target` translation must carry, in order, without overlaps."""
    found: list[Span] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            raw = match.group(0)
            if kind == "url":
                raw = trim_url(raw)
            found.append(_span(kind, raw, match.start(), match.start() + len(raw), target))
    if glossary is not None:
        for term in glossary.find_terms(text, source):
            approved = term.entry.approved(target)
            if approved is not None:
                forms = term.entry.forms.get(target, ())
                found.append(
                    Span("term", term.text, term.start, term.end, approved, forms=tuple(forms))
                )
    found.sort(key=lambda span: (span.start, -(span.end - span.start)))
    chosen: list[Span] = []
    cursor = 0
    for span in found:
        if span.start >= cursor and span.end > span.start:
            chosen.append(span)
            cursor = span.end
    return tuple(chosen)


def _span(kind: SpanKind, raw: str, start: int, end: int, target: str) -> Span:
    if kind in ("url", "email"):
        return Span(kind, raw, start, end, raw, forms=(raw,))
    if kind == "date":
        month = _DATE_MONTH.search(raw)
        groups = re.findall(r"\d+", raw)
        if month is None and len(groups) == 3:
            month_text: str | None = groups[1]  # 2024-03-05: year, month, day
        else:
            month_text = month.group(1) if month else None
        parts = tuple(_no_zeros(ascii_digits(group)) for group in groups)
        month_value = _no_zeros(ascii_digits(month_text)) if month_text else None
        return Span(kind, raw, start, end, raw, parts=parts, month=month_value)
    if kind == "amount":
        won = parse_won(raw)
        written = ascii_digits(raw)
        alternatives = [] if _MULTIPLIERS.search(raw) else [written]
        if won is not None:
            alternatives.append(str(won))
        rendering = format_won(won, target) if won is not None else raw
        return Span(kind, raw, start, end, rendering, digits=tuple(dict.fromkeys(alternatives)))
    if kind == "number" and len(ascii_digits(raw)) >= 9 and raw.startswith("0"):
        kind = "phone"
    return Span(kind, raw, start, end, raw, digits=(ascii_digits(raw),))


def _no_zeros(digits: str) -> str:
    return digits.lstrip("0") or "0"


def verify(spans: Sequence[Span], translated: str, target: str) -> Verification:
    """Which of `spans` the `target`-language `translated` text does not carry."""
    text = unicodedata.normalize("NFKC", translated)
    chains = [tuple(ascii_digits(g) for g in re.findall(r"\d+", c)) for c in _CHAIN.findall(text)]
    folded = _fold(text)
    words = set(re.findall(r"[a-z]+", text.casefold())) if target == "en" else set()
    months = {str(i + 1) for i, name in enumerate(_MONTHS_EN) if name in words}
    missing = tuple(span for span in spans if not _present(span, chains, folded, months))
    return Verification(tuple(spans), missing)


def check(
    source_text: str,
    translated: str,
    source: str,
    target: str,
    glossary: Glossary | None = None,
) -> Verification:
    """Find the spans of `source_text` and verify `translated` carries them."""
    return verify(find_spans(source_text, source, target, glossary), translated, target)


def _fold(text: str) -> str:
    return _SQUEEZE.sub("", unicodedata.normalize("NFKC", text).casefold())


def _present(span: Span, chains: Sequence[tuple[str, ...]], folded: str, months: set[str]) -> bool:
    """`months`: numbers of the English month names in the output (for dates in English)."""
    if span.forms:
        return any(_fold(form) in folded for form in span.forms if _fold(form))
    if span.parts:
        groups = {_no_zeros(group) for chain in chains for group in chain}
        return all(part in groups or (part == span.month and part in months) for part in span.parts)
    return any(_spelled(number, chains) for number in span.digits)


def _spelled(number: str, chains: Sequence[tuple[str, ...]]) -> bool:
    """True when consecutive digit groups of one chain spell `number` exactly."""
    for chain in chains:
        for first in range(len(chain)):
            spelled = ""
            for group in chain[first:]:
                spelled += group
                if spelled == number:
                    return True
                if len(spelled) >= len(number):
                    break
    return False


def split_around(sentence: str, spans: Sequence[Span], source: str) -> tuple[Piece, ...]:
    """The sentence as pieces to translate and spans to keep; spans must lie in `sentence`.

    A Korean particle right after a kept span (1345로, 센터에) belongs to the span's grammar and
    makes no sense translated alone, so it is left out of the next piece.
    """
    pieces: list[Piece] = []
    cursor = 0
    for span in sorted(spans, key=lambda item: item.start):
        before = sentence[cursor : span.start]
        if source == "ko" and pieces:
            before = _LEADING_PARTICLE.sub("", before)
        if before.strip():
            pieces.append(Piece(before.strip()))
        pieces.append(Piece(span.text, span))
        cursor = span.end
    rest = sentence[cursor:]
    if source == "ko" and pieces:
        rest = _LEADING_PARTICLE.sub("", rest)
    if rest.strip():
        pieces.append(Piece(rest.strip()))
    return tuple(pieces)


def join_pieces(parts: Sequence[str], target: str) -> str:
    """Pieces of a translated sentence joined the way `target` is written."""
    separator = "" if target in UNSPACED_LANGUAGES else " "
    joined = separator.join(part.strip() for part in parts if part.strip())
    return re.sub(r"\s+([.,!?;:。、！？])", r"\1", joined)


def text_outside(text: str, spans: Sequence[Span]) -> str:
    """The text with every span blanked out: what is left for an engine to translate."""
    pieces = []
    cursor = 0
    for span in spans:
        pieces.append(text[cursor : span.start])
        pieces.append(" ")
        cursor = span.end
    pieces.append(text[cursor:])
    return "".join(pieces)
