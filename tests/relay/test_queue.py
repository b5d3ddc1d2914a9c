"""The job queue backends: the same task code on SQLite (embedded) and Redis (distributed)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from huey import Huey

from relay.job_queue import (
    POLL_SECONDS,
    QueueConfigError,
    make_consumer,
    make_huey,
    run_pending,
    start_embedded_consumer,
)
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


def test_idle_workers_wait_on_the_queue_instead_of_backing_off(tmp_path: Path) -> None:
    """Huey's worker sleeps, backing off to 10 s, only after an empty read of a queue without a
    blocking read; relay's queues block, and any backoff left is capped at POLL_SECONDS."""
    assert POLL_SECONDS <= 0.25
    sqlite = make_huey(f"sqlite:///{tmp_path / 'q.db'}")
    assert sqlite.storage.blocking is True
    assert sqlite.storage.read_timeout == POLL_SECONDS  # jobs another process queued
    redis = make_huey("redis://127.0.0.1:1/0")  # nothing connects until a read
    assert redis.storage.blocking is True
    for consumer in (make_consumer(sqlite, 2), make_consumer(make_huey("memory://"), 2)):
        assert consumer.max_delay <= POLL_SECONDS
        assert all(worker.max_delay <= POLL_SECONDS for worker, _ in consumer.worker_threads)


def test_an_enqueue_wakes_a_waiting_worker_at_once(tmp_path: Path) -> None:
    huey = make_huey(f"sqlite:///{tmp_path / 'q.db'}")
    huey.storage.read_timeout = 60  # so only the wake-up can end the wait in time
    got: list[bytes | None] = []
    reader = threading.Thread(target=lambda: got.append(huey.storage.dequeue()))
    reader.start()
    time.sleep(0.2)  # let it reach the wait (if not, it finds the job on its first read)
    huey.storage.enqueue(b"job")
    reader.join(timeout=10)
    assert not reader.is_alive(), "the enqueue did not wake the waiting read"
    assert got == [b"job"]


def test_a_job_queued_by_another_process_is_found_within_the_poll(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    worker_side, web_side = make_huey(url), make_huey(url)  # two processes' views of one file
    got: list[bytes | None] = []
    reader = threading.Thread(target=lambda: got.append(worker_side.storage.dequeue()))
    reader.start()
    time.sleep(0.1)
    web_side.storage.enqueue(b"job")  # no wake-up crosses processes: the read polls
    reader.join(timeout=10)  # generous: the read looks at the file again every POLL_SECONDS
    assert not reader.is_alive()
    # Had its wait ended just before the enqueue, a worker would read again at once.
    assert (got[0] or worker_side.storage.dequeue()) == b"job"


def test_the_embedded_consumer_starts_a_job_queued_after_a_quiet_spell(tmp_path: Path) -> None:
    huey = make_huey(f"sqlite:///{tmp_path / 'q.db'}")
    huey.storage.read_timeout = 60  # idle workers wait this long unless woken
    done = threading.Event()

    @huey.task(name="signal")
    def signal() -> None:
        done.set()

    consumer = start_embedded_consumer(huey, threads=2)
    try:
        time.sleep(0.5)  # both workers are now waiting on the queue
        signal()
        assert done.wait(timeout=10), "the enqueue did not wake the idle workers"
    finally:
        consumer.stop(graceful=False)  # its daemon threads end at their next wake-up
