"""Production serving: `gunicorn wsgi:app` with threaded workers, a migrated database, and the
job queue left to `flask worker` processes (the web workers never start a consumer); and with the
shipped gunicorn.conf.py, open agent feeds can never take the threads webhooks need."""

from __future__ import annotations

import http.client
import os
import re
import runpy
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
import requests

from relay.twilio.security import sign
from tests.support.servers import free_port

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
TOKEN = "gunicorn-test-auth-token-0123456789"
PASSWORD = "correct horse battery"
# "Still answers", not a speed target: a starved server does not answer at all.
PROMPT_SECONDS = 5.0


def _flask(env: dict[str, str], *args: str, stdin: str = "") -> str:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=REPO,
        env=env,
        input=stdin,
        text=True,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return result.stdout


@contextmanager
def _gunicorn(tmp_path: Path, *args: str, **settings: str) -> Iterator[tuple[str, dict[str, str]]]:
    """gunicorn on a free port over a migrated SQLite instance, with an agent "kim" and an
    admin; yields its base URL and the admin's API headers (/healthz details are theirs)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "RELAY_INSTANCE_PATH": str(tmp_path / "instance"),
        "RELAY_PUBLIC_BASE_URL": base,
        "RELAY_TWILIO_AUTH_TOKEN": TOKEN,
        "RELAY_EMBEDDED_WORKER": "false",
        # No Twilio account here: the outbox, chosen, or gunicorn's workers refuse to start.
        "RELAY_OUTBOX": "true",
        **settings,
    }
    _flask(env, "db", "upgrade")
    _flask(env, "users", "create", "kim", "--role", "agent", stdin=PASSWORD + "\n")
    _flask(env, "users", "create", "root", "--role", "admin", stdin=PASSWORD + "\n")
    admin = {"Authorization": f"Bearer {_flask(env, 'users', 'token', 'root').strip()}"}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), *args, "--bind", f"127.0.0.1:{port}"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{base}/healthz", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
                time.sleep(0.3)
        yield base, admin
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        if server.stderr is not None:
            server.stderr.close()


def _signed_sms(base: str, sid_digit: str) -> requests.Response:
    params = {"MessageSid": "SM" + sid_digit * 32, "From": "+821055501234", "Body": "Hello"}
    url = f"{base}/twilio/sms"
    signed = {"X-Twilio-Signature": sign(url, params, TOKEN)}
    return requests.post(url, data=params, headers=signed, timeout=PROMPT_SECONDS)


def test_gunicorn_serves_webhooks_and_leaves_jobs_to_workers(tmp_path: Path) -> None:
    args = ("--workers", "2", "--worker-class", "gthread", "--threads", "4", "wsgi:app")
    with _gunicorn(tmp_path, *args) as (base, admin):
        health = requests.get(f"{base}/healthz", headers=admin, timeout=10)
        assert health.json()["checks"]["queue"]["consumer"] == "external"

        assert _signed_sms(base, "2").status_code == 200
        params = {"MessageSid": "SM" + "3" * 32, "From": "+821055501234", "Body": "Hello"}
        assert requests.post(f"{base}/twilio/sms", data=params, timeout=10).status_code == 403
        health = requests.get(f"{base}/healthz", headers=admin, timeout=10)
        assert health.json()["checks"]["queue"]["pending"] == 1  # for a worker, not run here
        public = requests.get(f"{base}/healthz", timeout=10).json()
        # no internals; no models here, and replies reach no resident (the outbox)
        assert public == {"status": "ok", "models": "missing", "delivery": "outbox"}


def _sign_in(base: str) -> str:
    """Sign in through the login form; returns the Cookie header a browser would send."""
    browser = requests.Session()
    page = browser.get(f"{base}/login", timeout=10).text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token on the login page"
    form = {"username": "kim", "password": PASSWORD, "csrf_token": match.group(1)}
    answer = browser.post(f"{base}/login", data=form, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in browser.cookies)


def _open_feed(base: str, cookie: str, stack: ExitStack) -> str:
    """One agent view's EventSource request, left open like a browser's; what came of it."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=PROMPT_SECONDS)
    stack.callback(connection.close)
    connection.request(
        "GET", "/agent/events", headers={"Cookie": cookie, "Accept": "text/event-stream"}
    )
    try:
        feed = connection.getresponse()
    except TimeoutError:
        return "unanswered"  # queued behind feeds that hold every thread
    if feed.status == 200:
        assert feed.getheader("Content-Type", "").startswith("text/event-stream")
        assert feed.readline().startswith(b"retry:")  # being streamed: a thread is held
        return "served"
    assert feed.status == 503, feed.status
    assert feed.getheader("Retry-After") == "10"
    assert "다시 연결합니다" in feed.read().decode()
    return "refused"


def test_open_feeds_beyond_the_threads_cannot_starve_webhooks(tmp_path: Path) -> None:
    config = runpy.run_path(str(REPO / "gunicorn.conf.py"))
    workers, threads = int(config["workers"]), int(config["threads"])
    feeds_wanted = workers * threads + 2  # more feeds than all the processes have threads
    # A short heartbeat notices the closed feeds at once, so gunicorn stops quickly afterwards.
    settings = {"RELAY_AGENT_SSE_HEARTBEAT_SECONDS": "1"}
    with (
        _gunicorn(tmp_path, "-c", "gunicorn.conf.py", **settings) as (base, _admin),
        ExitStack() as feeds,
    ):
        cookie = _sign_in(base)
        outcomes = [_open_feed(base, cookie, feeds) for _ in range(feeds_wanted)]

        started = time.monotonic()
        assert _signed_sms(base, "4").status_code == 200
        assert time.monotonic() - started < PROMPT_SECONDS
        started = time.monotonic()
        login = requests.get(f"{base}/login", timeout=PROMPT_SECONDS)
        assert login.status_code == 200 and "csrf_token" in login.text
        assert time.monotonic() - started < PROMPT_SECONDS

        # Every feed was answered at once: each process serves at most half its threads' worth
        # and refuses the rest with 503 and Retry-After.
        assert outcomes.count("unanswered") == 0
        assert 0 < outcomes.count("served") <= workers * (threads // 2)
        assert outcomes.count("refused") >= feeds_wanted - workers * (threads // 2)
