"""Protected terms and do-not-translate spans, applied around any translation engine.

Before translation, glossary terms of the source language and spans no engine should touch
(phone numbers, links, e-mail addresses, won amounts) become placeholders `[0]`, `[1]`, ...;
after translation each placeholder becomes the approved term of the target language, the span
verbatim, or the amount written the target language's way. Real NMT models copy ASCII
bracketed digits through, sometimes as `[ 0 ]` or with fullwidth brackets `［0］`/`【0】` or
fullwidth digits; those are accepted. A bare digit where a placeholder was is never taken for
one: "0" in a translation is just as likely a real number, and guessing would put a term where
it does not belong. Such a placeholder is reported lost, so the caller can flag the translation
instead of silently dropping the term.

Matching rules: Latin and Cyrillic terms match whole words, ignoring case (English also in the
plural with -s); Chinese and Japanese terms match anywhere; Korean terms match when followed by
a non-Hangul character or particles (시청에서, 구청은), but not inside a longer word (시청자 is
"viewer", not "city hall"). Where matches overlap, the earlier wins, then the longer.

Spans: Korean phone numbers in their usual shapes (010-1234-5678, +82 10..., 02-120,
1577-1366) and the short public service numbers (3-digit 1xx such as 112, 119, 120, and 13xx
such as 1345) unless a unit follows; a stray "150" protected this way comes back unchanged, which
costs nothing. Won amounts (30,000원, ₩30,000, 30,000 won, 3만 5천원) are read and written back
in the target language's usual form; links, e-mail addresses, and bracketed numbers already in
the source (so they cannot be mistaken for placeholders) are kept verbatim.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Literal

DEFAULT_GLOSSARY = Path(__file__).parent / "data" / "glossary.tsv"
GLOSSARY_LANGUAGES = ("ko", "en", "zh", "ja", "vi", "mn")

SpanKind = Literal["term", "phone", "url", "email", "amount", "bracket"]

_PARTICLES = (
    "이|가|을|를|은|는|의|에|에서|에게|께|와|과|도|만|로|으로|랑|이랑|하고|까지|부터|보다|처럼|"
    "이나|나|이에요|예요|입니다|이라|라|인|이며|며|요|에서는|에는|으로는|로는|이고|고"
)
_KOREAN_END = rf"(?=[^가-힣]|$|(?:{_PARTICLES})+(?:[^가-힣]|$))"
# 전입신고하시면, 연장했어요: a term turned into a verb with 하다 is still the term. Not for
# two-syllable terms, where it changes the word (시청하다 is "to watch", not a city hall).
_KOREAN_VERB = r"(?=하|해|했|할|합|한|되|된|됩|됐)"

_NUMBER = r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?"
_MULTIPLIER = r"억|億|亿|만|萬|万|천|千"
_CURRENCY = r"원|won|krw|韩元|韓元|ウォン|вон"
#: Won amounts as residents and agents write them (30,000원, ₩30,000, 3만 5천원, 30,000 won);
#: the verifier (verify.py) reads them too.
AMOUNT_PATTERN = re.compile(
    rf"(?:₩|\bKRW)\s?(?:{_NUMBER})|(?<![\d.,])(?:{_NUMBER})\s?(?:(?:{_MULTIPLIER})"
    rf"(?:\s?\d+\s?(?:{_MULTIPLIER}))*\s?)?(?:{_CURRENCY})(?![a-z])",
    re.IGNORECASE,
)
#: Links and e-mail addresses, shared with the verifier.
URL_PATTERN = re.compile(r"(?:https?://|www\.)[^\s<>\"'，。、]+", re.IGNORECASE)
EMAIL_PATTERN = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SPAN_PATTERNS: tuple[tuple[SpanKind, re.Pattern[str]], ...] = (
    ("url", URL_PATTERN),
    ("email", EMAIL_PATTERN),
    ("amount", AMOUNT_PATTERN),
    (
        "phone",
        re.compile(
            r"(?<![\d.,])(?:\+82[\s.-]?(?:\(0\))?\d{1,2}[\s.-]?\d{3,4}[\s.-]?\d{4}"
            r"|\(?0\d{1,2}\)?[\s.-]?\d{3,4}[\s.-]\d{4}|01[016789]\d{7,8}|0\d{1,2}-1\d{2,3}"
            r"|1[5-9]\d{2}-\d{4}|13\d{2}|1\d{2})(?![\d%]|[.,]\d|\s?(?:만|천|억|万|千|億|원|명|개))"
        ),
    ),
    ("bracket", re.compile(r"[\[［【]\s*[0-9０-９]+\s*[\]］】]")),
)
_PLACEHOLDER = re.compile(r"( ?)[\[［【]\s*([0-9０-９]+)\s*[\]］】]( ?)")
_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7a3\uff00-\uffef]")


@dataclass(frozen=True)
class GlossaryEntry:
    """One term in every language: the approved form first, recognised variants after it."""

    forms: Mapping[str, tuple[str, ...]]
    note: str = ""

    @property
    def key(self) -> str:
        """The approved Korean term, which names the entry."""
        return self.forms["ko"][0]

    def approved(self, language: str) -> str | None:
        """The approved form in `language`, or None when the glossary has none."""
        forms = self.forms.get(language)
        return forms[0] if forms else None


@dataclass(frozen=True)
class TermMatch:
    """A glossary term found in a text, where it is, and its approved translations."""

    text: str
    start: int
    end: int
    entry: GlossaryEntry

    @property
    def translations(self) -> Mapping[str, str]:
        return MappingProxyType({lang: forms[0] for lang, forms in self.entry.forms.items()})


@dataclass(frozen=True)
class ProtectedSpan:
    """What one placeholder stands for."""

    index: int
    kind: SpanKind
    original: str
    entry: GlossaryEntry | None = None
    won: int | None = None  # the amount in won, when an amount could be read

    @property
    def placeholder(self) -> str:
        return f"[{self.index}]"

    def replacement(self, target: str) -> str:
        """What goes back into a `target`-language translation in place of the placeholder."""
        if self.entry is not None:
            return self.entry.approved(target) or self.original
        if self.won is not None:
            return format_won(self.won, target)
        return self.original


@dataclass(frozen=True)
class Protected:
    """A text ready for an engine: placeholders in, and what each one stands for."""

    text: str
    spans: tuple[ProtectedSpan, ...]
    source: str
    target: str


@dataclass(frozen=True)
class Restored:
    """A translation with placeholders put back, and the ones the engine lost."""

    text: str
    lost: tuple[ProtectedSpan, ...]
    terms: tuple[tuple[str, str], ...]  # (term as written in the source, approved target term)


def format_won(amount: int, language: str) -> str:
    """A won amount written for a reader of `language` (digits kept, currency word translated)."""
    digits = f"{amount:,}"
    if language == "ko":
        return f"{digits}원"
    if language == "zh":
        return f"{digits}韩元"
    if language == "ja":
        return f"{digits}ウォン"
    if language == "vi":
        return f"{digits.replace(',', '.')} won"
    if language == "mn":
        return f"{digits} вон"
    return f"{digits} won"


def parse_won(text: str) -> int | None:
    """The value of an amount such as 30,000원, ₩30,000, 3만 5천원 or 1.5만원; None if unclear."""
    units = {"억": 10**8, "億": 10**8, "亿": 10**8, "만": 10**4, "萬": 10**4, "万": 10**4}
    units |= {"천": 1000, "千": 1000}
    body = re.sub(rf"(?i)₩|krw|{_CURRENCY}|\s", "", text).replace(",", "")
    total, pending = 0.0, ""
    for char in body:
        if char.isdigit() or char == ".":
            pending += char
        elif char in units and pending:
            total += float(pending) * units[char]
            pending = ""
        else:
            return None
    if pending:
        total += float(pending)
    return round(total) if total == round(total) else None


def _form_body(form: str, language: str) -> str:
    """A regular expression for one glossary form, tolerant of spacing and middle dots."""
    parts = []
    for char in form:
        if char in "·ㆍ・･":
            parts.append(r"[·ㆍ・･.]?\s*")
        elif char.isspace():
            parts.append(r"\s*" if language in ("ko", "zh", "ja") else r"\s+")
        else:
            parts.append(re.escape(char))
    return "".join(parts)


def _terms_pattern(forms: list[str], language: str) -> re.Pattern[str]:
    """One pattern for all forms of a language, longest first, with its boundary rules.

    The boundaries are written once per group rather than once per form: the Korean particle
    lookahead repeated for every form made compiling the glossary take a quarter of a second.
    """
    if not forms:
        return re.compile("(?!)")

    def alternation(group: list[str]) -> str:
        return "|".join(_form_body(form, language) for form in group)

    if language == "ko":
        long_forms = [form for form in forms if len(form) > 2]
        short_forms = [form for form in forms if len(form) <= 2]
        branches = []
        if long_forms:
            branches.append(f"(?:{alternation(long_forms)})(?:{_KOREAN_END}|{_KOREAN_VERB})")
        if short_forms:
            branches.append(f"(?:{alternation(short_forms)}){_KOREAN_END}")
        body = "|".join(branches)
    elif language in ("zh", "ja"):
        body = alternation(forms)
    else:
        plural = "(?:e?s)?" if language == "en" else ""
        body = rf"(?<!\w)(?:{alternation(forms)}){plural}(?!\w)"
    return re.compile(body, re.IGNORECASE)


class Glossary:
    """Approved terms per language and the protect/restore pair that keeps them intact."""

    def __init__(self, entries: Iterable[GlossaryEntry]) -> None:
        self._entries = tuple(entries)
        self._matchers: dict[str, tuple[re.Pattern[str], dict[str, GlossaryEntry]]] = {}
        for language in GLOSSARY_LANGUAGES:
            lookup: dict[str, GlossaryEntry] = {}
            for entry in self._entries:
                for form in entry.forms.get(language, ()):
                    lookup.setdefault(_fold(form), entry)
            forms = sorted(lookup, key=len, reverse=True)
            self._matchers[language] = (_terms_pattern(forms, language), lookup)

    @classmethod
    def from_tsv(cls, path: Path) -> Glossary:
        """Read a glossary file (see data/glossary.tsv for the columns)."""
        with path.open(encoding="utf-8", newline="") as handle:
            rows = [line for line in handle if line.strip() and not line.startswith("#")]
        entries = []
        for row in csv.DictReader(rows, delimiter="\t", quoting=csv.QUOTE_NONE):
            forms = {
                lang: tuple(
                    form.strip() for form in (row.get(lang) or "").split("|") if form.strip()
                )
                for lang in GLOSSARY_LANGUAGES
            }
            forms = {lang: values for lang, values in forms.items() if values}
            if "ko" not in forms:
                raise ValueError(f"{path.name}: a row without a Korean term: {row}")
            entries.append(GlossaryEntry(MappingProxyType(forms), (row.get("note") or "").strip()))
        return cls(entries)

    @classmethod
    def default(cls) -> Glossary:
        """The reviewed glossary shipped with relay."""
        return cls.from_tsv(DEFAULT_GLOSSARY)

    @property
    def entries(self) -> tuple[GlossaryEntry, ...]:
        return self._entries

    def find_terms(self, text: str, language: str) -> tuple[TermMatch, ...]:
        """Glossary terms in a `language` text, in order, with their approved translations."""
        matcher = self._matchers.get(language)
        if matcher is None:
            return ()
        pattern, lookup = matcher
        found = []
        for match in pattern.finditer(text):
            entry = _entry_for(match.group(0), lookup, language)
            if entry is not None:
                found.append(TermMatch(match.group(0), match.start(), match.end(), entry))
        return tuple(found)

    def protect(
        self, text: str, source: str, target: str, *, terms_only: bool = False
    ) -> Protected:
        """Replace terms with a `target` translation and do-not-translate spans by placeholders.

        `terms_only` leaves numbers, amounts, links and addresses in the text for the engine
        (the translator verifies them afterwards, see verify.py) and hides only glossary terms,
        plus bracketed numbers already in the text, which would be mistaken for placeholders.
        """
        candidates: list[tuple[int, int, SpanKind, GlossaryEntry | None]] = [
            (term.start, term.end, "term", term.entry)
            for term in self.find_terms(text, source)
            if term.entry.approved(target) is not None
        ]
        for kind, pattern in _SPAN_PATTERNS:
            if terms_only and kind != "bracket":
                continue
            for match in pattern.finditer(text):
                end = (
                    match.start() + len(trim_url(match.group(0))) if kind == "url" else match.end()
                )
                candidates.append((match.start(), end, kind, None))
        candidates.sort(key=lambda item: (item[0], -(item[1] - item[0])))
        pieces: list[str] = []
        spans: list[ProtectedSpan] = []
        cursor = 0
        for start, end, kind, entry in candidates:
            if start < cursor:
                continue
            original = text[start:end]
            won = parse_won(original) if kind == "amount" else None
            span = ProtectedSpan(len(spans), kind, original, entry, won)
            pieces += [text[cursor:start], span.placeholder]
            spans.append(span)
            cursor = end
        pieces.append(text[cursor:])
        return Protected("".join(pieces), tuple(spans), source, target)

    def restore(
        self, translated_text: str, protected: Protected, target: str | None = None
    ) -> Restored:
        """Put each placeholder's target-language text back; report the ones that are gone."""
        language = target or protected.target
        by_index = {span.index: span for span in protected.spans}
        seen: set[int] = set()

        def put_back(match: re.Match[str]) -> str:
            index = int(unicodedata.normalize("NFKC", match.group(2)))
            span = by_index.get(index)
            if span is None:
                return match.group(0)
            seen.add(index)
            before = _keep_space(match.group(1), translated_text, match.start() - 1, language)
            after = _keep_space(match.group(3), translated_text, match.end(), language)
            return before + span.replacement(language) + after

        text = _PLACEHOLDER.sub(put_back, translated_text)
        if language == "ko":
            text = _fix_particles(text, [span.replacement("ko") for span in protected.spans])
        lost = tuple(span for span in protected.spans if span.index not in seen)
        terms = tuple(
            (span.original, span.replacement(language))
            for span in protected.spans
            if span.kind == "term" and span.index in seen
        )
        return Restored(text, lost, terms)


def _fold(form: str) -> str:
    return unicodedata.normalize("NFC", form).casefold()


def _entry_for(
    found: str, lookup: Mapping[str, GlossaryEntry], language: str
) -> GlossaryEntry | None:
    """The entry a matched text belongs to, despite spacing, dots, case or a plural ending."""
    folded = _fold(found)
    if folded in lookup:
        return lookup[folded]
    squeezed = re.sub(r"[\s·ㆍ・･.]", "", folded)
    for form, entry in lookup.items():
        bare = re.sub(r"[\s·ㆍ・･.]", "", form)
        if squeezed == bare or (language == "en" and squeezed in (bare + "s", bare + "es")):
            return entry
    return None


def trim_url(url: str) -> str:
    """A URL without the sentence punctuation that follows it (a closing ")" unless opened)."""
    while url and url[-1] in ".,;:!?'\"]}>)":
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def _keep_space(space: str, text: str, neighbour: int, language: str) -> str:
    """Drop a space an engine put between a placeholder and Chinese or Japanese text."""
    if not space or language not in ("zh", "ja"):
        return space
    if 0 <= neighbour < len(text) and _CJK.match(text[neighbour]):
        return ""
    return space


_PARTICLE_PAIRS = (("으로", "로"), ("을", "를"), ("이", "가"), ("은", "는"), ("과", "와"))


def _fix_particles(text: str, terms: list[str]) -> str:
    """Make the particle after a restored Korean term agree with its last syllable.

    The engine chose 을/를, 이/가, 은/는, 과/와 or 으로/로 for the placeholder, not for the term
    that replaced it: 외국인등록증를 becomes 외국인등록증을.
    """
    for term in sorted(set(terms), key=len, reverse=True):
        last = term[-1:]
        if not ("가" <= last <= "힣"):
            continue
        final = (ord(last) - 0xAC00) % 28
        for with_final, without in _PARTICLE_PAIRS:
            if with_final == "으로":
                right = with_final if final not in (0, 8) else without  # ㄹ takes 로
            else:
                right = with_final if final else without
            pattern = re.escape(term) + rf"(?:{with_final}|{without})(?=[^가-힣]|$)"
            text = re.sub(pattern, term + right, text)
    return text
