"""A recorded message whose transcript cannot be what the caller said is flagged to the agent
in Korean: here a caller presses Mongolian and speaks English (espeak-ng, as the phone network
carries it), and Whisper base, forced to Mongolian, writes the English in Latin letters.

Real faster-whisper base, the real recording job and the agent's real thread page.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.relay.agent_helpers import sign_in
from tests.support.app_fixtures import Webhooks, create_user, drain
from tests.support.recording_server import RecordingServer, TwilioCall, running_server
from tests.support.speech_fixtures import SpeechClips

WRONG_SCRIPT = "몽골어로 인식했지만 전사에 키릴 문자가 거의 없습니다"


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with running_server() as running:
        yield running


@pytest.mark.slow
def test_a_mongolian_call_transcribed_in_latin_letters_is_flagged(
    app_factory: Any, whisper_base_dir: Path, server: RecordingServer, speech_clips: SpeechClips
) -> None:
    app: Flask = app_factory(WHISPER_MODEL=str(whisper_base_dir))
    call = TwilioCall(Webhooks(app.test_client()), from_number="+821055508888")
    assert call.start().status_code == 200
    assert call.press("5").status_code == 200  # Mongolian
    url = server.serve_file(f"/{call.sid}", speech_clips.english_mulaw)
    assert call.finish_recording(url, 6).status_code == 200
    assert call.recording_ready(url, 6).status_code == 204
    drain(app)

    client = app.test_client()
    headers = {"Authorization": f"Bearer {create_user(app)}"}
    [summary] = client.get("/api/conversations", headers=headers).json["conversations"]
    thread = client.get(f"/api/conversations/{summary['id']}", headers=headers).json
    [message] = thread["messages"]
    assert message["original_language"] == "mn"
    assert "garbage" in message["original_text"].lower()  # Latin letters, as Whisper wrote them
    assert WRONG_SCRIPT in (message["flag"] or ""), message["flag"]
    page = sign_in(app, "agent-park").get(f"/agent/conversations/{thread['id']}")
    assert WRONG_SCRIPT in page.get_data(as_text=True)
