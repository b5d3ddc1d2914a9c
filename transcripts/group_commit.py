"""Group commit: writers that arrive while SQLite's write lock is taken share the next turn.

Why: on the embedded default every inbound SMS waits its turn on the one write lock, and under
a burst most of a webhook's time was that wait. The turn itself was short in one thread (about
1 ms) but long among many: the writer gives up Python's GIL on every SQLite call and waits to
get it back while the other web threads parse and check their requests, so each turn cost
several times its work, one turn per text. Here a writer queues its write and then waits for
the lock; whoever gets the lock writes every write queued by then in one transaction and hands
each its result, so a burst of N texts costs a few turns instead of N.

Nothing is promised less: each caller returns only after the transaction holding its rows has
committed (stored before Twilio hears 200), and its rows stay all-or-nothing. If any write of
a shared turn fails (a redelivery racing itself, a resident's first two texts at once), the
turn is rolled back whole and every write in it is done again alone in a transaction of its
own, so each caller gets exactly its own result or its own error, as without sharing.

On PostgreSQL, which has row locks and no single writer, each write is its own transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlalchemy import Connection

from transcripts.errors import RecordError
from transcripts.uow import UnitOfWork

T = TypeVar("T")
R = TypeVar("R")

#: The most writes one turn takes: a bound on how long the lock is held for others.
MAX_BATCH = 64


@dataclass
class _Slot(Generic[T, R]):
    item: T
    done: bool = False
    result: R | None = None
    error: BaseException | None = field(default=None, repr=False)
    # Set when the write is done, or when this writer is handed the lead while it waits.
    wake: threading.Event = field(default_factory=threading.Event, repr=False)


class GroupCommit(Generic[T, R]):
    """Runs `write(connection, item)` for each submitted item, sharing transactions on SQLite.

    One writer at a time leads: it waits for the write lock and commits what is queued. The
    others wait on their own event, not on the lock, so a shared turn ends with each of them
    woken directly, not handed the lock one after another only to find their write done. A
    leader whose write is committed hands the lead to the oldest write still queued.
    """

    def __init__(self, uow: UnitOfWork, write: Callable[[Connection, T], R]) -> None:
        self._uow = uow
        self._write = write
        self._queue_lock = threading.Lock()
        self._queued: list[_Slot[T, R]] = []
        self._leading = False

    @property
    def waiting(self) -> int:
        """How many submitted writes wait for a turn now."""
        with self._queue_lock:
            return len(self._queued)

    def submit(self, item: T) -> R:
        """Write `item` and return what `write` returned, once it is committed; raises what
        `write` raised when it was done alone."""
        if not self._uow.single_writer:
            with self._uow.write_statements() as connection:
                return self._write(connection, item)
        slot: _Slot[T, R] = _Slot(item)
        with self._queue_lock:
            self._queued.append(slot)
            lead = not self._leading
            self._leading = True
        if not lead:
            slot.wake.wait()
        if not slot.done:
            self._lead(slot)
        if slot.error is not None:
            raise slot.error
        return slot.result  # type: ignore[return-value]

    def _lead(self, own: _Slot[T, R]) -> None:
        """Commit queued writes, a turn at a time, until this writer's own is done; then hand
        the lead on (or give it up when nothing waits)."""
        try:
            while not own.done:
                with self._uow.writer_turn():
                    with self._queue_lock:
                        batch = self._queued[:MAX_BATCH]
                        del self._queued[:MAX_BATCH]
                    self._commit(batch)
        finally:
            with self._queue_lock:
                if self._queued:
                    self._queued[0].wake.set()  # not done: the oldest waiting write leads next
                else:
                    self._leading = False

    def _commit(self, batch: list[_Slot[T, R]]) -> None:
        """One transaction for the whole batch; if it fails, each write alone. Every slot of
        the batch is done when this returns or raises: its caller never waits for nothing."""
        try:
            self._commit_together(batch)
        finally:
            for slot in batch:
                if not slot.done:
                    slot.error = RecordError("the write was interrupted before its commit")
                    slot.done = True
                    slot.wake.set()

    def _commit_together(self, batch: list[_Slot[T, R]]) -> None:
        try:
            with self._uow.write_statements() as connection:
                results = [self._write(connection, slot.item) for slot in batch]
        except Exception:  # whichever write failed, each is retried alone for its own outcome
            for slot in batch:
                self._commit_alone(slot)
            return
        for slot, result in zip(batch, results, strict=True):
            slot.result = result
            slot.done = True
            slot.wake.set()

    def _commit_alone(self, slot: _Slot[T, R]) -> None:
        try:
            with self._uow.write_statements() as connection:
                slot.result = self._write(connection, slot.item)
        except Exception as error:  # raised again in the thread that submitted the write
            slot.error = error
        slot.done = True
        slot.wake.set()
