"""Production serving: `gunicorn wsgi:app` with threaded workers, a migrated database, and the
job queue left to `flask worker` processes (the web workers never start a consumer)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from relay.twilio.security import sign

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
TOKEN = "gunicorn-test-auth-token-0123456789"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _flask(env: dict[str, str], *args: str, input: str | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=REPO,
        env=env,
        input=input,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.stdout


def test_gunicorn_serves_webhooks_and_leaves_jobs_to_workers(tmp_path: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "RELAY_INSTANCE_PATH": str(tmp_path / "instance"),
        "RELAY_PUBLIC_BASE_URL": base,
        "RELAY_TWILIO_AUTH_TOKEN": TOKEN,
        "RELAY_EMBEDDED_WORKER": "false",
    }
    bin_dir = Path(sys.executable).parent
    _flask(env, "db", "upgrade")
    # /healthz shows the queue's details only to an admin.
    _flask(env, "users", "create", "root", "--role", "admin", input="s3cret-pass\n")
    admin = {"Authorization": f"Bearer {_flask(env, 'users', 'token', 'root').strip()}"}
    server = subprocess.Popen(
        [
            str(bin_dir / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--worker-class",
            "gthread",
            "--threads",
            "4",
            "wsgi:app",
        ],
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
                health = requests.get(f"{base}/healthz", headers=admin, timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
                time.sleep(0.3)
        assert health.json()["checks"]["queue"]["consumer"] == "external"

        params = {"MessageSid": "SM" + "2" * 32, "From": "+821055501234", "Body": "Hello"}
        url = f"{base}/twilio/sms"
        signed = {"X-Twilio-Signature": sign(url, params, TOKEN)}
        assert requests.post(url, data=params, headers=signed, timeout=10).status_code == 200
        assert requests.post(url, data=params, timeout=10).status_code == 403  # unsigned
        health = requests.get(f"{base}/healthz", headers=admin, timeout=10)
        assert health.json()["checks"]["queue"]["pending"] == 1  # for a worker, not run here
        public = requests.get(f"{base}/healthz", timeout=10).json()
        assert public == {"status": "ok", "models": "missing"}  # no internals; no models here
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        if server.stderr is not None:
            server.stderr.close()
