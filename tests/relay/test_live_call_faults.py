"""Live calls under bad input: unsigned upgrades, unknown calls, malformed frames, floods,
silence and noise that must cost no Whisper time, and a caller hanging up mid-sentence."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests
import websocket
from flask import Flask

from languages.live_audio import FrameOrder, SpeechSegmenter, Utterance
from relay.services import services
from relay.twilio.security import sign
from tests.relay.test_live_calls import CALL_SID, captions, go_live, messages, wait_for
from tests.support.app_fixtures import AUTH_TOKEN
from tests.support.media_stream_client import StreamPlayer, mulaw_bytes, serving
from tests.support.speech_fixtures import SpeechClips


@pytest.fixture
def live(app_factory: Any, whisper_base_dir: Path) -> Iterator[tuple[Flask, str]]:
    with serving(app_factory, VOICE_LIVE=True, WHISPER_MODEL=str(whisper_base_dir)) as running:
        yield running


def stream_url(base: str) -> str:
    return base.replace("http://", "ws://") + "/twilio/voice/stream"


def test_frames_are_put_back_in_order_and_gaps_filled_with_silence() -> None:
    order = FrameOrder(hold=2)
    assert order.push(1, b"a") == [b"a"]
    assert order.push(3, b"c") == []  # 2 may still come
    assert order.push(2, b"b") == [b"b", b"c"]
    assert order.push(2, b"b") == []  # late duplicate
    assert order.push(3, b"c") == []
    order.push(5, b"e")
    order.push(6, b"f")
    ready = order.push(7, b"g")  # 4 never came: filled with one silent frame
    assert ready == [b"\xff" * 160, b"e", b"f", b"g"]
    assert order.stats.missing == 1 and order.stats.late == 2


def test_ten_minutes_of_silence_and_noise_make_no_utterance() -> None:
    segmenter = SpeechSegmenter()
    started = time.process_time()
    for _ in range(10 * 60 * 50):
        assert segmenter.feed(b"\xff" * 160) == []
    assert time.process_time() - started < 60  # VAD only: no recogniser is involved here
    noise = (np.random.default_rng(1).integers(0, 256, 8000 * 10)).astype(np.uint8).tobytes()
    events = [e for i in range(0, len(noise), 160) for e in segmenter.feed(noise[i : i + 160])]
    assert not [e for e in events if isinstance(e, Utterance) and e.seconds > 3]


def test_an_unsigned_upgrade_is_refused(live: tuple[Flask, str]) -> None:
    _app, base = live
    upgrade = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Key": base64.b64encode(b"0123456789abcdef").decode(),
        "Sec-WebSocket-Version": "13",
    }
    url = f"{base}/twilio/voice/stream"
    assert requests.get(url, headers=upgrade, timeout=10).status_code == 403
    wrong = sign(stream_url(base), {}, "not-the-token")
    forged = {**upgrade, "X-Twilio-Signature": wrong}
    assert requests.get(url, headers=forged, timeout=10).status_code == 403
    # Signed for https:// while the stream URL is ws://: refused too.
    https = sign(f"{base}/twilio/voice/stream", {}, AUTH_TOKEN)
    assert (
        requests.get(url, headers={**upgrade, "X-Twilio-Signature": https}, timeout=10).status_code
        == 403
    )


def test_a_stream_for_an_unknown_call_is_closed(live: tuple[Flask, str]) -> None:
    app, base = live
    player = StreamPlayer(stream_url(base), AUTH_TOKEN, "CA" + "9" * 32).connect()
    player.start()
    player.ws.settimeout(10)
    try:
        with pytest.raises(websocket.WebSocketException):  # closed by the server
            for _ in range(50):
                player.send(player.media_frame(b"\xff" * 160))
                player.ws.recv()
    finally:
        player.close()
    assert messages(app) == []


@pytest.mark.slow
def test_bad_frames_silence_and_a_flood_burn_no_whisper_and_a_hang_up_keeps_the_sentence(
    live: tuple[Flask, str], speech_clips: SpeechClips
) -> None:
    app, base = live
    url, parameters = go_live(app, base)
    player = StreamPlayer(url, AUTH_TOKEN, CALL_SID, parameters=parameters).connect()
    player.start()
    for bad in (
        "{not json",
        json.dumps([1, 2]),
        json.dumps({"event": "media", "streamSid": player.stream_sid, "media": {"chunk": "x"}}),
        json.dumps(
            {
                "event": "media",
                "sequenceNumber": "1",
                "streamSid": player.stream_sid,
                "media": {"chunk": "1", "timestamp": "0", "payload": "!!not base64!!"},
            }
        ),
        json.dumps({"event": "dtmf", "streamSid": player.stream_sid, "dtmf": {"digit": "1"}}),
    ):
        player.send(bad)
    # Silence faster than real time: most of it is dropped, none of it reaches Whisper.
    frames = [player.media_frame(b"\xff" * 160) for _ in range(1000)]
    for frame in frames:
        player.send(frame)
    player.send(frames[10])  # a duplicate
    time.sleep(1.0)
    assert not services(app).languages.recognizer().is_loaded  # no Whisper time at all
    assert messages(app) == []
    # The caller speaks and hangs up mid-sentence: the socket drops without stop.
    english = mulaw_bytes(speech_clips.english_mulaw)
    time.sleep(22)  # let the wall clock catch up with the flood's allowance
    player.play(english[: len(english) * 2 // 3], speed=1.0)
    player.ws.shutdown()  # the line drops: no close frame, no stop
    [caption] = wait_for(lambda: captions(app))
    assert caption.original_text, caption.status_reason
    assert caption.segments and caption.segments[0]["start"] >= 0
