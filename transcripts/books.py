"""The books admins edit on the web (the glossary, the phrasebook): entries, versions, history.

relay ships each book as a reviewed file. The first time an admin changes a book, the file's
entries (passed in by the caller as the seed) are copied into the database in the same
transaction as the change; from then on the database is the book. Every change raises the
book's version, which every process compares before using its cached copy, and is kept as a
history row (who, when, before and after) and an audit event.

Entries are plain data here: the language code reads and validates them, and this package never
imports it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from transcripts.agent_actions import audit
from transcripts.db import utcnow
from transcripts.errors import NotFoundError
from transcripts.models import BookEdit, BookEntry, BookVersion, User
from transcripts.policy import Actor, EventKind
from transcripts.uow import UseCases

Book = Literal["glossary", "phrasebook"]
BOOKS: tuple[Book, ...] = ("glossary", "phrasebook")


class BookEntryExistsError(Exception):
    """Another entry of the book already has this key."""

    def __init__(self, key: str) -> None:
        super().__init__(f"an entry named {key!r} already exists")
        self.key = key


class NotAdminError(Exception):
    """Only admins edit the centre's books."""


@dataclass(frozen=True)
class Entry:
    """One entry as stored: its key (a Korean term, an answer's id) and its content."""

    key: str
    content: Mapping[str, Any]
    updated_at: datetime | None = None
    updated_by: str | None = None


@dataclass(frozen=True)
class Edition:
    """A book as a process caches it: its version (0: the shipped file) and its entries
    (None while the shipped file is in effect)."""

    version: int
    entries: tuple[Entry, ...] | None


@dataclass(frozen=True)
class Change:
    """One line of a book's history."""

    id: int
    key: str
    action: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    by: str | None
    at: datetime


class Books(UseCases):
    """Reading and changing the edited books, one transaction each."""

    def version(self, book: Book) -> int:
        """The book's version; 0 while the file shipped with relay is in effect. One primary-key
        read: cheap enough to ask before every use of a cached copy."""
        with self._uow.read() as session:
            return session.scalar(select(BookVersion.version).where(BookVersion.book == book)) or 0

    def edition(self, book: Book) -> Edition:
        """The book's version and, once edited, all its entries in their order."""
        with self._uow.read() as session:
            version = session.scalar(select(BookVersion.version).where(BookVersion.book == book))
            if version is None:
                return Edition(0, None)
            rows = session.execute(
                select(BookEntry, User.username)
                .outerjoin(User, User.id == BookEntry.updated_by_id)
                .where(BookEntry.book == book)
                .order_by(BookEntry.position, BookEntry.id)
            ).all()
            entries = tuple(
                Entry(row.key, dict(row.content), row.updated_at, name) for row, name in rows
            )
            return Edition(version, entries)

    def save(
        self,
        book: Book,
        actor: Actor,
        key: str,
        content: Mapping[str, Any],
        seed: Sequence[Entry],
        *,
        previous_key: str | None = None,
    ) -> Change:
        """Add an entry (`previous_key` None) or change one, renaming it when its key changed.

        BookEntryExistsError when another entry has `key`; NotFoundError when the entry to
        change is gone (another admin deleted it meanwhile)."""
        with self._uow.write() as session:
            _require_admin(actor)
            version = _seeded(session, book, seed)
            existing = _entry(session, book, key)
            if previous_key is None:
                if existing is not None:
                    raise BookEntryExistsError(key)
                last = session.scalar(
                    select(func.max(BookEntry.position)).where(BookEntry.book == book)
                )
                row = BookEntry(book=book, key=key, position=(last or 0) + 1, content={})
                session.add(row)
                before = None
            else:
                found = _entry(session, book, previous_key)
                if found is None:
                    raise NotFoundError(f"{book} entry {previous_key!r} not found")
                if existing is not None and existing.id != found.id:
                    raise BookEntryExistsError(key)
                row, before = found, {"key": found.key, **found.content}
            row.key = key
            row.content = dict(content)
            row.updated_at = utcnow()
            row.updated_by_id = actor.user_id
            action = "added" if before is None else "changed"
            return _changed(
                session, version, book, actor, key, action, before, {"key": key, **content}
            )

    def delete(self, book: Book, actor: Actor, key: str, seed: Sequence[Entry]) -> Change:
        """Remove an entry; NotFoundError when it is not in the book."""
        with self._uow.write() as session:
            _require_admin(actor)
            version = _seeded(session, book, seed)
            found = _entry(session, book, key)
            if found is None:
                raise NotFoundError(f"{book} entry {key!r} not found")
            before = {"key": found.key, **found.content}
            session.delete(found)
            return _changed(session, version, book, actor, key, "deleted", before, None)

    def history(
        self, book: Book, key: str | None = None, *, limit: int = 200
    ) -> tuple[Change, ...]:
        """The book's changes (of one entry), newest first."""
        with self._uow.read() as session:
            query = (
                select(BookEdit, User.username)
                .outerjoin(User, User.id == BookEdit.user_id)
                .where(BookEdit.book == book)
            )
            if key is not None:
                query = query.where(BookEdit.key == key)
            rows = session.execute(query.order_by(BookEdit.id.desc()).limit(limit)).all()
            return tuple(
                Change(e.id, e.key, e.action, e.before, e.after, name, e.created_at)
                for e, name in rows
            )


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise NotAdminError("only admins edit the glossary and the phrasebook")


def _entry(session: Session, book: Book, key: str) -> BookEntry | None:
    return session.scalar(select(BookEntry).where(BookEntry.book == book, BookEntry.key == key))


def _seeded(session: Session, book: Book, seed: Sequence[Entry]) -> BookVersion:
    """The book's version row, locked for this transaction (two admins saving at once on
    PostgreSQL must not both raise it to the same number, or a process could keep a copy that
    lacks one of the changes), copying the shipped file's entries in on the first edit."""
    version = session.get(BookVersion, book, with_for_update=True)
    if version is not None:
        return version
    for position, entry in enumerate(seed, start=1):
        session.add(
            BookEntry(book=book, key=entry.key, position=position, content=dict(entry.content))
        )
    version = BookVersion(book=book, version=0)
    session.add(version)
    session.flush()
    return version


def _changed(
    session: Session,
    version: BookVersion,
    book: Book,
    actor: Actor,
    key: str,
    action: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> Change:
    """Raise the version and keep the change as history and as an audit event."""
    version.version += 1
    edit = BookEdit(
        book=book,
        key=key,
        action=action,
        before=dict(before) if before is not None else None,
        after=dict(after) if after is not None else None,
        user_id=actor.user_id,
        created_at=utcnow(),
    )
    session.add(edit)
    session.flush()
    audit(session, EventKind.BOOK_CHANGED, None, actor.user_id, book=book, key=key, action=action)
    name = session.scalar(select(User.username).where(User.id == actor.user_id))
    return Change(edit.id, key, action, edit.before, edit.after, name, edit.created_at)
