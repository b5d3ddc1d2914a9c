"""Live calls end to end: a real server, Twilio's Media Streams played over a real websocket
from espeak-ng speech at 8 kHz mu-law, real faster-whisper (base) with the menu's language
forced, the tiny real translation models, and the REST update that speaks the agent's reply
captured by the twilio library's swapped HTTP client.

The speech is synthetic: it proves the plumbing (frames, VAD, one transcription per utterance,
captions in the agent's thread), not recognition accuracy on callers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from flask import Flask, testing

from relay.twilio.security import sign
from tests.support.app_fixtures import ACCOUNT_SID, AUTH_TOKEN, RecordingHttpClient
from tests.support.media_stream_client import StreamPlayer, mulaw_bytes, serving, silence
from tests.support.speech_fixtures import SpeechClips
from transcripts.models import Event, Message, MessageStatus

RESIDENT = "+821055501234"
CALL_SID = "CA" + "a" * 32


@pytest.fixture
def live(
    app_factory: Any, whisper_base_dir: Path, twilio_http: RecordingHttpClient
) -> Iterator[tuple[Flask, str]]:
    with serving(
        app_factory,
        VOICE_LIVE=True,
        WHISPER_MODEL=str(whisper_base_dir),
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_HTTP_CLIENT=twilio_http,
    ) as running:
        yield running


def post(app: Flask, base: str, path: str, params: dict[str, str]) -> testing.TestResponse:
    signature = sign(f"{base}{path}", params, AUTH_TOKEN)
    return app.test_client().post(path, data=params, headers={"X-Twilio-Signature": signature})


def go_live(app: Flask, base: str, call_sid: str = CALL_SID) -> tuple[str, dict[str, str]]:
    """Call, press 1: returns the stream URL and parameters of the live TwiML."""
    params = {"CallSid": call_sid, "From": RESIDENT, "To": "+8215880120", "AccountSid": ACCOUNT_SID}
    assert post(app, base, "/twilio/voice", params).status_code == 200
    answer = post(app, base, "/twilio/voice/menu", {**params, "Digits": "1"})
    document = ElementTree.fromstring(answer.data)
    stream = document.find("Start/Stream")
    assert stream is not None, answer.data
    assert document.find("Pause") is not None and document.find("Redirect") is not None
    parameters = {p.get("name", ""): p.get("value", "") for p in stream.findall("Parameter")}
    return stream.get("url", ""), parameters


def messages(app: Flask) -> list[Message]:
    from relay.services import services

    with services(app).sessions() as session:
        return list(session.query(Message).order_by(Message.id))


def wait_for(check: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("timed out")


def event_kinds(app: Flask) -> list[str]:
    from relay.services import services

    with services(app).sessions() as session:
        return [event.kind for event in session.query(Event).order_by(Event.id)]


def captions(app: Flask) -> list[Message]:
    done = (MessageStatus.TRANSLATED, MessageStatus.FAILED, MessageStatus.EMPTY)
    return [m for m in messages(app) if m.direction.value == "inbound" and m.status in done]


@pytest.mark.slow
def test_a_caller_is_captioned_in_korean_while_the_call_goes_on(
    live: tuple[Flask, str], speech_clips: SpeechClips
) -> None:
    app, base = live
    url, parameters = go_live(app, base)
    assert url == base.replace("http://", "ws://") + "/twilio/voice/stream"
    assert parameters == {"call": CALL_SID, "language": "en"}
    player = StreamPlayer(url, AUTH_TOKEN, CALL_SID, parameters=parameters).connect()
    player.start()
    player.play(silence(0.5) + mulaw_bytes(speech_clips.english_mulaw) + silence(1.5))
    [caption] = wait_for(lambda: captions(app))
    player.stop()
    player.close()
    assert caption.status is MessageStatus.TRANSLATED, caption.status_reason
    assert caption.original_language == "en"
    words = caption.original_text.lower()
    assert "garbage" in words and "tuesday" in words, words
    assert caption.translated_text
    assert caption.speech_ended_at and caption.transcript_at and caption.korean_at
    latency = (caption.korean_at - caption.speech_ended_at).total_seconds()
    print(f"caption latency from end of speech: {latency:.2f} s")
    assert caption.audio_path and caption.audio_seconds and caption.audio_seconds > 3
    assert "call.caller_speaking" in event_kinds(app)
