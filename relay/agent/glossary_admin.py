"""The glossary as its admin pages (relay/agent/book_admin.py) see it: a term in six languages
with a note, named by its approved Korean form; the rules for a term are languages.book_rules'.
A term an admin saves is used at the next translation."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from languages import registry
from languages.book_rules import check_term, split_forms, term_content
from languages.glossary import GLOSSARY_LANGUAGES, Glossary, GlossaryEntry
from relay.agent.book_admin import BookPages, BookWords, Cell, Field, Submission, book_blueprint
from relay.books import glossary_seed
from relay.services import services
from transcripts.books import Entry

LANGUAGES = [registry.get(code) for code in GLOSSARY_LANGUAGES]


def _glossary() -> Glossary:
    return services().languages.books.glossary()


class GlossaryPages(BookPages[GlossaryEntry]):
    """A term is named by its approved Korean form, which an edit may change."""

    kind = "glossary"
    list_endpoint = "terms"
    param = "term"
    previous_field = "previous"
    max_field_chars = 2000
    words = BookWords(
        title="용어집 관리",
        hint=Markup(
            "번역할 때 지키는 공공 용어입니다. 첫 표현이 번역에 쓰이고, <code>|</code> 뒤의 "
            "표현은 같은 뜻으로 알아봅니다."
        ),
        unedited="아직 수정된 적이 없어 기본 용어집을 쓰고 있습니다. "
        "처음 저장할 때 기본 용어집이 함께 옮겨집니다.",
        search_label="용어 검색",
        search_placeholder="어느 언어로든",
        add="새 용어 추가",
        empty="맞는 용어가 없습니다.",
        missing="그 용어는 용어집에 없습니다.",
        edit_title="용어 수정",
        new_title="새 용어",
        form_hint=Markup(
            "한 칸에 여러 표현을 쓸 때는 <code>|</code>로 나눕니다. 첫 표현이 번역에 쓰입니다."
        ),
        history_title="용어집 변경 기록",
    )
    columns = (*(lang.korean_name for lang in LANGUAGES), "메모")
    fields = (
        *(Field(lang.code, lang.korean_name, lang.code, lang.code == "ko") for lang in LANGUAGES),
        Field("note", "메모", rows=2),
    )

    def search(self, query: str) -> Sequence[GlossaryEntry]:
        needle = query.strip().casefold()
        return [e for e in _glossary().entries if not needle or _matches(e, needle)]

    def key_of(self, entry: GlossaryEntry) -> str:
        return entry.key

    def cells(self, entry: GlossaryEntry) -> tuple[Cell, ...]:
        forms = (
            Cell(" | ".join(entry.forms.get(lang.code) or ()), lang.code) for lang in LANGUAGES
        )
        return (*forms, Cell(entry.note))

    def form_of(self, entry: GlossaryEntry) -> dict[str, str]:
        return {code: " | ".join(forms) for code, forms in entry.forms.items()} | {
            "note": entry.note
        }

    def read(self, form: dict[str, str], previous: str | None) -> Submission:
        forms = {code: split_forms(form[code]) for code in GLOSSARY_LANGUAGES}
        checked = check_term(forms, form["note"], _glossary(), previous_key=previous)
        key = forms["ko"][0] if forms["ko"] else ""
        return Submission(key, term_content(forms, form["note"]), key, checked.problems)

    def seed(self) -> tuple[Entry, ...]:
        return glossary_seed()

    def exists(self, key: str) -> str:
        return f"한국어 용어 '{key}'은(는) 이미 용어집에 있습니다."

    def saved(self, key: str) -> str:
        return f"용어 '{key}'을(를) 저장했습니다. 다음 번역부터 쓰입니다."

    def deleted(self, key: str) -> str:
        return f"용어 '{key}'을(를) 지웠습니다."


def _matches(entry: GlossaryEntry, needle: str) -> bool:
    haystack = [form for forms in entry.forms.values() for form in forms] + [entry.note]
    return any(needle in value.casefold() for value in haystack)


bp = book_blueprint(GlossaryPages())
