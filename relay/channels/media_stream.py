"""Twilio Media Streams messages, parsed exactly as documented and refused when they are not.

Twilio sends JSON text frames on the websocket: `connected` (protocol and version), `start`
(`streamSid`, and under `start`: `callSid`, `accountSid`, `tracks`, `customParameters`,
`mediaFormat` {encoding "audio/x-mulaw", sampleRate 8000, channels 1}), `media` (under `media`:
`track`, `chunk` counting from 1, `timestamp` in ms since the stream began, base64 `payload`),
`dtmf` (`digit`), `mark` (`name`) and `stop` (`callSid`). Numbers arrive as strings. Every frame
but `connected` carries `sequenceNumber` and `streamSid`. Anything else, or any of these with a
field missing or malformed, is a `MalformedFrameError` with the reason; the stream goes on.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

MULAW = "audio/x-mulaw"
# A Twilio media frame is 20 ms (160 bytes); anything much larger is not a phone frame.
MAX_PAYLOAD_BYTES = 1_600


class MalformedFrameError(ValueError):
    """A frame that is not a Twilio Media Streams message; the reason says what is wrong."""


@dataclass(frozen=True)
class Connected:
    protocol: str
    version: str


@dataclass(frozen=True)
class Started:
    stream_sid: str
    call_sid: str
    account_sid: str
    encoding: str
    sample_rate: int
    channels: int
    parameters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Media:
    stream_sid: str
    sequence: int
    chunk: int
    timestamp_ms: int
    track: str
    payload: bytes


@dataclass(frozen=True)
class Dtmf:
    stream_sid: str
    digit: str


@dataclass(frozen=True)
class Mark:
    stream_sid: str
    name: str


@dataclass(frozen=True)
class Stopped:
    stream_sid: str
    call_sid: str


Frame = Connected | Started | Media | Dtmf | Mark | Stopped


def parse(text: str | bytes) -> Frame:
    """One websocket message as a Twilio Media Streams frame; MalformedFrameError otherwise."""
    if isinstance(text, bytes):
        raise MalformedFrameError("binary frame: Twilio sends JSON text")
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        raise MalformedFrameError(f"not JSON: {error}") from error
    if not isinstance(data, dict):
        raise MalformedFrameError("not a JSON object")
    event = data.get("event")
    if event == "connected":
        return Connected(_text(data, "protocol"), _text(data, "version", required=False))
    stream_sid = _text(data, "streamSid")
    if event == "media":
        media = _object(data, "media")
        return Media(
            stream_sid,
            _number(data, "sequenceNumber"),
            _number(media, "chunk"),
            _number(media, "timestamp"),
            _text(media, "track", required=False) or "inbound",
            _payload(media),
        )
    if event == "start":
        start = _object(data, "start")
        media_format = _object(start, "mediaFormat")
        parameters = start.get("customParameters") or {}
        if not isinstance(parameters, dict):
            raise MalformedFrameError("customParameters is not an object")
        return Started(
            stream_sid,
            _text(start, "callSid"),
            _text(start, "accountSid", required=False),
            _text(media_format, "encoding"),
            _number(media_format, "sampleRate"),
            _number(media_format, "channels"),
            {str(key): str(value) for key, value in parameters.items()},
        )
    if event == "dtmf":
        return Dtmf(stream_sid, _text(_object(data, "dtmf"), "digit"))
    if event == "mark":
        return Mark(stream_sid, _text(_object(data, "mark"), "name"))
    if event == "stop":
        stop = data.get("stop")
        call_sid = _text(stop, "callSid", required=False) if isinstance(stop, dict) else ""
        return Stopped(stream_sid, call_sid)
    raise MalformedFrameError(f"unknown event {str(event)[:40]!r}")


def _object(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise MalformedFrameError(f"{key} is missing or not an object")
    return value


def _text(data: dict[str, Any], key: str, *, required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise MalformedFrameError(f"{key} is missing or not a string")
    return value[:128]


def _number(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise MalformedFrameError(f"{key} is missing or not a number")
    try:
        number = int(value)
    except ValueError as error:
        raise MalformedFrameError(f"{key} is not a number: {str(value)[:20]!r}") from error
    if not 0 <= number < 2**40:
        raise MalformedFrameError(f"{key} is out of range")
    return number


def _payload(media: dict[str, Any]) -> bytes:
    encoded = media.get("payload")
    if not isinstance(encoded, str) or not encoded:
        raise MalformedFrameError("payload is missing or empty")
    if len(encoded) > MAX_PAYLOAD_BYTES * 4 // 3 + 4:
        raise MalformedFrameError("payload is larger than a phone frame")
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as error:
        raise MalformedFrameError(f"payload is not base64: {error}") from error
