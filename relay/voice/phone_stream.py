"""Twilio's side of a Media Stream: the messages it sends and the pace it sends them at.

The resident simulator (and the live-call benchmark and tests) play a caller to relay's own
websocket. They must speak exactly as Twilio does, or they prove nothing: `connected`, then
`start` with the stream and call ids, the custom parameters and the media format, then one
`media` message per 20 ms of 8 kHz mu-law with rising sequence numbers, chunks and timestamps,
then `stop`; the upgrade request carries Twilio's signature of the stream URL.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simple_websocket

from languages.audio import SAMPLE_RATE, Samples, encode_mulaw, resample
from relay.twilio.security import sign

PHONE_RATE = 8_000
FRAME_BYTES = 160  # 20 ms of 8 kHz mu-law, what Twilio puts in one media message
FRAME_SECONDS = 0.02
SILENCE_BYTE = b"\xff"  # mu-law's zero


def phone_audio(samples: Samples) -> bytes:
    """16 kHz samples as a phone line carries them to Twilio: 8 kHz G.711 mu-law bytes."""
    narrow = resample(samples, SAMPLE_RATE, PHONE_RATE)
    linear = np.clip(np.round(narrow * 32768.0), -32768, 32767).astype(np.int16)
    return encode_mulaw(linear)


def silence(seconds: float) -> bytes:
    """A caller saying nothing for `seconds`, in mu-law."""
    return SILENCE_BYTE * int(PHONE_RATE * seconds)


@dataclass
class StreamMessages:
    """The messages of one stream, numbered as Twilio numbers them."""

    call_sid: str
    stream_sid: str
    account_sid: str
    parameters: dict[str, str] = field(default_factory=dict)
    sequence: int = 0
    chunk: int = 0

    def _next(self) -> str:
        self.sequence += 1
        return str(self.sequence)

    def connected(self) -> dict[str, Any]:
        return {"event": "connected", "protocol": "Call", "version": "1.0.0"}

    def start(self) -> dict[str, Any]:
        return {
            "event": "start",
            "sequenceNumber": self._next(),
            "streamSid": self.stream_sid,
            "start": {
                "streamSid": self.stream_sid,
                "accountSid": self.account_sid,
                "callSid": self.call_sid,
                "tracks": ["inbound"],
                "customParameters": self.parameters,
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            },
        }

    def media(self, payload: bytes, *, chunk: int | None = None) -> dict[str, Any]:
        """One frame; `chunk` overrides the running count (to replay or reorder frames)."""
        if chunk is None:
            self.chunk += 1
            chunk = self.chunk
        return {
            "event": "media",
            "sequenceNumber": self._next(),
            "streamSid": self.stream_sid,
            "media": {
                "track": "inbound",
                "chunk": str(chunk),
                "timestamp": str((chunk - 1) * 20),
                "payload": base64.b64encode(payload).decode(),
            },
        }

    def stop(self) -> dict[str, Any]:
        return {
            "event": "stop",
            "sequenceNumber": self._next(),
            "streamSid": self.stream_sid,
            "stop": {"accountSid": self.account_sid, "callSid": self.call_sid},
        }


class StreamClosedError(RuntimeError):
    """relay closed the stream (or the connection dropped) while audio was being played."""


class StreamCaller:
    """One signed websocket to a stream URL, fed in real time.

    `play` paces frames on the wall clock from the first one, so a slow moment does not stretch
    the call: frames catch up as Twilio's would. `hang_up` (an event) ends a `play` early.
    """

    def __init__(self, url: str, auth_token: str, messages: StreamMessages) -> None:
        self.url = url
        self.messages = messages
        self.hang_up = threading.Event()
        self.frames_sent = 0
        self._ws = simple_websocket.Client.connect(
            url, headers={"X-Twilio-Signature": sign(url, {}, auth_token)}
        )

    def send(self, message: dict[str, Any]) -> None:
        if not self._ws.connected:
            raise StreamClosedError(f"the stream closed: {self._ws.close_reason}")
        try:
            self._ws.send(json.dumps(message))
        except simple_websocket.ConnectionClosed as error:
            raise StreamClosedError(f"the stream closed: {error.reason}") from error

    def begin(self) -> None:
        self.send(self.messages.connected())
        self.send(self.messages.start())

    def play(self, audio: bytes) -> float:
        """Send `audio` as 20 ms frames in real time; returns the wall time the last frame
        left (the caller's end of speech, as relay will see it), or stops at `hang_up`."""
        began = time.monotonic()
        last = began
        for index in range(0, len(audio), FRAME_BYTES):
            if self.hang_up.is_set():
                break
            self.send(self.messages.media(audio[index : index + FRAME_BYTES]))
            self.frames_sent += 1
            last = time.time()
            due = began + (index // FRAME_BYTES + 1) * FRAME_SECONDS
            self.hang_up.wait(max(0.0, due - time.monotonic()))
        return last

    def finish(self) -> None:
        """`stop`, then close: what Twilio sends when the call or the stream ends."""
        try:
            if self._ws.connected:
                self.send(self.messages.stop())
        except StreamClosedError:
            pass  # relay closed first; nothing more to tell it
        finally:
            # it may close between the check and the close
            with suppress(simple_websocket.ConnectionClosed):
                self._ws.close()
