"""Translation memory kept in the database: human-approved translations, reused first.

It satisfies the `TranslationMemory` protocol of `languages.memory` by shape alone (this package
never imports `languages`); the caller passes the text normaliser in.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from transcripts.models import MemoryEntry

MAX_MEMORY_CHARS = 1000  # longer texts are too specific to be worth remembering


class DatabaseTranslationMemory:
    """Exact and normalised lookups over the `translation_memory` table."""

    def __init__(
        self, session_factory: sessionmaker[Session], normalise: Callable[[str], str]
    ) -> None:
        self._sessions = session_factory
        self._normalise = normalise

    def lookup(self, text: str, source: str, target: str) -> str | None:
        """The remembered translation of `text`, matching exactly first, then normalised."""
        if not text.strip() or len(text) > MAX_MEMORY_CHARS:
            return None
        key = self._normalise(text)
        with self._sessions() as session:
            rows = session.scalars(
                select(MemoryEntry).where(
                    MemoryEntry.source == source,
                    MemoryEntry.target == target,
                    MemoryEntry.normalised_text == key,
                )
            ).all()
        for row in rows:
            if row.source_text == text:
                return row.target_text
        return rows[0].target_text if rows else None

    def remember(self, source_text: str, source: str, target: str, translated_text: str) -> None:
        """Keep (or replace) the approved translation of `source_text`."""
        with self._sessions() as session, session.begin():
            keep(session, self._normalise, source_text, source, target, translated_text)


def keep(
    session: Session,
    normalise: Callable[[str], str],
    source_text: str,
    source: str,
    target: str,
    translated_text: str,
    *,
    created_by_id: int | None = None,
) -> bool:
    """Keep (or replace) an approved translation inside the caller's transaction.

    Shared by the memory itself and by use cases (an admin's correction) that must remember a
    translation in the same transaction as the change that approves it. Returns False when the
    text is empty or too long to be worth remembering.
    """
    if not source_text.strip() or len(source_text) > MAX_MEMORY_CHARS:
        return False
    key = normalise(source_text)
    query = select(MemoryEntry).where(
        MemoryEntry.source == source,
        MemoryEntry.target == target,
        MemoryEntry.normalised_text == key,
    )
    row = session.scalar(query)
    if row is None:
        try:
            with session.begin_nested():
                session.add(
                    MemoryEntry(
                        source=source,
                        target=target,
                        normalised_text=key,
                        source_text=source_text,
                        target_text=translated_text,
                        created_by_id=created_by_id,
                    )
                )
            return True
        except IntegrityError:
            # Someone kept the same sentence a moment ago: theirs is replaced below.
            row = session.scalar(query)
            if row is None:
                return False
    row.source_text = source_text
    row.target_text = translated_text
    if created_by_id is not None:
        row.created_by_id = created_by_id
    return True
