"""The job queue: Huey, chosen by URL, so the same task code runs embedded or distributed.

`sqlite:///path` (the embedded default, a file beside the database), `redis://...` for many
workers on many machines, `memory://` for a single process, `immediate://` to run tasks inline.

Huey's consumer polls a non-blocking queue and, while it finds nothing, backs off exponentially to
`max_delay` (10 s by default): after a quiet minute a resident's text waited seconds before a
worker even looked. Workers here wait on the queue instead of sleeping: Redis with `BRPOP`
(Huey's blocking read), SQLite with `WakingSqliteStorage`, which an enqueue in the same process
wakes at once and which looks at the file again every `POLL_SECONDS` for jobs other processes
queued.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from huey.consumer import Consumer
from huey.storage import SqliteStorage

# The longest an idle worker goes without looking at the queue: what a job queued by another
# process (the web server, for a `flask worker`) may wait before it starts.
POLL_SECONDS = 0.25


class QueueConfigError(ValueError):
    """RELAY_QUEUE_URL names a backend relay cannot use."""


class WakingSqliteStorage(SqliteStorage):
    """Huey's SQLite queue with a blocking read, as Huey's Redis and PostgreSQL storages have.

    SQLite cannot notify another connection, so the wake-up is a condition in this process:
    `enqueue` signals it after its commit, and an empty `dequeue` waits on it for at most
    `read_timeout`, then reads the file again (which is how jobs queued by another process are
    found). Huey's worker does not sleep or back off after an empty read of a blocking storage,
    so an idle worker starts a job queued here at once and one queued elsewhere within
    `read_timeout`.
    """

    blocking = True

    def __init__(
        self, name: str = "huey", read_timeout: float = POLL_SECONDS, **kwargs: Any
    ) -> None:
        self.read_timeout = read_timeout
        self._queued = threading.Condition()
        self._enqueues = 0  # counts commits, so a wake-up between two reads is never lost
        super().__init__(name, **kwargs)

    def _create_connection(self) -> Any:
        """Huey's connection, with commits as durable as the record's (`synchronous=NORMAL`).

        Huey leaves SQLite's default, FULL, which flushes the disk at every commit: one flush
        per enqueue in the webhook and one per dequeue in the worker, each taken under the
        queue's write lock (about 3 ms apiece on the development machine, a ceiling of ~300
        webhooks a second before any other work). In WAL mode NORMAL loses nothing when a
        process dies, only the last commits if the machine itself loses power, the same as
        the database (transcripts/db.py); the message row is the truth and the sweeper enqueues
        again any job whose message is still waiting.
        """
        connection = super()._create_connection()
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    def enqueue(self, data: bytes, priority: float | None = None) -> None:
        super().enqueue(data, priority)
        with self._queued:
            self._enqueues += 1
            self._queued.notify_all()

    def dequeue(self) -> bytes | None:
        with self._queued:
            seen = self._enqueues
        data: bytes | None = super().dequeue()
        if data is not None:
            return data
        with self._queued:
            if self._enqueues == seen:
                self._queued.wait(self.read_timeout)
        found: bytes | None = super().dequeue()
        return found


def make_huey(url: str, name: str = "relay") -> Huey:
    """Build a Huey instance for a queue URL, with workers that wait on the queue (see above)."""
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        path = url.removeprefix("sqlite:///")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(
            name=name, filename=path, results=False, storage_class=WakingSqliteStorage
        )
    if scheme in ("redis", "rediss", "unix"):
        # BRPOP returns as soon as a job is pushed; the timeout only lets a worker see a stop.
        return RedisHuey(name=name, url=url, results=False, blocking=True, read_timeout=1)
    if scheme == "memory":
        return MemoryHuey(name=name, results=False)
    if scheme == "immediate":
        return MemoryHuey(name=name, results=False, immediate=True)
    raise QueueConfigError(f"unsupported queue URL {url!r}: use sqlite:///, redis://, memory://")


class EmbeddedConsumer(Consumer):
    """A Huey consumer that runs as threads inside another process (the web server).

    Huey's consumer installs SIGINT/SIGTERM handlers when it starts; inside a web server those
    belong to the server, so Ctrl-C must still stop it. The threads are daemons and the job state
    lives in the database, so a task cut short is found again by the sweeper.
    """

    def _set_signal_handlers(self) -> None:
        return None


def _consumer_options(threads: int) -> dict[str, Any]:
    """Thread workers and the periodic scheduler. A backoff applies only to a queue without a
    blocking read (`memory://`) or after a read error; either way capped at POLL_SECONDS."""
    return {
        "workers": threads,
        "worker_type": "thread",
        "periodic": True,
        "initial_delay": 0.1,
        "max_delay": POLL_SECONDS,
    }


def start_embedded_consumer(huey: Huey, threads: int) -> EmbeddedConsumer:
    """Start consumer threads (workers and the periodic scheduler) in this process."""
    consumer = EmbeddedConsumer(huey, **_consumer_options(threads))
    consumer.start()
    return consumer


def make_consumer(huey: Huey, threads: int) -> Consumer:
    """A consumer for a process of its own (`flask worker`): it handles SIGINT and SIGTERM."""
    return Consumer(huey, **_consumer_options(threads))


def run_pending(huey: Huey, limit: int = 1000) -> int:
    """Execute queued tasks in this thread until the queue is empty; returns how many ran.

    For tests and one-off maintenance: the same queue and task code as the consumer, without
    threads or timing. The queue is counted first, so an empty blocking queue ends the loop at
    once rather than after a read timeout.
    """
    count = 0
    while count < limit and huey.pending_count() > 0:
        task = huey.dequeue()
        if task is None:
            break
        huey.execute(task)
        count += 1
    return count
