"""The edited books in the record: seeded from the shipped file on the first edit, a version
raised by every change, and a history of who changed what, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from transcripts.books import BookEntryExistsError, Entry, NotAdminError
from transcripts.errors import NotFoundError
from transcripts.models import Event, Role
from transcripts.policy import Actor, EventKind
from transcripts.record import Record

SEED = (
    Entry("구청", {"forms": {"ko": ["구청"], "en": ["district office"]}, "note": ""}),
    Entry("시청", {"forms": {"ko": ["시청"], "en": ["city hall"]}, "note": ""}),
)


def admin(record: Record, name: str = "keeper") -> Actor:
    user = record.accounts.create(name, Role.ADMIN, "not a real hash")
    return Actor(user.id, is_admin=True)


def test_a_book_never_edited_is_the_shipped_file(record: Record) -> None:
    assert record.books.version("glossary") == 0
    edition = record.books.edition("glossary")
    assert edition.entries is None and edition.version == 0
    assert record.books.history("glossary") == ()


def test_the_first_edit_copies_the_seed_in_and_each_change_raises_the_version(
    record: Record,
) -> None:
    keeper = admin(record)
    term = {"forms": {"ko": ["보건소"], "en": ["public health center"]}, "note": ""}
    added = record.books.save("glossary", keeper, "보건소", term, SEED)
    assert (added.action, added.before, added.by) == ("added", None, "keeper")
    assert record.books.version("glossary") == 1
    keys = [entry.key for entry in record.books.edition("glossary").entries or ()]
    assert keys == ["구청", "시청", "보건소"]

    renamed = {"forms": {"ko": ["동 보건소"], "en": ["health centre"]}, "note": "renamed"}
    changed = record.books.save(
        "glossary", keeper, "동 보건소", renamed, SEED, previous_key="보건소"
    )
    assert changed.before == {"key": "보건소", **term}
    assert changed.after == {"key": "동 보건소", **renamed}
    deleted = record.books.delete("glossary", keeper, "시청", SEED)
    assert deleted.after is None and deleted.before is not None
    assert record.books.version("glossary") == 3
    edition = record.books.edition("glossary")
    assert [e.key for e in edition.entries or ()] == ["구청", "동 보건소"]
    assert [c.action for c in record.books.history("glossary")] == ["deleted", "changed", "added"]
    assert [c.key for c in record.books.history("glossary", "시청")] == ["시청"]
    assert record.books.version("phrasebook") == 0, "the other book is untouched"
    with record.uow.read() as session:
        events = session.scalars(select(Event).where(Event.kind == EventKind.BOOK_CHANGED)).all()
        assert [(e.data["key"], e.data["user_id"]) for e in events] == [
            ("보건소", keeper.user_id),
            ("동 보건소", keeper.user_id),
            ("시청", keeper.user_id),
        ]


def test_duplicates_missing_entries_and_agents_are_refused(record: Record) -> None:
    keeper = admin(record)
    content = {"forms": {"ko": ["구청"], "en": ["ward office"]}, "note": ""}
    with pytest.raises(BookEntryExistsError):
        record.books.save("glossary", keeper, "구청", content, SEED)
    with pytest.raises(BookEntryExistsError):
        record.books.save("glossary", keeper, "구청", content, SEED, previous_key="시청")
    with pytest.raises(NotFoundError):
        record.books.delete("glossary", keeper, "없는 말", SEED)
    agent = record.accounts.create("agent", Role.AGENT, "not a real hash")
    with pytest.raises(NotAdminError):
        record.books.delete("glossary", Actor(agent.id), "구청", SEED)
    assert record.books.history("glossary") == ()
