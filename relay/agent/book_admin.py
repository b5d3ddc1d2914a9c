"""The admins' editor of a reference book (the glossary, the phrasebook) on the web: list and
search its entries, add, change and delete one, read who changed what.

The two books' pages did the same things in the same order and differed only in what a book
is: its entries and their key, its form's fields and columns, its rules and its Korean words.
So the pages are served here once, from one set of templates, for a `BookPages` that says what
differs (relay/agent/glossary_admin.py, relay/agent/phrasebook_admin.py). Each change, its
history and its audit event are one use case of transcripts.books; every process sees the
change at its next use (relay/books.py).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import Blueprint, flash, redirect, render_template, request, url_for
from markupsafe import Markup

from languages import registry
from relay.agent.access import actor, admin_required
from relay.services import services
from transcripts.books import Book, BookEntryExistsError, Change, Entry

E = TypeVar("E")


@dataclass(frozen=True)
class Cell:
    """One cell of the list: its text, the language it is in, a smaller line under it."""

    text: str
    lang: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class Row:
    """One entry in the list: its key (in links only) and its cells, in the columns' order."""

    key: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Field:
    """One field of the edit form; `rows` 0 is a one-line input, more a text area."""

    name: str
    label: str
    lang: str | None = None
    required: bool = False
    rows: int = 0


@dataclass(frozen=True)
class Submission:
    """A posted form as the book reads it: the entry's key and content, what to search for
    after saving, and what stops the save or the admin should know."""

    key: str
    content: dict[str, Any]
    search: str
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class BookWords:
    """What the pages say about the book, in Korean."""

    title: str  # the list's heading
    hint: Markup  # under the heading
    unedited: str  # while the shipped file is still the book
    search_label: str
    search_placeholder: str
    add: str  # the link to a new entry's form
    empty: str  # no entry matches
    missing: str  # the entry asked for is not in the book
    edit_title: str
    new_title: str
    form_hint: Markup
    history_title: str


class BookPages(ABC, Generic[E]):
    """What one book's pages need to know about it; the pages themselves are `book_blueprint`'s."""

    kind: Book  # names the blueprint (`<kind>_admin`) and the pages' URLs (`/admin/<kind>`)
    list_endpoint: str
    param: str  # the query and form parameter naming an entry
    previous_field: str  # the form's hidden field naming the entry being changed
    max_field_chars: int  # longer than any rule allows, so the rules can say what is wrong
    words: BookWords
    columns: tuple[str, ...]
    fields: tuple[Field, ...]

    @property
    def blueprint(self) -> str:
        return f"{self.kind}_admin"

    @abstractmethod
    def search(self, query: str) -> Sequence[E]:
        """Every entry, or those holding the searched text in any language."""

    @abstractmethod
    def key_of(self, entry: E) -> str: ...

    @abstractmethod
    def cells(self, entry: E) -> tuple[Cell, ...]: ...

    @abstractmethod
    def form_of(self, entry: E) -> dict[str, str]:
        """An entry's values as the form shows them."""

    @abstractmethod
    def read(self, form: dict[str, str], previous: str | None) -> Submission:
        """The posted form checked by the book's rules (languages.book_rules)."""

    @abstractmethod
    def seed(self) -> tuple[Entry, ...]:
        """The shipped file's entries, copied in at the first edit."""

    @abstractmethod
    def exists(self, key: str) -> str:
        """Why a new entry with this key was refused: another one has it."""

    @abstractmethod
    def saved(self, key: str) -> str: ...

    @abstractmethod
    def deleted(self, key: str) -> str: ...

    def undeletable(self, key: str) -> str | None:
        """Why this entry may not be deleted, or None."""
        return None

    def edit_heading(self, key: str | None) -> str | None:
        """What names the entry on its form (None where the key is internal)."""
        return key

    def history_heading(self, key: str | None, changes: Sequence[Change]) -> str | None:
        return key

    def label_of(self, change: Change) -> str:
        """How the history names a changed entry."""
        return change.key

    def topic_label(self, topic: str) -> str:
        return topic


def book_blueprint(pages: BookPages[Any]) -> Blueprint:
    """The book's pages at its URLs: the list, the form, save, delete and the history."""
    bp = Blueprint(pages.blueprint, __name__, url_prefix=f"/admin/{pages.kind}")

    @admin_required
    def listing() -> Any:
        """Every entry in every language, or those holding the searched text in any of them."""
        query = (request.args.get("q") or "")[:200]
        rows = [Row(pages.key_of(e), pages.cells(e)) for e in pages.search(query)]
        edited = services().record.books.edition(pages.kind).entries is not None
        return render_template("admin/book.html", book=pages, rows=rows, query=query, edited=edited)

    @admin_required
    def edit() -> Any:
        """The form for one entry (named by the book's parameter), or an empty one."""
        key = request.args.get(pages.param)
        form = {field.name: "" for field in pages.fields}
        if key is not None:
            entry = next((e for e in pages.search("") if pages.key_of(e) == key), None)
            if entry is None:
                flash(pages.words.missing, "error")
                return _to_list(pages)
            form |= pages.form_of(entry)
        return _form_page(pages, form, key, ())

    @admin_required
    def save() -> Any:
        """Add an entry or save a changed one (the form's hidden field names it)."""
        limit = pages.max_field_chars
        form = {f.name: (request.form.get(f.name) or "")[:limit] for f in pages.fields}
        previous = (request.form.get(pages.previous_field) or "")[:limit] or None
        submitted = pages.read(form, previous)
        if submitted.problems:
            return _form_page(pages, form, previous, submitted.problems, 422)
        try:
            services().record.books.save(
                pages.kind,
                actor(),
                submitted.key,
                submitted.content,
                pages.seed(),
                previous_key=previous,
            )
        except BookEntryExistsError:
            return _form_page(pages, form, previous, (pages.exists(submitted.key),), 422)
        for warning in submitted.warnings:
            flash(warning, "warning")
        flash(pages.saved(submitted.key), "ok")
        return _to_list(pages, q=submitted.search)

    @admin_required
    def delete() -> Any:
        """Delete one entry (kept in the history)."""
        key = (request.form.get(pages.param) or "")[: pages.max_field_chars]
        refusal = pages.undeletable(key)
        if refusal:
            flash(refusal, "error")
            return _to_list(pages)
        services().record.books.delete(pages.kind, actor(), key, pages.seed())
        flash(pages.deleted(key), "ok")
        return _to_list(pages)

    @admin_required
    def history() -> Any:
        """Who changed which entry when, before and after (of one entry with its parameter)."""
        key = request.args.get(pages.param) or None
        changes = services().record.books.history(pages.kind, key)
        return render_template(
            "admin/book_history.html",
            changes=changes,
            key=key,
            heading=pages.history_heading(key, changes),
            label_of=pages.label_of,
            topic_label=pages.topic_label,
            title=pages.words.history_title,
            back=url_for(f"{pages.blueprint}.{pages.list_endpoint}"),
            history_url=f"{pages.blueprint}.history",
            language_names={lang.code: lang.korean_name for lang in registry.ALL_LANGUAGES},
            param=pages.param,
        )

    bp.add_url_rule("", pages.list_endpoint, listing, methods=["GET"])
    bp.add_url_rule("/edit", "edit", edit, methods=["GET"])
    bp.add_url_rule("", "save", save, methods=["POST"])
    bp.add_url_rule("/delete", "delete", delete, methods=["POST"])
    bp.add_url_rule("/history", "history", history, methods=["GET"])
    return bp


def _to_list(pages: BookPages[Any], **args: Any) -> Any:
    return redirect(url_for(f"{pages.blueprint}.{pages.list_endpoint}", **args), code=303)


def _form_page(
    pages: BookPages[Any],
    form: dict[str, str],
    key: str | None,
    problems: tuple[str, ...],
    status: int = 200,
) -> Any:
    page = render_template(
        "admin/book_edit.html",
        book=pages,
        form=form,
        key=key,
        heading=pages.edit_heading(key) if key else None,
        problems=problems,
    )
    return page, status
