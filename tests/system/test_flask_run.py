"""`flask --app wsgi run` is the whole system on embedded defaults: a real server, real HTTP.

The server runs as a separate process on a free port with its own instance folder; the test
talks to it only over HTTP and the CLI, as a newcomer would after `make run`.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from relay.twilio.security import sign
from tests.support.modelkit import TinyModels
from tests.support.servers import free_port

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
TOKEN = "system-test-auth-token-0123456789"


@dataclass
class Server:
    base: str
    env: dict[str, str]
    process: subprocess.Popen[str]
    output: str = ""  # everything the server printed, once it has stopped

    def flask(self, *args: str, input: str | None = None) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=REPO,
            env=self.env,
            input=input,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return result.stdout

    def admin_headers(self) -> dict[str, str]:
        """An API token of a new admin: /healthz shows its checks only to admins."""
        self.flask("users", "create", "root", "--role", "admin", input="s3cret-pass\n")
        return {"Authorization": f"Bearer {self.flask('users', 'token', 'root').strip()}"}

    def sms(self, body: str, sid: str, phone: str = "+821055501234") -> requests.Response:
        params = {"MessageSid": sid, "From": phone, "To": "+8215880120", "Body": body}
        url = f"{self.base}/twilio/sms"
        headers = {"X-Twilio-Signature": sign(url, params, TOKEN)}
        return requests.post(url, data=params, headers=headers, timeout=10)


def _wait_until_up(base: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("flask run exited at start")
        try:
            if requests.get(f"{base}/healthz", timeout=10).status_code in (200, 503):
                return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.3)
    raise AssertionError("flask run did not answer within 60 s")


def _serve(
    tmp_path: Path, models: Path, *extra: str, settings: dict[str, str] | None = None
) -> Iterator[Server]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "RELAY_INSTANCE_PATH": str(tmp_path / "instance"),
        "RELAY_MODELS_PATH": str(models),
        "RELAY_PUBLIC_BASE_URL": base,
        "RELAY_TWILIO_AUTH_TOKEN": TOKEN,
        "RELAY_TWILIO_NUMBER": "+8215880120",
        "RELAY_TRANSLATION_BEAM_SIZE": "1",
        # What `make run` sets: replies held in the outbox, the development pages on.
        "RELAY_OUTBOX": "true",
        "RELAY_DEV_PAGES": "true",
        "PYTHONUNBUFFERED": "1",
        **(settings or {}),
    }
    if settings and "RELAY_DATABASE_URL" in settings:  # as `make run` does before serving
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
            cwd=REPO,
            env=env,
            capture_output=True,
            timeout=120,
            check=True,
        )
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--port", str(port), *extra],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    server = Server(base, env, process)
    # Drained as it comes: a full pipe would stall the server (and its consumer) mid-request.
    lines: list[str] = []
    drain = threading.Thread(target=lambda: lines.extend(process.stdout or ()), daemon=True)
    drain.start()
    try:
        _wait_until_up(base, process)
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
        drain.join(timeout=20)
        server.output = "".join(lines)
        if process.stdout is not None:
            process.stdout.close()


@pytest.fixture
def server(tmp_path: Path, relay_models_path: Path) -> Iterator[Server]:
    yield from _serve(tmp_path, relay_models_path)


def _poll(fetch: Any, done: Any, seconds: float = 30.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = fetch()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def test_flask_run_is_the_whole_system(server: Server, tiny_models: TinyModels) -> None:
    health = requests.get(f"{server.base}/healthz", headers=server.admin_headers(), timeout=30)
    assert health.json()["checks"]["database"]["ok"] is True  # migrated at start
    assert health.json()["checks"]["queue"]["consumer"] == "embedded"

    def models() -> str:
        return str(requests.get(f"{server.base}/healthz", timeout=30).json()["models"])

    assert _poll(models, lambda word: word != "loading") == "ready"  # loaded at start

    server.flask("users", "create", "minji", "--role", "agent", input="s3cret-pass\n")
    token = server.flask("users", "token", "minji").strip()
    headers = {"Authorization": f"Bearer {token}"}

    wallet = tiny_models.phrase("wallet")
    assert server.sms(wallet["vi"], sid="SM" + "1" * 32).status_code == 200

    def conversations() -> list[dict[str, Any]]:
        response = requests.get(f"{server.base}/api/conversations", headers=headers, timeout=30)
        return response.json()["conversations"]  # type: ignore[no-any-return]

    listed = _poll(
        conversations, lambda rows: rows and rows[0]["last_message"]["status"] == "translated"
    )
    message = listed[0]["last_message"]
    assert message["status"] == "translated", message
    assert message["translated_text"] == wallet["ko"]

    received = tiny_models.phrase("received")
    claimed = requests.post(
        f"{server.base}/api/conversations/{listed[0]['id']}/claim", headers=headers, timeout=30
    )
    assert claimed.status_code == 200, claimed.text
    reply = requests.post(
        f"{server.base}/api/conversations/{listed[0]['id']}/replies",
        json={"text": received["ko"]},
        headers=headers,
        timeout=30,
    )
    assert reply.status_code == 202, reply.text

    def outbox() -> str:
        return requests.get(f"{server.base}/dev/outbox", headers=headers, timeout=30).text

    # Vietnamese letters Korean handsets cannot show: the SMS carries a link to the full reply.
    page = _poll(outbox, lambda text: f"{server.base}/r/" in text)
    link = re.search(rf"{re.escape(server.base)}/r/[\w-]+", page)
    assert link, page
    assert "보관됨 (발송 안 함)" in _poll(outbox, lambda text: "보관됨" in text)  # held, not sent
    # The link opens the conversation's chat page, which shows the reply once it has left
    # the queue (held in the outbox here), as it has by the time a resident has the link.
    page = _poll(
        lambda: requests.get(link.group(0), timeout=30).text, lambda t: received["vi"] in t
    )
    assert received["vi"] in page


def test_flask_run_without_an_account_or_the_outbox_refuses_to_start(
    tmp_path: Path, relay_models_path: Path
) -> None:
    """Not debug, no Twilio account, no outbox chosen: no reply could ever reach a resident,
    so `flask run` stops at once and says which settings to give; management commands that
    send nothing (`users create`, beside `make run`) still work."""
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("RELAY_", "FLASK_"))
    }
    env |= {"RELAY_INSTANCE_PATH": str(tmp_path / "instance"), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "flask", "--app", "wsgi"]
    port = str(free_port())
    refused = subprocess.run(
        [*command, "run", "--port", port],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode != 0
    assert "RELAY_TWILIO_ACCOUNT_SID" in refused.stderr
    assert "RELAY_OUTBOX" in refused.stderr
    for args, answer in (
        (["db", "upgrade"], None),
        (["users", "create", "minji"], "s3cret-pass\n"),
    ):
        done = subprocess.run(
            [*command, *args],
            cwd=REPO,
            env=env,
            input=answer,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr


def test_reloader_starts_the_consumer_once(tmp_path: Path, relay_models_path: Path) -> None:
    servers = _serve(tmp_path, relay_models_path, "--reload")
    server = next(servers)
    try:
        time.sleep(1.0)
        headers = server.admin_headers()
        health = requests.get(f"{server.base}/healthz", headers=headers, timeout=30).json()
        assert health["checks"]["queue"]["consumer"] == "embedded"
    finally:
        with pytest.raises(StopIteration):
            next(servers)
    assert server.output.count("relay is starting on") == 1, server.output


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.redis]),
    ]
)
def burst_server(
    request: pytest.FixtureRequest, tmp_path: Path, relay_models_path: Path
) -> Iterator[Server]:
    """`flask run` on the embedded default, and on PostgreSQL with a Redis queue."""
    settings = None
    if request.param == "postgres":
        settings = {
            "RELAY_DATABASE_URL": request.getfixturevalue("empty_postgres"),
            "RELAY_QUEUE_URL": request.getfixturevalue("redis_url"),
        }
    yield from _serve(tmp_path, relay_models_path, settings=settings)


def test_a_burst_of_texts_is_kept_once_while_a_separate_consumer_translates(
    burst_server: Server, tiny_models: TinyModels
) -> None:
    """Concurrent signed SMS, some delivered twice, while the consumer translates: every text
    is stored once and translated, by a consumer that runs in a process of its own, on
    SQLite and on PostgreSQL with Redis."""
    server = burst_server
    headers = server.admin_headers()
    health = requests.get(f"{server.base}/healthz", headers=headers, timeout=30).json()
    consumer_pid = health["checks"]["queue"]["consumer_pid"]
    assert isinstance(consumer_pid, int) and consumer_pid != server.process.pid
    command = Path(f"/proc/{consumer_pid}/cmdline").read_bytes().split(b"\0")
    parent = Path(f"/proc/{consumer_pid}/stat").read_text().rsplit(")", 1)[1].split()[1]
    assert b"worker" in command and parent == str(server.process.pid)  # `flask run`'s child

    wallet = tiny_models.phrase("wallet")
    texts = [
        (f"SM{index:032d}", f"+8210{index:08d}", wallet[("en", "vi", "zh", "ja", "mn")[index % 5]])
        for index in range(60)
    ]
    deliveries = texts + texts[::6]  # ten of them twice, as Twilio redelivers
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda t: server.sms(t[2], t[0], t[1]).status_code, deliveries))
    assert statuses == [200] * len(deliveries)

    def inbound() -> list[dict[str, Any]]:
        listed = requests.get(
            f"{server.base}/api/conversations?limit=200", headers=headers, timeout=30
        ).json()["conversations"]
        messages = []
        for row in listed:
            thread = requests.get(
                f"{server.base}/api/conversations/{row['id']}", headers=headers, timeout=30
            ).json()["messages"]
            messages += [m for m in thread if m["direction"] == "inbound"]
        return messages

    messages = _poll(
        inbound,
        lambda rows: len(rows) >= len(texts) and all(m["status"] != "received" for m in rows),
        seconds=120,
    )
    assert sorted(m["provider_sid"] for m in messages) == sorted(t[0] for t in texts)
    assert {m["status"] for m in messages} == {"translated"}, messages
    assert {m["translated_text"] for m in messages} == {wallet["ko"]}
