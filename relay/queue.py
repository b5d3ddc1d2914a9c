"""The job queue: Huey, chosen by URL, so the same task code runs embedded or distributed.

`sqlite:///path` (the embedded default, a file beside the database), `redis://...` for many
workers on many machines, `memory://` for a single process, `immediate://` to run tasks inline.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from huey.consumer import Consumer


class QueueConfigError(ValueError):
    """RELAY_QUEUE_URL names a backend relay cannot use."""


def make_huey(url: str, name: str = "relay") -> Huey:
    """Build a Huey instance for a queue URL."""
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        path = url.removeprefix("sqlite:///")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(name=name, filename=path, results=False)
    if scheme in ("redis", "rediss", "unix"):
        return RedisHuey(name=name, url=url, results=False)
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


def start_embedded_consumer(huey: Huey, threads: int) -> EmbeddedConsumer:
    """Start consumer threads (workers and the periodic scheduler) in this process."""
    consumer = EmbeddedConsumer(huey, workers=threads, worker_type="thread", periodic=True)
    consumer.start()
    return consumer


def run_pending(huey: Huey, limit: int = 1000) -> int:
    """Execute queued tasks in this thread until the queue is empty; returns how many ran.

    For tests and one-off maintenance: the same queue and task code as the consumer, without
    threads or timing.
    """
    count = 0
    while count < limit:
        task = huey.dequeue()
        if task is None:
            break
        huey.execute(task)
        count += 1
    return count
