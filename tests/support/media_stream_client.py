"""Twilio's side of a live call for tests: a real server for the app, and a websocket client
that plays audio as Twilio's Media Streams do (connected, start, 20 ms mu-law media frames with
sequence numbers, chunks and timestamps, stop), signed as Twilio signs the upgrade."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websocket
from flask import Flask
from werkzeug.serving import make_server

from relay.twilio.security import sign
from tests.support.servers import free_port

FRAME = 160  # 20 ms of 8 kHz mu-law


@contextmanager
def serving(app_factory: Any, **config: Any) -> Iterator[tuple[Flask, str]]:
    """The app behind werkzeug's threaded server on a free port; yields (app, base URL)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app: Flask = app_factory(PUBLIC_BASE_URL=base, **config)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, base
    finally:
        server.shutdown()
        thread.join(timeout=10)


def mulaw_bytes(path: Path) -> bytes:
    """The mu-law samples of an 8 kHz mu-law WAV (its data chunk)."""
    data = path.read_bytes()
    return data[data.index(b"data") + 8 :]


def silence(seconds: float) -> bytes:
    return b"\xff" * int(8000 * seconds)


@dataclass
class StreamPlayer:
    """One Media Stream: opens the signed socket and sends Twilio's messages."""

    url: str
    token: str
    call_sid: str
    stream_sid: str = "MZ" + "0" * 32
    parameters: dict[str, str] = field(default_factory=dict)
    signed: bool = True
    ws: Any = None
    sequence: int = 0
    chunk: int = 0
    sent_at: list[float] = field(default_factory=list)  # wall time of each media frame

    def connect(self) -> StreamPlayer:
        headers = [f"X-Twilio-Signature: {sign(self.url, {}, self.token)}"] if self.signed else []
        self.ws = websocket.create_connection(self.url, header=headers, timeout=10)
        return self

    def send(self, message: dict[str, Any] | str) -> None:
        self.ws.send(message if isinstance(message, str) else json.dumps(message))

    def _next(self) -> str:
        self.sequence += 1
        return str(self.sequence)

    def start(self) -> None:
        self.send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        self.send(
            {
                "event": "start",
                "sequenceNumber": self._next(),
                "streamSid": self.stream_sid,
                "start": {
                    "streamSid": self.stream_sid,
                    "accountSid": "AC" + "1" * 32,
                    "callSid": self.call_sid,
                    "tracks": ["inbound"],
                    "customParameters": self.parameters,
                    "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                },
            }
        )

    def media_frame(self, payload: bytes, *, chunk: int | None = None) -> dict[str, Any]:
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

    def play(self, audio: bytes, *, speed: float = 1.0) -> None:
        """Send `audio` in 20 ms frames, `speed` times real time (1.0: as Twilio does)."""
        began = time.monotonic()
        for index in range(0, len(audio), FRAME):
            self.send(self.media_frame(audio[index : index + FRAME]))
            self.sent_at.append(time.monotonic())
            due = began + (index // FRAME + 1) * 0.02 / speed
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)

    def stop(self) -> None:
        self.send(
            {
                "event": "stop",
                "sequenceNumber": self._next(),
                "streamSid": self.stream_sid,
                "stop": {"accountSid": "AC" + "1" * 32, "callSid": self.call_sid},
            }
        )

    def close(self) -> None:
        if self.ws is not None:
            try:
                self.ws.close(timeout=2)
            except websocket.WebSocketException:
                pass  # the server closed first, or wrote after closing
            finally:
                self.ws.shutdown()
