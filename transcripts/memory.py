"""Translation memory kept in the database: admin-approved translations, reused first.

It satisfies the `TranslationMemory` protocol of `languages.memory` by shape alone (this package
never imports `languages`); the caller passes the text normaliser in. Only `translation_memory`
rows are looked up: an agent's edit is a suggestion (`memory_suggestions`) until an admin
approves it, and neither table takes a text that holds personal data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from transcripts.db import utcnow
from transcripts.masking import holds_personal_data
from transcripts.models import MemoryEntry

log = logging.getLogger(__name__)

MAX_MEMORY_CHARS = 1000  # longer texts are too specific to be worth remembering
COUNT_WAIT_MS = 200  # the longest a translation waits to count a reuse on a busy SQLite file


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
            if not rows:
                return None
            found = next((row for row in rows if row.source_text == text), rows[0])
            entry_id, translated = found.id, found.target_text
        self._count_use(entry_id)
        return translated

    def _count_use(self, entry_id: int) -> None:
        """Count a reuse for the admin page. The translation must not wait for it: on SQLite
        the count gives up after COUNT_WAIT_MS when another writer holds the database, instead
        of the connection's usual wait of seconds, and a count lost that way is only logged."""
        engine: Engine = self._sessions.kw["bind"]
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            usual = connection.exec_driver_sql("PRAGMA busy_timeout").scalar() if sqlite else None
            try:
                if sqlite:
                    connection.exec_driver_sql(f"PRAGMA busy_timeout={COUNT_WAIT_MS}")
                connection.execute(
                    update(MemoryEntry)
                    .where(MemoryEntry.id == entry_id)
                    .values(uses=MemoryEntry.uses + 1, last_used_at=utcnow())
                )
                connection.commit()
            except SQLAlchemyError:
                connection.rollback()
                log.warning("could not count a use of memory entry %s", entry_id, exc_info=True)
            finally:
                if sqlite:
                    connection.exec_driver_sql(f"PRAGMA busy_timeout={int(usual or 0)}")
                    connection.rollback()

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
    approved_by_id: int | None = None,
) -> bool:
    """Keep (or replace) an approved translation inside the caller's transaction.

    Shared by the memory itself and by use cases (an admin's correction, an approval) that must
    remember a translation in the same transaction as the change that approves it. Returns
    False when the text is not worth remembering (`memorable`).
    """
    if not memorable(source_text, translated_text):
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
                        approved_by_id=approved_by_id,
                        approved_at=utcnow(),
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
    row.created_by_id = created_by_id
    row.approved_by_id = approved_by_id
    row.approved_at = utcnow()
    return True


def memorable(source_text: str, translated_text: str) -> bool:
    """Whether a pair may be kept at all, as an entry or a suggestion.

    Not when empty or long (too specific to reuse), and never when either side holds personal
    data: a registration or phone number kept here would be shown to every later resident.
    """
    if not source_text.strip() or not translated_text.strip():
        return False
    if len(source_text) > MAX_MEMORY_CHARS:
        return False
    return not holds_personal_data(source_text) and not holds_personal_data(translated_text)
