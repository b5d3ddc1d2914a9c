"""What an admin may write into the glossary and the phrasebook, said in Korean.

The shipped files are reviewed like code; an entry edited on the web is checked here instead,
before it can reach a translation or a resident: nothing empty, nothing too long, no duplicate
term, nothing that looks like the placeholders the translator puts in a text (a term holding
`[0]` would be mistaken for one), and punctuation that travels by SMS. Problems stop the save;
warnings (an en dash a Korean handset cannot show, a curly quote that makes an English SMS
twice as long) are shown to the admin, who may keep the text.

The entries also travel as plain data (`content`) to the record, which stores them without
reading them; the two conversions are here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from languages import registry
from languages.glossary import GLOSSARY_LANGUAGES, Glossary, GlossaryEntry
from languages.phrasebook import LANGUAGE_ORDER, PhrasebookEntry
from languages.sms import is_gsm7, undeliverable_in_korea

MAX_TERM_CHARS = 100
MAX_NOTE_CHARS = 500
MAX_ANSWER_CHARS = 1000
MAX_KEYWORD_CHARS = 50
MAX_KEYWORDS = 20
MAX_TOPIC_CHARS = 40

_ANSWER_ID = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)+")
#: Bracketed digits (the translator's own placeholders, in any bracket a model writes back),
#: template fields and printf fields: none belongs in a reviewed text.
_PLACEHOLDER_LIKE = re.compile(
    r"[\[［【]\s*[0-9０-９]+\s*[\]］】]|\{\{|\}\}|\{[A-Za-z0-9_]*\}|%[sd]|\$\{", re.UNICODE
)
#: ASCII stand-ins an admin can type instead of punctuation SMS cannot carry well.
_PLAIN_PUNCTUATION = {
    "–": "-",
    "—": "-",
    "―": "-",
    "‐": "-",
    "−": "-",
    "…": "...",
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "•": "-",
    "・": "·",
    "\u00a0": " ",
}


@dataclass(frozen=True)
class Checked:
    """The outcome of checking one entry: what stops the save, and what the admin should see."""

    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def split_forms(cell: str) -> tuple[str, ...]:
    """A form field as admins type it, like the glossary file's cells: "approved | variant"."""
    return tuple(form.strip() for form in cell.split("|") if form.strip())


def split_keywords(cell: str) -> tuple[str, ...]:
    """Keywords typed one per line or separated by commas."""
    return tuple(word.strip() for word in re.split(r"[,\n]", cell) if word.strip())


def _name(code: str) -> str:
    return registry.get(code).korean_name


def _placeholder_problem(where: str, text: str) -> str | None:
    found = _PLACEHOLDER_LIKE.search(text)
    if found is None:
        return None
    return (
        f"{where}에 자리표시자처럼 보이는 '{found.group(0)}'이(가) 있습니다. "
        "번역기가 쓰는 표시와 헷갈리므로 지워 주세요."
    )


def check_term(
    forms: Mapping[str, Sequence[str]],
    note: str,
    glossary: Glossary,
    *,
    previous_key: str | None = None,
) -> Checked:
    """Problems with a glossary term before it is saved: a Korean term is required, every form
    is short and free of placeholders, and no form is already another term's in that language
    (the term being edited, named by `previous_key`, may keep its own)."""
    problems: list[str] = []
    if not forms.get("ko"):
        problems.append("한국어 용어를 입력해 주세요.")
    if not any(forms.get(code) for code in GLOSSARY_LANGUAGES if code != "ko"):
        problems.append("번역할 언어의 용어를 하나 이상 입력해 주세요.")
    taken = _forms_in_use(glossary, previous_key)
    for code in GLOSSARY_LANGUAGES:
        for form in forms.get(code, ()):
            where = f"{_name(code)} '{form[:20]}'"
            if len(form) > MAX_TERM_CHARS:
                problems.append(f"{where}: 용어가 너무 깁니다 ({MAX_TERM_CHARS}자까지).")
            if (problem := _placeholder_problem(f"{_name(code)} 용어", form)) is not None:
                problems.append(problem)
            owner = taken.get((code, _fold(form)))
            if owner is not None:
                problems.append(f"{where}: 이미 다른 용어 '{owner}'에 있는 표현입니다.")
    if len(note) > MAX_NOTE_CHARS:
        problems.append(f"메모가 너무 깁니다 ({MAX_NOTE_CHARS}자까지).")
    return Checked(tuple(dict.fromkeys(problems)))


def _fold(form: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", form)).strip().casefold()


def _forms_in_use(glossary: Glossary, except_key: str | None) -> dict[tuple[str, str], str]:
    taken: dict[tuple[str, str], str] = {}
    for entry in glossary.entries:
        if entry.key == except_key:
            continue
        for code, values in entry.forms.items():
            for form in values:
                taken.setdefault((code, _fold(form)), entry.key)
    return taken


def check_answer(
    entry_id: str,
    topic: str,
    keywords: Sequence[str],
    texts: Mapping[str, str],
    existing_ids: Iterable[str],
    *,
    editing: bool = False,
) -> Checked:
    """Problems with a phrasebook answer before it is saved, and warnings about punctuation
    that will not travel well by SMS."""
    problems: list[str] = []
    if not _ANSWER_ID.fullmatch(entry_id):
        problems.append(
            "식별자는 'topic.name'처럼 영문 소문자, 숫자, 밑줄을 점으로 이어 써 주세요."
        )
    elif not editing and entry_id in set(existing_ids):
        problems.append(f"식별자 '{entry_id}'은(는) 이미 쓰이고 있습니다.")
    if not topic.strip():
        problems.append("주제를 입력해 주세요.")
    elif len(topic) > MAX_TOPIC_CHARS:
        problems.append(f"주제가 너무 깁니다 ({MAX_TOPIC_CHARS}자까지).")
    if not keywords:
        problems.append("검색어를 하나 이상 입력해 주세요.")
    if len(keywords) > MAX_KEYWORDS:
        problems.append(f"검색어가 너무 많습니다 ({MAX_KEYWORDS}개까지).")
    if any(len(word) > MAX_KEYWORD_CHARS for word in keywords):
        problems.append(f"검색어가 너무 깁니다 ({MAX_KEYWORD_CHARS}자까지).")
    warnings: list[str] = []
    for code in LANGUAGE_ORDER:
        text = texts.get(code, "").strip()
        if not text:
            problems.append(f"{_name(code)} 답변을 입력해 주세요.")
            continue
        if len(text) > MAX_ANSWER_CHARS:
            problems.append(f"{_name(code)} 답변이 너무 깁니다 ({MAX_ANSWER_CHARS}자까지).")
        if (problem := _placeholder_problem(f"{_name(code)} 답변", text)) is not None:
            problems.append(problem)
        warnings.extend(punctuation_warnings(code, text))
    return Checked(tuple(problems), tuple(warnings))


def punctuation_warnings(language: str, text: str) -> tuple[str, ...]:
    """Punctuation a Korean handset will not show (an en dash, a bullet), and in English,
    punctuation outside GSM-7 that makes the SMS go as UCS-2 (70 characters a part, not 160)."""
    marks = [c for c in dict.fromkeys(text) if unicodedata.category(c)[0] in "PSZ" and c != " "]
    undeliverable = set(undeliverable_in_korea("".join(marks)))
    found: list[str] = []
    for mark in marks:
        plain = _PLAIN_PUNCTUATION.get(mark)
        instead = f" '{plain}'(으)로 바꾸세요." if plain else " 다른 문장부호로 바꾸세요."
        label = f"'{mark}' (U+{ord(mark):04X})"
        if mark in undeliverable:
            found.append(
                f"{_name(language)} 답변의 {label}은(는) 한국 휴대전화에 문자로 전달되지 않습니다."
                + instead
            )
        elif language == "en" and not is_gsm7(mark):
            found.append(
                f"영어 답변의 {label} 때문에 문자가 UCS-2로 보내져 길이가 절반으로 줄어듭니다."
                + instead
            )
    return tuple(found)


def term_content(forms: Mapping[str, Sequence[str]], note: str) -> dict[str, Any]:
    """A glossary term as the record stores it."""
    return {
        "forms": {code: list(forms[code]) for code in GLOSSARY_LANGUAGES if forms.get(code)},
        "note": note.strip(),
    }


def term_entry(content: Mapping[str, Any]) -> GlossaryEntry:
    """A stored glossary term back as the translator reads it."""
    forms = {code: tuple(values) for code, values in content["forms"].items() if values}
    return GlossaryEntry(MappingProxyType(forms), str(content.get("note") or ""))


def answer_content(topic: str, keywords: Sequence[str], texts: Mapping[str, str]) -> dict[str, Any]:
    """A phrasebook answer as the record stores it."""
    return {
        "topic": topic.strip(),
        "keywords": list(keywords),
        "texts": {code: texts[code].strip() for code in LANGUAGE_ORDER},
    }


def answer_entry(entry_id: str, content: Mapping[str, Any]) -> PhrasebookEntry:
    """A stored phrasebook answer back as the picker reads it."""
    return PhrasebookEntry(
        id=entry_id,
        topic=str(content["topic"]),
        keywords=tuple(content["keywords"]),
        texts=MappingProxyType({code: str(content["texts"][code]) for code in LANGUAGE_ORDER}),
    )
