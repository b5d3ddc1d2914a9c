"""The unit of work: one session and one transaction per use case.

A use case opens the unit of work, loads what it needs, changes it, and commits once; the
view or job that called it never sees a session. `write()` is for use cases that change the
record, `read()` for those that only look.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker


class UnitOfWork:
    """Opens sessions on one database; shared by every use case of one app."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        # SQLite has one writer at a time, and a writer kept waiting by another retries in
        # sleeps of up to 100 ms (its busy handler), so under load webhooks queued for the lock
        # came back seconds late. Writers of this process take turns here instead, woken the
        # moment the one before them commits; other processes still meet SQLite's own lock.
        self._sqlite_writers = threading.RLock()

    @property
    def single_writer(self) -> bool:
        """True on SQLite, where writers take turns on one lock (transcripts/group_commit.py
        lets writers share a turn there)."""
        return bool(self.sessions.kw["bind"].dialect.name == "sqlite")

    @contextmanager
    def writer_turn(self) -> Iterator[None]:
        """This process's turn on SQLite's write lock, held across the transactions of the
        block (`write` and `write_statements` inside it take the same turn again)."""
        with self._sqlite_writers:
            yield

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction that reads and then writes without losing a concurrent writer's
        update: on SQLite it takes the database's write lock before its first read (BEGIN
        IMMEDIATE; readers are not blocked under WAL), on PostgreSQL the use case locks the rows
        it is about to change (`SELECT ... FOR UPDATE`). Committed when the block ends, rolled
        back when it raises."""
        if self.sessions.kw["bind"].dialect.name != "sqlite":
            with self.sessions() as session, session.begin():
                yield session
            return
        with self._sqlite_writers, self.sessions() as session, session.begin():
            session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            yield session

    @contextmanager
    def write_statements(self) -> Iterator[Connection]:
        """`write()` for a use case written as plain statements (transcripts/intake.py): the
        same transaction and the same turn on SQLite's write lock, on a bare connection. A
        Session costs a few hundred microseconds to open, flush and close, held under the lock
        on every inbound SMS; a use case that loads no objects need not pay it."""
        engine: Engine = self.sessions.kw["bind"]
        if engine.dialect.name != "sqlite":
            with engine.begin() as connection:
                yield connection
            return
        with self._sqlite_writers, engine.connect() as connection:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.rollback()
                raise
            connection.commit()

    @contextmanager
    def read_statements(self) -> Iterator[Connection]:
        """A bare connection for reading only, as `write_statements` is for writing."""
        engine: Engine = self.sessions.kw["bind"]
        with engine.connect() as connection:
            yield connection

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
