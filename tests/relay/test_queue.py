"""The job queue backends: the same task code on SQLite (embedded) and Redis (distributed)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from huey import Huey

from relay.queue import QueueConfigError, make_huey, run_pending, start_embedded_consumer
from tests.support.servers import redis_server


def _exercise(huey: Huey) -> None:
    seen: list[int] = []

    @huey.task(name="collect")
    def collect(value: int) -> None:
        seen.append(value)

    for value in range(3):
        collect(value)
    assert huey.pending_count() == 3
    assert run_pending(huey) == 3
    assert seen == [0, 1, 2]
    assert huey.pending_count() == 0


def test_sqlite_queue_survives_a_new_instance(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'queue.db'}"
    first = make_huey(url)

    @first.task(name="noop")
    def noop(value: int) -> None:
        return None

    noop(1)
    second = make_huey(url)  # another process would see the same file
    assert second.pending_count() == 1
    _exercise(make_huey(f"sqlite:///{tmp_path / 'other.db'}"))


@pytest.mark.redis
def test_redis_queue(tmp_path: Path) -> None:
    with redis_server(tmp_path / "redis") as url:
        _exercise(make_huey(url))


def test_memory_and_immediate_queues() -> None:
    _exercise(make_huey("memory://"))
    immediate = make_huey("immediate://")
    ran: list[int] = []

    @immediate.task(name="now")
    def now(value: int) -> None:
        ran.append(value)

    now(7)
    assert ran == [7]


def test_unknown_queue_url_is_a_clear_error() -> None:
    with pytest.raises(QueueConfigError, match="unsupported queue URL"):
        make_huey("amqp://localhost")


def test_embedded_consumer_runs_tasks_in_threads(tmp_path: Path) -> None:
    huey = make_huey(f"sqlite:///{tmp_path / 'q.db'}")
    done = threading.Event()

    @huey.task(name="signal")
    def signal() -> None:
        done.set()

    consumer = start_embedded_consumer(huey, threads=1)
    try:
        signal()
        assert done.wait(timeout=15), "the embedded consumer did not run the task"
    finally:
        consumer.stop(graceful=False)
        time.sleep(0.05)
