"""The glossary and phrasebook in effect now, in every process, without a restart.

Admins edit both books on the web (relay/agent/books.py); the record keeps them with a version
number per book. Each process keeps one built copy per book (a glossary compiles its patterns,
a phrasebook normalises its search keys) and, before each use, reads the book's version, one
primary-key lookup: when another process saved a change, the copy is rebuilt. No broker, no
signal between processes: the database they already share says what is current. Until a book
is first edited, the file shipped with relay is the book, and it is also the seed copied into
the database by that first edit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from languages.book_rules import answer_content, answer_entry, term_content, term_entry
from languages.glossary import Glossary
from languages.phrasebook import Phrasebook
from transcripts.books import Book, Books, Edition, Entry

T = TypeVar("T")


class _Cached(Generic[T]):
    """One book built for this process, and the version it was built from."""

    def __init__(self, book: Book, books: Books, build: Callable[[Edition], T]) -> None:
        self._book = book
        self._books = books
        self._build = build
        self._lock = threading.Lock()
        self._built: tuple[int, T] | None = None

    def current(self) -> T:
        version = self._books.version(self._book)
        with self._lock:
            if self._built is not None and self._built[0] == version:
                return self._built[1]
        edition = self._books.edition(self._book)
        built = self._build(edition)
        with self._lock:
            self._built = (edition.version, built)
        return built


def _glossary(edition: Edition) -> Glossary:
    if edition.entries is None:
        return Glossary.default()
    return Glossary(term_entry(entry.content) for entry in edition.entries)


def _phrasebook(edition: Edition) -> Phrasebook:
    if edition.entries is None:
        return Phrasebook()
    return Phrasebook.of([answer_entry(entry.key, entry.content) for entry in edition.entries])


def glossary_seed() -> tuple[Entry, ...]:
    """The shipped glossary as the record's entries (the first edit copies them in)."""
    return tuple(
        Entry(entry.key, term_content(entry.forms, entry.note))
        for entry in Glossary.default().entries
    )


def phrasebook_seed() -> tuple[Entry, ...]:
    """The shipped phrasebook as the record's entries."""
    return tuple(
        Entry(entry.id, answer_content(entry.topic, entry.keywords, entry.texts))
        for entry in Phrasebook().entries()
    )


class ReferenceBooks:
    """The current glossary and phrasebook of one app, checked against the record per use."""

    def __init__(self, books: Books) -> None:
        self.record = books
        self._glossary = _Cached("glossary", books, _glossary)
        self._phrasebook = _Cached("phrasebook", books, _phrasebook)

    def glossary(self) -> Glossary:
        return self._glossary.current()

    def phrasebook(self) -> Phrasebook:
        return self._phrasebook.current()
