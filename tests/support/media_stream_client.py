"""Twilio's side of a live call for tests: a real server for the app, and a websocket client
that plays audio as Twilio's Media Streams do (connected, start, 20 ms mu-law media frames with
sequence numbers, chunks and timestamps, stop), signed as Twilio signs the upgrade."""

from __future__ import annotations

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
from relay.voice.phone_stream import FRAME_BYTES as FRAME
from relay.voice.phone_stream import StreamMessages, silence
from tests.support.servers import free_port

__all__ = ["FRAME", "StreamPlayer", "mulaw_bytes", "serving", "silence"]


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


@dataclass
class StreamPlayer:
    """One Media Stream over websocket-client (whose timeouts and raw frames the fault tests
    need), speaking the messages relay's simulator speaks (relay/voice/phone_stream.py)."""

    url: str
    token: str
    call_sid: str
    stream_sid: str = "MZ" + "0" * 32
    parameters: dict[str, str] = field(default_factory=dict)
    signed: bool = True
    ws: Any = None
    sent_at: list[float] = field(default_factory=list)  # wall time of each media frame
    messages: StreamMessages = field(init=False)

    def __post_init__(self) -> None:
        self.messages = StreamMessages(
            self.call_sid, self.stream_sid, "AC" + "1" * 32, self.parameters
        )

    def connect(self) -> StreamPlayer:
        headers = [f"X-Twilio-Signature: {sign(self.url, {}, self.token)}"] if self.signed else []
        self.ws = websocket.create_connection(self.url, header=headers, timeout=10)
        return self

    def send(self, message: dict[str, Any] | str) -> None:
        self.ws.send(message if isinstance(message, str) else json.dumps(message))

    def start(self) -> None:
        self.send(self.messages.connected())
        self.send(self.messages.start())

    def media_frame(self, payload: bytes, *, chunk: int | None = None) -> dict[str, Any]:
        return self.messages.media(payload, chunk=chunk)

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
        self.send(self.messages.stop())

    def close(self) -> None:
        if self.ws is not None:
            try:
                self.ws.close(timeout=2)
            except websocket.WebSocketException:
                pass  # the server closed first, or wrote after closing
            finally:
                self.ws.shutdown()
