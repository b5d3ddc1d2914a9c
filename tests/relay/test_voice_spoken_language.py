"""Whole calls in a language relay does not serve: the caller presses 1, speaks French, German
or Russian (espeak-ng, as the phone network carries it) and the agent is told in Korean, the
conversation is marked for an interpreter, and the text is labelled a machine rendering. Then a
Chinese call whose transcript Whisper wrote in traditional characters reaches the agent in
simplified ones, with what was recognised kept.

Real faster-whisper base and the real job; only the Chinese test puts a recogniser double in
front of the pipeline, because synthetic Mandarin is not recognised as Chinese by base at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from languages.speech import AudioInput, Segment, Transcript
from languages.spoken import MACHINE_RENDERING
from relay.services import services
from tests.relay.agent_helpers import sign_in
from tests.support.app_fixtures import Webhooks, create_user, drain
from tests.support.recording_server import RecordingServer, TwilioCall, running_server
from tests.support.speech_fixtures import SpeechClips, synthesise, to_phone_mulaw

RESIDENT = "+821055507777"
SPEECH = {
    "fr": (
        "fr",
        "Bonjour, je voudrais savoir quand passe le camion des ordures dans mon quartier.",
        "프랑스어",
    ),
    "de": (
        "de",
        "Guten Tag, ich möchte wissen, wann die Müllabfuhr in meiner Straße kommt.",
        "독일어",
    ),
    "ru": (
        "ru",
        "Здравствуйте, я хотел бы узнать, когда приезжает мусоровоз в нашем районе.",
        "러시아어",
    ),
}


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with running_server() as running:
        yield running


@pytest.fixture
def voice_app(app_factory: Any, whisper_base_dir: Path) -> Flask:
    return app_factory(WHISPER_MODEL=str(whisper_base_dir))  # type: ignore[no-any-return]


def place_call(app: Flask, server: RecordingServer, clip: Path, digit: str) -> None:
    call = TwilioCall(Webhooks(app.test_client()), from_number=RESIDENT)
    assert call.start().status_code == 200
    assert call.press(digit).status_code == 200
    url = server.serve_file(f"/{call.sid}", clip)
    assert call.finish_recording(url, 6).status_code == 200
    assert call.recording_ready(url, 6).status_code == 204
    drain(app)


def the_thread(app: Flask) -> dict[str, Any]:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {create_user(app)}"}
    [summary] = client.get("/api/conversations", headers=headers).json["conversations"]
    return client.get(f"/api/conversations/{summary['id']}", headers=headers).json  # type: ignore[no-any-return]


@pytest.mark.slow
@pytest.mark.parametrize("language", sorted(SPEECH))
def test_a_caller_in_an_unserved_language_is_flagged_for_an_interpreter(
    voice_app: Flask, server: RecordingServer, language: str
) -> None:
    voice, text, korean = SPEECH[language]
    place_call(voice_app, server, to_phone_mulaw(synthesise(voice, text)), "1")
    thread = the_thread(voice_app)
    assert thread["needs_interpreter"] is True
    [message] = thread["messages"]
    assert message["original_language"] == "en"  # the menu's, as forced
    assert (message["flag"] or "").startswith(f"{korean}로 들립니다 (확률 "), message["flag"]
    heard = message["spoken_language"]
    assert heard["chosen"] == "en" and heard["spoken"] == language and heard["differs"] is True
    assert heard["probability"] > heard["chosen_probability"]
    page = sign_in(voice_app, "agent-kim").get(f"/agent/conversations/{thread['id']}")
    html = page.get_data(as_text=True)
    assert MACHINE_RENDERING in html
    assert f"{korean}로 들립니다" in html


@pytest.mark.slow
def test_an_english_caller_is_not_flagged_and_keeps_the_original_label(
    voice_app: Flask, server: RecordingServer, speech_clips: SpeechClips
) -> None:
    place_call(voice_app, server, speech_clips.english_mulaw, "1")
    thread = the_thread(voice_app)
    assert thread["needs_interpreter"] is False
    [message] = thread["messages"]
    assert message["spoken_language"]["spoken"] == "en"
    assert message["spoken_language"]["differs"] is False
    assert not message["flag"]
    page = sign_in(voice_app, "agent-lee").get(f"/agent/conversations/{thread['id']}")
    html = page.get_data(as_text=True)
    assert MACHINE_RENDERING not in html and "원문" in html


class TraditionalChinese:
    """A recogniser double that writes what Whisper wrote on one phone call: Mandarin in
    traditional characters. It has no language detection, so the check is skipped."""

    def transcribe(self, audio: AudioInput, language: str | None = None) -> Transcript:
        assert language == "zh"
        segments = (
            Segment(0.0, 2.5, "我想問一下垃圾收集的時間。", -0.3, 0.02, 1.1),
            Segment(2.5, 5.0, "你好", -0.2, 0.01, 1.0),
        )
        return Transcript("zh", 1.0, 6.0, "我想問一下垃圾收集的時間。 你好", segments)


def test_a_chinese_transcript_in_traditional_characters_reaches_the_agent_simplified(
    app: Flask, server: RecordingServer, speech_clips: SpeechClips, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services(app).languages, "recognizer", TraditionalChinese)
    place_call(app, server, speech_clips.english_mulaw, "2")
    [message] = the_thread(app)["messages"]
    assert message["original_language"] == "zh"
    assert message["original_text"] == "我想问一下垃圾收集的时间。 你好"
    first, second = message["segments"]
    assert first["text"] == "我想问一下垃圾收集的时间。"
    assert first["recognised_text"] == "我想問一下垃圾收集的時間。"  # the evidence trail
    assert "recognised_text" not in second
    assert message["spoken_language"] is None
