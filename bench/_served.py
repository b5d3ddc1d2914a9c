"""Servers for the load benchmarks: relay as `make run` serves it, and a bare Flask endpoint.

Both are real `flask run` subprocesses (Werkzeug's threaded development server, a thread per
request), so the bare endpoint is the ceiling that server sets on this machine today and the
ratio says what relay costs on top of it. relay gets an instance folder of its own with the tiny
test models installed (`make demo-models` installs the same ones), so every text is detected and
translated for real while the webhooks are measured; Whisper is left out (no voice here).
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bench import REPO

AUTH_TOKEN = "bench-auth-token-0123456789abcdef"  # noqa: S105 - signs test webhooks only
CENTRE_NUMBER = "+8215880120"
ADMIN = "bench-admin"
ADMIN_PASSWORD = "bench-password-1"  # noqa: S105 - a throwaway account in a temporary folder


@dataclass
class Served:
    """A running `flask run`: its base URL, environment and process."""

    base: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    headers: dict[str, str] = field(default_factory=dict)  # an admin's bearer token, for relay

    def flask(self, *args: str, stdin: str | None = None) -> str:
        """Run a `flask --app wsgi` command against the same instance."""
        return _flask(self.env, *args, stdin=stdin)


def _flask(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(  # noqa: S603 - our own interpreter and CLI, fixed arguments
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=REPO,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return result.stdout


def tiny_model_files() -> list[str]:
    """Build (or reuse, from .cache/) the tiny test models; their paths, as `make demo-models`."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.support.modelkit"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    )
    return result.stdout.split()


def relay_env(folder: Path, port: int, **extra: str) -> dict[str, str]:
    """Embedded defaults (SQLite, SQLite queue, embedded worker) in a folder of their own."""
    return {
        **os.environ,
        "RELAY_INSTANCE_PATH": str(folder / "instance"),
        "RELAY_MODELS_PATH": str(folder / "models"),
        "RELAY_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "RELAY_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "RELAY_TWILIO_NUMBER": CENTRE_NUMBER,
        "RELAY_TRANSLATION_BEAM_SIZE": "1",  # the tiny models are trained for greedy decoding
        "RELAY_OUTBOX": "true",  # as under `make run`: replies are held, nothing leaves
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def prepare_relay(folder: Path, port: int, **extra: str) -> dict[str, str]:
    """Install the tiny models and migrate, as `make demo-models` does; returns the env."""
    env = relay_env(folder, port, **extra)
    _flask(env, "languages", "install", *tiny_model_files())
    _flask(env, "db", "upgrade")
    return env


@contextmanager
def flask_run(app: str, env: dict[str, str], port: int, log: Path) -> Iterator[Served]:
    """`flask --app APP run --port PORT` until the block ends; the whole process group stops."""
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "flask", "--app", app, "run", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    served = Served(base, env, process)
    try:
        _wait_until_up(served, log)
        yield served
    finally:
        with suppress(ProcessLookupError):  # it may have stopped by itself (see the log)
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


@contextmanager
def served_relay(folder: Path, port: int) -> Iterator[Served]:
    """relay as `make run` serves it from `folder`, with the tiny models loaded and an admin
    signed in (its API token in `Served.headers`): the start every served bench shares."""
    env = prepare_relay(folder, port)
    with flask_run("wsgi", env, port, folder / "relay.log") as relay:
        sign_in_admin(relay)
        wait_for_models(relay)
        yield relay


def _wait_until_up(served: Served, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            raise RuntimeError(f"flask run exited:\n{log.read_text(errors='replace')}")
        try:
            requests.get(f"{served.base}/healthz", timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.3)
    raise RuntimeError(f"flask run did not answer within 120 s:\n{log.read_text()}")


def sign_in_admin(served: Served) -> dict[str, str]:
    """Create an admin and return the bearer header of its API token."""
    served.flask("users", "create", ADMIN, "--role", "admin", stdin=ADMIN_PASSWORD + "\n")
    token = served.flask("users", "token", ADMIN).strip()
    served.headers = {"Authorization": f"Bearer {token}"}
    return served.headers


def wait_for_models(served: Served, seconds: float = 120) -> None:
    """Wait until the serving process has loaded its models (the first text waits for none)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = requests.get(f"{served.base}/healthz", timeout=10).json().get("models")
        if state in ("ready", "unloaded"):
            return
        if state in ("failed", "missing"):
            raise RuntimeError(f"models {state}")
        time.sleep(0.3)
    raise RuntimeError("models did not load")


@dataclass(frozen=True)
class Burst:
    """What a burst of requests measured: each answer's latency and the whole burst's time."""

    latencies: tuple[float, ...]
    statuses: tuple[int, ...]
    seconds: float

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, fraction: float) -> float:
        return percentile(self.latencies, fraction)


def percentile(values: Sequence[float], fraction: float) -> float:
    """The value below which `fraction` of them lie (inclusive method, as numpy's default)."""
    if len(values) == 1:
        return values[0]
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    index = round(fraction * 100) - 1
    return cuts[min(max(index, 0), 98)]


def burst(
    requests_to_send: Sequence[Callable[[requests.Session], requests.Response]], threads: int
) -> Burst:
    """Send every request from `threads` client threads at once (each with its own session)."""
    local = threading.local()
    start = threading.Barrier(threads + 1)

    def session() -> requests.Session:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return local.session

    def warm(_: int) -> None:
        session()
        start.wait()

    def one(send: Callable[[requests.Session], requests.Response]) -> tuple[float, int]:
        began = time.perf_counter()
        response = send(session())
        return time.perf_counter() - began, response.status_code

    with ThreadPoolExecutor(threads) as pool:
        for index in range(threads):
            pool.submit(warm, index)
        start.wait()
        began = time.perf_counter()
        answers = list(pool.map(one, requests_to_send))
        seconds = time.perf_counter() - began
    return Burst(tuple(a[0] for a in answers), tuple(a[1] for a in answers), seconds)


def get_json(served: Served, path: str) -> Any:
    response = requests.get(f"{served.base}{path}", headers=served.headers, timeout=30)
    response.raise_for_status()
    return response.json()
