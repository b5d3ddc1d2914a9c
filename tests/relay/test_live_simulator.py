"""The resident simulator's live call: it plays Twilio's part (signed webhooks, then the caller's
audio over a real signed websocket to the app served by a real server, in real time), the
agent's reply is held in the outbox, and the simulator shows that TwiML and acts on it as
Twilio would (a new stream for the same call). Real Whisper base, the tiny real translators."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from languages.audio import load_audio
from relay.services import services
from relay.voice.live_simulator import LiveCallView, simulator
from relay.voice.phone_stream import phone_audio
from tests.relay.test_live_calls import wait_for
from tests.support.app_fixtures import create_user, drain
from tests.support.media_stream_client import serving
from tests.support.recording_server import parse_twiml
from tests.support.speech_fixtures import SpeechClips
from transcripts.models import Call, Message, MessageStatus

RESIDENT = "+821055501234"


@pytest.fixture
def live(app_factory: Any, whisper_base_dir: Path) -> Iterator[tuple[Flask, str]]:
    with serving(app_factory, VOICE_LIVE=True, WHISPER_MODEL=str(whisper_base_dir)) as running:
        yield running


def captions(app: Flask) -> list[Message]:
    with services(app).sessions() as session:
        return [
            m
            for m in session.query(Message).order_by(Message.id)
            if m.direction.value == "inbound" and m.status is MessageStatus.TRANSLATED
        ]


def steps_with(view: LiveCallView, text: str) -> list[str]:
    return [step.twiml for step in view.steps if step.twiml and text in step.twiml]


@pytest.mark.slow
def test_the_simulator_places_a_live_call_and_shows_the_spoken_reply(
    live: tuple[Flask, str], speech_clips: SpeechClips
) -> None:
    app, base = live
    audio = phone_audio(load_audio(speech_clips.english_16k))
    sims = simulator(app)
    sid = sims.place(RESIDENT, "en", audio)

    [caption] = wait_for(lambda: captions(app), 90)
    assert "garbage" in caption.original_text.lower()
    assert caption.translated_text
    view = sims.view(sid)
    assert view is not None and not view.ended
    [menu] = steps_with(view, "<Stream")
    stream = parse_twiml(menu).find("Start/Stream")
    assert stream is not None and stream.get("url") == base.replace("http", "ws", 1) + (
        "/twilio/voice/stream"
    )
    assert view.frames_sent > 150  # the speech went out frame by frame, 20 ms each

    with services(app).sessions() as session:
        conversation = session.query(Call).one().conversation_id
    headers = {"Authorization": f"Bearer {create_user(app)}"}
    client = app.test_client()
    assert (
        client.post(f"/api/conversations/{conversation}/claim", headers=headers).status_code < 300
    )
    sent = client.post(
        f"/api/conversations/{conversation}/replies", json={"text": "안녕하세요"}, headers=headers
    )
    assert sent.status_code == 202, sent.json
    drain(app)
    with services(app).sessions() as session:
        [reply] = session.query(Message).filter(Message.direction == "outbound").all()
        assert reply.status is MessageStatus.HELD  # the outbox held it: nobody heard it
        assert "들려주지 않았습니다" in (reply.flag or "")  # and the thread does not say they did

    def updates() -> list[str]:
        found = sims.view(sid)
        return steps_with(found, "mute_seconds") if found else []

    [update] = wait_for(updates, 20)
    document = parse_twiml(update)
    assert [child.tag for child in document] == ["Start", "Say", "Pause", "Redirect"]
    say = document.find("Say")
    assert say is not None and say.get("language") == "en-US" and say.text
    # As Twilio would, the simulator starts the update's stream: the call now has a second one.
    wait_for(
        lambda: len([s for s in sims.view(sid).steps if "미디어 스트림 연결" in s.what]) == 2, 90
    )

    time.sleep(1)  # the new stream's start reaches relay before the caller hangs up
    assert sims.hang_up(sid)
    ended = wait_for(lambda: (v := sims.view(sid)) is not None and v.ended and v, 20)
    assert "/twilio/voice/status → 204" in ended.steps[-1].what
    with services(app).sessions() as session:
        assert session.query(Call).one().ended_at is not None


def test_an_uploaded_recording_becomes_phone_audio_for_the_live_call(
    app_factory: Any, speech_clips: SpeechClips
) -> None:
    from werkzeug.datastructures import FileStorage

    from languages.audio import duration_seconds
    from relay.voice.simulator import LIVE_PAUSE_SECONDS, SimulatorError, caller_audio

    app = app_factory()
    seconds = duration_seconds(load_audio(speech_clips.english_16k))
    with app.test_request_context(), speech_clips.english_16k.open("rb") as wav:
        upload = FileStorage(wav, filename="caller.wav", content_type="audio/wav")
        audio = caller_audio("en", "", upload)
        # 8 kHz mu-law: one byte a sample, then the pause that ends the utterance.
        assert abs(len(audio) - 8000 * (seconds + LIVE_PAUSE_SECONDS)) < 80
        with pytest.raises(SimulatorError):
            caller_audio("en", "  \n ", None)
