"""A live call from the resident simulator under `flask run`, as a newcomer places it after
`make run`: the development server serves the app's own websocket while the simulator's thread
streams to it, and the agent's reply, made by the separate job consumer and held in the
outbox, reaches the simulator page as the TwiML that would speak it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.system.test_flask_run import Server, _poll, _serve

pytestmark = pytest.mark.slow
PASSWORD = "s3cret-pass"


@pytest.fixture
def server(
    tmp_path: Path, relay_models_path: Path, whisper_base_dir: Path, monkeypatch: Any
) -> Iterator[Server]:
    monkeypatch.setenv("RELAY_WHISPER_MODEL", str(whisper_base_dir))  # `_serve` passes it on
    yield from _serve(tmp_path, relay_models_path)


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


def _signed_in(server: Server, name: str) -> requests.Session:
    server.flask("users", "create", name, "--role", "agent", input=PASSWORD + "\n")
    session = requests.Session()
    form = session.get(f"{server.base}/login", timeout=30).text
    answer = session.post(
        f"{server.base}/login",
        data={"username": name, "password": PASSWORD, "csrf_token": _csrf(form)},
        timeout=30,
    )
    assert answer.url.endswith("/agent/"), answer.url
    return session


def test_a_live_call_placed_from_the_simulator_under_flask_run(server: Server) -> None:
    _live_call(server)


def _live_call(server: Server) -> None:
    caller = _signed_in(server, "developer")
    page = caller.get(f"{server.base}/dev/simulator", timeout=30).text
    placed = caller.post(
        f"{server.base}/dev/simulator/live",
        data={
            "csrf_token": _csrf(page),
            "language": "en",
            "say": "Hello, I would like to ask about my garbage collection schedule.",
        },
        timeout=60,
    )
    assert "/dev/simulator/live/CA" in placed.url, placed.text[:500]
    state_url = placed.url + "?format=json"

    def state() -> dict[str, Any]:
        return caller.get(state_url, timeout=30).json()  # type: ignore[no-any-return]

    opened = _poll(state, lambda s: any("미디어 스트림 연결" in x["what"] for x in s["steps"]))
    assert any("미디어 스트림 연결" in x["what"] for x in opened["steps"]), opened

    server.flask("users", "create", "minji", "--role", "agent", input=PASSWORD + "\n")
    headers = {"Authorization": f"Bearer {server.flask('users', 'token', 'minji').strip()}"}

    def conversations() -> list[dict[str, Any]]:
        answer = requests.get(f"{server.base}/api/conversations", headers=headers, timeout=30)
        return answer.json()["conversations"]  # type: ignore[no-any-return]

    captioned = _poll(
        conversations,
        lambda rows: rows and (rows[0].get("last_message") or {}).get("status") == "translated",
        seconds=180,
    )
    assert captioned[0]["last_message"]["status"] == "translated", captioned
    conversation = captioned[0]["id"]
    claimed = requests.post(
        f"{server.base}/api/conversations/{conversation}/claim", headers=headers, timeout=30
    )
    assert claimed.status_code == 200, claimed.text
    reply = requests.post(
        f"{server.base}/api/conversations/{conversation}/replies",
        json={"text": "안녕하세요"},
        headers=headers,
        timeout=60,
    )
    assert reply.status_code == 202, reply.text

    def spoken(found: dict[str, Any]) -> list[str]:
        return [s["twiml"] for s in found["steps"] if s["twiml"] and "mute_seconds" in s["twiml"]]

    updated = _poll(state, lambda s: bool(spoken(s)), seconds=60)
    [twiml] = spoken(updated)
    assert '<Say language="en-US"' in twiml and "<Start><Stream" in twiml

    page = caller.get(placed.url, timeout=30).text
    caller.post(placed.url + "/hangup", data={"csrf_token": _csrf(page)}, timeout=30)
    ended = _poll(state, lambda s: s["ended"])
    assert ended["ended"] and "/twilio/voice/status" in ended["steps"][-1]["what"]
