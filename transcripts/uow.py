"""The unit of work: one session and one transaction per use case.

A use case opens the unit of work, loads what it needs, changes it, and commits once; the
view or job that called it never sees a session. `write()` is for use cases that change the
record, `read()` for those that only look.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker


class UnitOfWork:
    """Opens sessions on one database; shared by every use case of one app."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction that reads and then writes without losing a concurrent writer's
        update: on SQLite it takes the database's write lock before its first read (BEGIN
        IMMEDIATE; readers are not blocked under WAL), on PostgreSQL the use case locks the rows
        it is about to change (`SELECT ... FOR UPDATE`). Committed when the block ends, rolled
        back when it raises."""
        with self.sessions() as session, session.begin():
            connection = session.connection()
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading only; nothing it does is committed."""
        with self.sessions() as session:
            yield session


def unit_of_work(source: UnitOfWork | sessionmaker[Session]) -> UnitOfWork:
    """The unit of work itself, or one over a session factory (scripts and tests hold one)."""
    return source if isinstance(source, UnitOfWork) else UnitOfWork(source)


class UseCases:
    """Base of the record's use-case groups: each use case opens the unit of work once."""

    def __init__(self, source: UnitOfWork | sessionmaker[Session]) -> None:
        self._uow = unit_of_work(source)
