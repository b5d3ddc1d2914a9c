"""Live calls end to end: a real server, Twilio's Media Streams played over a real websocket
from espeak-ng speech at 8 kHz mu-law, real faster-whisper (base) with the menu's language
forced, the tiny real translation models, and the REST update that speaks the agent's reply
captured by the twilio library's swapped HTTP client.

The speech is synthetic: it proves the plumbing (frames, VAD, one transcription per utterance,
captions in the agent's thread), not recognition accuracy on callers.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, testing
from twilio.http.response import Response as TwilioResponse

from relay.twilio.security import sign
from tests.support.app_fixtures import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    RecordingHttpClient,
    create_user,
    drain,
)
from tests.support.media_stream_client import StreamPlayer, mulaw_bytes, serving, silence
from tests.support.recording_server import parse_twiml
from tests.support.speech_fixtures import SpeechClips
from transcripts.models import Call, Event, Message, MessageStatus

RESIDENT = "+821055501234"
CALL_SID = "CA" + "a" * 32


def serving_live(
    app_factory: Any, whisper_base_dir: Path, twilio_http: RecordingHttpClient, **config: Any
) -> AbstractContextManager[tuple[Flask, str]]:
    """The app with live calls on, the shipped Whisper and Twilio's REST calls recorded,
    behind a real server."""
    return serving(
        app_factory,
        VOICE_LIVE=True,
        WHISPER_MODEL=str(whisper_base_dir),
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_HTTP_CLIENT=twilio_http,
        **config,
    )


@pytest.fixture
def live(
    app_factory: Any, whisper_base_dir: Path, twilio_http: RecordingHttpClient
) -> Iterator[tuple[Flask, str]]:
    with serving_live(app_factory, whisper_base_dir, twilio_http) as running:
        yield running


def post(app: Flask, base: str, path: str, params: dict[str, str]) -> testing.TestResponse:
    signature = sign(f"{base}{path}", params, AUTH_TOKEN)
    return app.test_client().post(path, data=params, headers={"X-Twilio-Signature": signature})


def go_live(app: Flask, base: str, call_sid: str = CALL_SID) -> tuple[str, dict[str, str]]:
    """Call, press 1: returns the stream URL and parameters of the live TwiML."""
    params = {"CallSid": call_sid, "From": RESIDENT, "To": "+8215880120", "AccountSid": ACCOUNT_SID}
    assert post(app, base, "/twilio/voice", params).status_code == 200
    answer = post(app, base, "/twilio/voice/menu", {**params, "Digits": "1"})
    document = parse_twiml(answer.data.decode())
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
    english = mulaw_bytes(speech_clips.english_mulaw)
    player.play(silence(0.5) + english + silence(1.5))
    [caption] = wait_for(lambda: captions(app))
    # A second utterance on the warm models: the latency a caller lives with after the first.
    player.play(english + silence(1.5))
    [_, warm] = wait_for(lambda: captions(app) if len(captions(app)) == 2 else None)
    player.stop()
    player.close()
    assert warm.korean_at and warm.speech_ended_at
    warm_latency = (warm.korean_at - warm.speech_ended_at).total_seconds()
    print(f"warm caption latency from end of speech: {warm_latency:.2f} s")
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


def conversation_id(app: Flask) -> int:
    return messages(app)[0].conversation_id if messages(app) else _first_conversation(app)


def _first_conversation(app: Flask) -> int:
    from relay.services import services

    with services(app).sessions() as session:
        call = session.query(Call).one()
        assert call.conversation_id is not None
        return call.conversation_id


def the_call(app: Flask) -> Call:
    from relay.services import services

    with services(app).sessions() as session:
        return session.query(Call).one()


@pytest.mark.slow
def test_the_agent_answers_and_the_reply_is_spoken_on_the_same_call(
    live: tuple[Flask, str], twilio_http: RecordingHttpClient, speech_clips: SpeechClips
) -> None:
    app, base = live
    url, _ = go_live(app, base)
    headers = {"Authorization": f"Bearer {create_user(app)}"}
    client = app.test_client()
    conversation = _first_conversation(app)
    wait = {"CallSid": CALL_SID, "AccountSid": ACCOUNT_SID}
    waiting = parse_twiml(post(app, base, "/twilio/voice/live/wait", wait).data.decode())
    assert waiting.find("Pause") is not None and waiting.find("Record") is None
    assert the_call(app).agent_answered_at is None
    assert (
        client.post(f"/api/conversations/{conversation}/claim", headers=headers).status_code < 300
    )
    call = the_call(app)
    assert call.agent_answered_at is not None and call.agent_answered_at >= call.started_at

    sent = client.post(
        f"/api/conversations/{conversation}/replies", json={"text": "안녕하세요"}, headers=headers
    )
    assert sent.status_code == 202, sent.json
    assert sent.json["preview"]["channel"] == "live"
    drain(app)
    [update] = [r for r in twilio_http.requests if r["url"].endswith(f"/Calls/{CALL_SID}.json")]
    document = parse_twiml(update["data"]["Twiml"])
    assert [child.tag for child in document] == ["Start", "Say", "Pause", "Redirect"]
    stream = document.find("Start/Stream")
    assert stream is not None and stream.get("url") == url
    again = {p.get("name", ""): p.get("value", "") for p in stream.findall("Parameter")}
    assert again["call"] == CALL_SID and float(again["mute_seconds"]) > 0
    say = document.find("Say")
    assert say is not None and say.get("language") == "en-US" and say.text
    [reply] = [m for m in messages(app) if m.direction.value == "outbound"]
    assert reply.status is MessageStatus.SENT and reply.channel.value == "live"

    # The reply's new stream joins the call; what the caller says while it is spoken (the
    # reply's echo) is not an utterance, what they say after it is.
    player = StreamPlayer(url, AUTH_TOKEN, CALL_SID, "MZ" + "1" * 32, again).connect()
    player.start()
    english = mulaw_bytes(speech_clips.english_mulaw)
    player.play(english[: 8000 * int(float(again["mute_seconds"]) - 0.5)], speed=1.2)
    time.sleep(float(again["mute_seconds"]))
    player.play(silence(0.3) + english + silence(1.2), speed=1.2)
    [caption] = wait_for(lambda: captions(app))
    player.stop()
    player.close()
    assert "garbage" in caption.original_text.lower()


@pytest.mark.slow
def test_a_failing_call_update_tells_the_agent_and_texts_the_reply(
    live: tuple[Flask, str], twilio_http: RecordingHttpClient
) -> None:
    app, base = live
    go_live(app, base)
    headers = {"Authorization": f"Bearer {create_user(app)}"}
    client = app.test_client()
    conversation = _first_conversation(app)
    client.post(f"/api/conversations/{conversation}/claim", headers=headers)
    answer = twilio_http.request

    def refuse_call_updates(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if "/Calls/" in url:  # the call ended between the reply and the update
            twilio_http.requests.append({"method": method, "url": url, "data": {}, "auth": None})
            return TwilioResponse(404, json.dumps({"code": 20404, "message": "Call not found"}))
        return answer(method, url, *args, **kwargs)

    twilio_http.request = refuse_call_updates  # type: ignore[method-assign]
    sent = client.post(
        f"/api/conversations/{conversation}/replies", json={"text": "안녕하세요"}, headers=headers
    )
    assert sent.status_code == 202
    drain(app)
    urls = [r["url"] for r in twilio_http.requests]
    assert any(u.endswith(f"/Calls/{CALL_SID}.json") for u in urls)
    assert any(u.endswith("/Messages.json") for u in urls)  # the SMS instead
    [reply] = [m for m in messages(app) if m.direction.value == "outbound"]
    assert reply.flag and "문자로" in reply.flag
    assert reply.provider_sid and reply.provider_sid.startswith("SM"), reply.status_reason
