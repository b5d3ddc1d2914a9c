"""The resident simulator places a call: signed voice webhooks to the app itself, and the
recording fetched over real HTTP from the app's own development URL."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.serving import make_server

from relay.services import services
from tests.relay.agent_helpers import sign_in
from tests.support.app_fixtures import ACCOUNT_SID, create_user, drain
from tests.support.servers import free_port
from tests.support.speech_fixtures import SpeechClips
from transcripts.models import Call


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1)


@pytest.fixture
def served_app(app_factory: Any, whisper_base_dir: Path) -> Iterator[Flask]:
    """The app listening on a real port that is also its public base URL."""
    port = free_port()
    app = app_factory(
        WHISPER_MODEL=str(whisper_base_dir), PUBLIC_BASE_URL=f"http://127.0.0.1:{port}"
    )
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app
    finally:
        server.shutdown()
        thread.join(timeout=5)


def call_from_simulator(app: Flask, **form: Any) -> list[dict[str, Any]]:
    client = sign_in(app, "developer")
    page = client.get("/dev/simulator").get_data(as_text=True)
    posted = client.post(
        "/dev/simulator/call",
        data={"csrf_token": csrf_token(page), "phone": "+821055501234", **form},
        content_type="multipart/form-data",
    )
    assert posted.status_code == 302
    drain(app)
    headers = {"Authorization": f"Bearer {create_user(app)}"}
    [summary] = client.get("/api/conversations", headers=headers).json["conversations"]
    thread = client.get(f"/api/conversations/{summary['id']}", headers=headers).json
    return thread["messages"]  # type: ignore[no-any-return]


@pytest.mark.slow
def test_a_simulated_call_with_generated_speech_is_transcribed(served_app: Flask) -> None:
    [message] = call_from_simulator(
        served_app, language="en", say="Hello, I lost my wallet on the bus yesterday."
    )
    assert message["channel"] == "voice"
    assert message["status"] == "translated", message["status_reason"]
    assert "wallet" in message["original_text"].lower()
    assert message["translated_text"]
    assert message["audio_url"]
    page = sign_in(served_app, "developer", create=False).get(
        "/dev/simulator?phone=%2B821055501234"
    )
    assert "wallet" in page.get_data(as_text=True).lower()


@pytest.mark.slow
def test_a_simulated_call_with_an_uploaded_recording(
    served_app: Flask, speech_clips: SpeechClips
) -> None:
    with speech_clips.english_mulaw.open("rb") as audio:
        [message] = call_from_simulator(served_app, language="en", audio=(audio, "call.wav"))
    assert message["status"] == "translated", message["status_reason"]
    assert "garbage" in message["original_text"].lower()
    stored = Path(served_app.config["INSTANCE_PATH"])
    assert any((stored / "recordings").rglob("*.wav"))


def test_the_simulator_refuses_what_it_cannot_play(app: Flask) -> None:
    client = sign_in(app, "developer")
    token = csrf_token(client.get("/dev/simulator").get_data(as_text=True))
    with Path(__file__).open("rb") as not_audio:
        response = client.post(
            "/dev/simulator/call",
            data={"csrf_token": token, "language": "en", "audio": (not_audio, "x.wav")},
            content_type="multipart/form-data",
            follow_redirects=True,
        )
    assert "call not placed" in response.get_data(as_text=True)
    assert client.post("/dev/simulator/call", data={"language": "en"}).status_code == 400
    wrong_key = client.post(
        "/dev/simulator/call",
        data={"csrf_token": token, "language": "9", "say": "hello"},
        follow_redirects=True,
    )
    assert "call not placed" in wrong_key.get_data(as_text=True)
    nul = client.post(
        "/dev/simulator/call",
        data={"csrf_token": token, "language": "en", "say": "hello\x00world"},
        follow_redirects=True,
    )
    assert "NUL character" in nul.get_data(as_text=True)
    assert client.get("/dev/audio/not-a-token").status_code == 404
    assert client.get("/dev/audio/" + "a" * 24).status_code == 404
    with services(app).sessions() as session:
        assert session.scalar(select(func.count(Call.id))) == 0


def test_simulated_calls_are_off_in_production(app_factory: Any) -> None:
    production = app_factory(TWILIO_ACCOUNT_SID=ACCOUNT_SID, DEV_PAGES=False)
    client = production.test_client()
    assert client.post("/dev/simulator/call").status_code in (400, 404)  # CSRF, then 404
    assert client.get("/dev/audio/" + "a" * 24).status_code == 404
