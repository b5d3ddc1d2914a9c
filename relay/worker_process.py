"""The embedded job consumer as a child process of `flask run`, started and watched by it.

Why a process and not threads: measured under a burst of signed SMS (bench/webhooks.py), the
consumer's threads held the web process's GIL more than the web threads did (the ORM, lingua,
SentencePiece and argostranslate's package scans are Python; only CTranslate2's decoding lets
the GIL go), and webhook acknowledgements waited behind them: p99 15-20x a bare Flask endpoint.
A child process running the same `flask worker` command over the same SQLite queue file and
database takes language work off the web process's GIL altogether. It runs at a lower CPU
priority (`RELAY_EMBEDDED_WORKER_NICENESS`), so on a small machine the kernel gives a waiting
webhook the core first and translation the rest; it still uses all the CPU nobody else wants.

Lifetime: the child never outlives the web process. Its stdin is a pipe from the parent, and
`flask worker --stop-with-parent` stops when that pipe closes, which the kernel does however
the parent ends (Ctrl-C, SIGTERM, SIGKILL, a crash, the reloader restarting the serving
process). A normal exit also stops it explicitly and waits, so under `flask run --debug` the
old consumer is gone before the reloaded server starts the next one: one consumer at a time.
Should the child die on its own (killed for memory, a crash), the parent starts another after
a short, growing pause. Jobs a dying consumer held are found again by the sweeper.

A job queued by the web process is found by the child within `relay.job_queue.POLL_SECONDS`
(WakingSqliteStorage reads the file again at least that often), or at once with Redis.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from urllib.parse import urlparse

import click
from flask import Flask
from flask.cli import ScriptInfo
from huey import Huey
from huey.consumer import Consumer

log = logging.getLogger(__name__)

#: How long a stopping consumer may finish its current jobs, then how long it gets to quit.
GRACEFUL_SECONDS = 5.0
INTERRUPT_SECONDS = 5.0
#: Pauses before starting a consumer that died on its own: doubling from the first to the last.
RESTART_PAUSES = (1.0, 30.0)
#: Variables of Werkzeug's reloader that must not reach the child (it serves nothing).
_SERVER_VARIABLES = ("WERKZEUG_RUN_MAIN", "WERKZEUG_SERVER_FD")


def start_embedded_worker(app: Flask, huey: Huey) -> SupervisedWorker | Consumer:
    """The consumer `flask run` embeds: a child process, or threads for a `memory://` queue
    (which no other process can see)."""
    threads = int(app.config["WORKER_THREADS"])
    if urlparse(app.config["QUEUE_URL"]).scheme == "memory":
        from relay.job_queue import start_embedded_consumer

        return start_embedded_consumer(huey, threads)
    context = click.get_current_context(silent=True)
    script = context.find_object(ScriptInfo) if context is not None else None
    command = worker_command_line(script.app_import_path if script else None, threads)
    worker = SupervisedWorker(
        command, cwd=os.getcwd(), niceness=int(app.config["EMBEDDED_WORKER_NICENESS"])
    )
    worker.start()
    return worker


def worker_command_line(app_import_path: str | None, threads: int) -> list[str]:
    """`flask worker` for the same app, run by the same interpreter."""
    app = ["--app", app_import_path] if app_import_path else []
    return [
        sys.executable,
        "-m",
        "flask",
        *app,
        "worker",
        "--threads",
        str(threads),
        "--stop-with-parent",
    ]


class SupervisedWorker:
    """One `flask worker` child at a time, restarted if it dies, stopped with this process."""

    def __init__(self, command: Sequence[str], *, cwd: str, niceness: int) -> None:
        self._command = list(command)
        self._cwd = cwd
        self._niceness = niceness
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """The running consumer's process id (for /healthz), None between restarts."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def start(self) -> None:
        """Start the child and a thread that restarts it if it dies; stop it at exit."""
        self._spawn()
        atexit.register(self.stop)
        threading.Thread(target=self._watch, name="relay-worker-watch", daemon=True).start()

    def stop(self) -> None:
        """Ask the child to finish its jobs (SIGINT), then insist (SIGTERM, SIGKILL); wait."""
        self._stopping.set()
        with self._lock:
            process = self._process
        if process is None or process.poll() is not None:
            return
        for signum, grace in (
            (signal.SIGINT, GRACEFUL_SECONDS),
            (signal.SIGTERM, INTERRUPT_SECONDS),
            (signal.SIGKILL, None),
        ):
            try:
                process.send_signal(signum)
                process.wait(timeout=grace)
                break
            except subprocess.TimeoutExpired:
                log.warning("job consumer %d still running; sending %s", process.pid, signum)
        _close(process)

    def _spawn(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in _SERVER_VARIABLES}
        with self._lock:
            if self._stopping.is_set():
                return
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and command
                self._command, cwd=self._cwd, env=env, stdin=subprocess.PIPE
            )
            self._process = process
        try:
            os.setpriority(os.PRIO_PROCESS, process.pid, self._niceness)
        except OSError:  # gone already, or not allowed: it still works, only less politely
            log.warning("could not lower the job consumer's priority", exc_info=True)
        log.info("job consumer started as process %d", process.pid)

    def _watch(self) -> None:
        pause = RESTART_PAUSES[0]
        while not self._stopping.is_set():
            process = self._process
            if process is None:
                return
            code = process.wait()
            if self._stopping.wait(pause):
                return
            log.error("job consumer %d exited (%s); starting another", process.pid, code)
            _close(process)
            self._spawn()
            pause = min(pause * 2, RESTART_PAUSES[1])


def _close(process: subprocess.Popen[bytes]) -> None:
    if process.stdin is not None:
        process.stdin.close()


def stop_when_stdin_closes() -> None:
    """In the child: stop the consumer (as SIGTERM does) once the parent's pipe closes.

    A thread reads stdin until end of file; the parent never writes, so that happens exactly
    when the parent's end closes, including when the parent was killed outright.
    """

    def _wait_for_parent() -> None:
        stdin = sys.stdin.buffer
        while stdin.read(4096):
            pass
        log.info("the web process is gone; the job consumer stops")
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=_wait_for_parent, name="relay-parent-watch", daemon=True).start()
