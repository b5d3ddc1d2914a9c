"""A simulated live call for the development pages: Twilio's part, played against this app.

The simulator does what Twilio does for a caller who picks a language while agents are at work:
it posts the signed voice webhooks (the incoming call, the menu choice), reads the TwiML, and
when it says `<Start><Stream>` opens a real websocket to the stream URL, signed, and streams the
caller's audio as 20 ms mu-law frames in real time from a background thread. When a `<Pause>`
runs out it follows the `<Redirect>`, as Twilio would. An agent's reply updates the call
through the REST API; with the outbox chosen that update is held (relay/twilio/held_calls.py),
and the simulator takes it as Twilio would take the real one: it shows the TwiML and starts the
new stream it asks for. Every step, with the TwiML the app returned, is kept for the page.

The websocket goes to RELAY_PUBLIC_BASE_URL, so the app must be served there by a server with
a thread per connection (`flask run` is): the simulator's thread streams to the app's own
socket while the app keeps serving pages and webhooks.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

from languages import registry
from relay.twilio.held_calls import HELD_CALLS_FOLDER, HeldCallUpdates
from relay.twilio.security import sign
from relay.voice.phone_stream import (
    StreamCaller,
    StreamClosedError,
    StreamMessages,
    silence,
)
from transcripts.db import utcnow

log = logging.getLogger(__name__)

PIECE_SECONDS = 0.5  # audio is played in pieces this long; between them the call is tended
LEAD_IN_SECONDS = 0.5  # the caller listens to the notice's start before speaking
MAX_HOLD_SECONDS = 600.0  # a simulated caller stays on the line this long after speaking
EXTENSION = "relay.simulator"


@dataclass(frozen=True)
class Step:
    """One thing that happened on the call, with the TwiML the app answered, if any."""

    at: datetime
    what: str
    twiml: str | None = None


@dataclass(frozen=True)
class LiveCallView:
    """What the simulator page shows of one call."""

    call_sid: str
    phone: str
    language: str
    state: str
    ended: bool
    frames_sent: int
    steps: tuple[Step, ...]


@dataclass
class _Call:
    call_sid: str
    phone: str
    language: str
    state: str = "전화 거는 중"
    ended: bool = False
    frames_sent: int = 0
    steps: list[Step] = field(default_factory=list)
    hang_up: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, what: str, twiml: str | None = None, *, state: str | None = None) -> None:
        with self.lock:
            self.steps.append(Step(utcnow(), what, twiml))
            if state is not None:
                self.state = state

    def view(self) -> LiveCallView:
        with self.lock:
            return LiveCallView(
                self.call_sid,
                self.phone,
                self.language,
                self.state,
                self.ended,
                self.frames_sent,
                tuple(self.steps),
            )


class LiveSimulator:
    """This process's simulated live calls, each played by a thread of its own."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._calls: dict[str, _Call] = {}
        self._lock = threading.Lock()

    def place(self, phone: str, language: str, audio: bytes) -> str:
        """Start a live call from `phone` in `language` that says `audio` (8 kHz mu-law);
        returns its CallSid at once: the call goes on in the background."""
        if registry.get(language).menu_digit is None:
            raise ValueError(f"{language} is not on the menu")
        call = _Call("CA" + secrets.token_hex(16), phone, language)
        with self._lock:
            self._calls[call.call_sid] = call
        player = _CallPlayer(self.app, call)
        thread = threading.Thread(
            target=player.run, args=(audio,), name=f"simulated-call-{call.call_sid[:8]}"
        )
        thread.daemon = True  # a simulated caller never keeps the server from stopping
        thread.start()
        return call.call_sid

    def view(self, call_sid: str) -> LiveCallView | None:
        with self._lock:
            call = self._calls.get(call_sid)
        return call.view() if call else None

    def hang_up(self, call_sid: str) -> bool:
        with self._lock:
            call = self._calls.get(call_sid)
        if call is None:
            return False
        call.hang_up.set()
        return True


def simulator(app: Flask) -> LiveSimulator:
    """The app's live-call simulator, made on first use (development pages only)."""
    found = app.extensions.get(EXTENSION)
    if found is None:
        found = app.extensions.setdefault(EXTENSION, LiveSimulator(app))
    return found


def _parse(twiml: str) -> ET.Element | None:
    try:
        return ET.fromstring(twiml)  # noqa: S314 - this app's own TwiML, not outside input
    except ET.ParseError:
        return None


def _pause_seconds(document: ET.Element) -> float | None:
    pause = document.find("Pause")
    if pause is None:
        return None
    try:
        return float(pause.get("length", "1"))
    except ValueError:
        return 1.0


class _CallPlayer:
    """Twilio's side of one call, from the first webhook to the hang-up."""

    def __init__(self, app: Flask, call: _Call) -> None:
        self.app = app
        self.call = call
        config = app.config
        self.base = str(config["PUBLIC_BASE_URL"]).rstrip("/")
        self.token = str(config["TWILIO_AUTH_TOKEN"])
        self.common = {
            "CallSid": call.call_sid,
            "AccountSid": config["TWILIO_ACCOUNT_SID"] or "AC" + "0" * 32,
        }
        self.to = config["TWILIO_NUMBER"] or "+8215880120"
        self.held = HeldCallUpdates(Path(config["INSTANCE_PATH"]) / HELD_CALLS_FOLDER)
        self.seen_ns = 0
        self.stream: StreamCaller | None = None
        self.began = time.monotonic()
        self.redirect_at: float | None = None
        self.redirect_url: str | None = None

    def run(self, audio: bytes) -> None:
        try:
            self._call(audio)
        except Exception as error:  # the page must say the call broke, not hang for ever
            log.exception("simulated call %s failed", self.call.call_sid)
            self.call.note(f"시뮬레이터 오류 (simulator error): {error}")
        finally:
            if self.stream is not None:
                self.stream.finish()
            self._hang_up()

    def _post(self, url_or_path: str, params: dict[str, str]) -> tuple[int, str]:
        parts = urlsplit(url_or_path)
        path = parts.path or "/"
        full = f"{self.base}{path}"
        data = {**self.common, **params}
        signature = sign(full, data, self.token)
        response = self.app.test_client().post(
            path, data=data, headers={"X-Twilio-Signature": signature}
        )
        return response.status_code, response.get_data(as_text=True)

    def _call(self, audio: bytes) -> None:
        status, twiml = self._post("/twilio/voice", {"From": self.call.phone, "To": self.to})
        self.call.note(f"수신 웹훅 /twilio/voice → {status}", twiml)
        digit = registry.get(self.call.language).menu_digit or ""
        status, twiml = self._post("/twilio/voice/menu", {"Digits": digit})
        self.call.note(f"메뉴 선택 {digit} → {status}", twiml)
        document = _parse(twiml)
        if document is None or not self._follow(document):
            self.call.note(
                "실시간 통화가 아닙니다: 녹음 메시지 안내",
                state="실시간 아님",
            )
            return
        self._play(silence(LEAD_IN_SECONDS) + audio)
        self.call.note("말하기 끝, 통화 유지 중")
        held_until = time.monotonic() + MAX_HOLD_SECONDS
        while self.stream is not None and time.monotonic() < held_until:
            if not self._play(silence(PIECE_SECONDS)):
                break

    def _follow(self, document: ET.Element) -> bool:
        """Act on a TwiML document as Twilio would; False when it leaves the live call."""
        stream = document.find("Start/Stream")
        if stream is not None:
            self._open_stream(stream)
        elif document.find("Stop/Stream") is not None or document.find("Pause") is None:
            return False
        pause = _pause_seconds(document)
        redirect = document.find("Redirect")
        if pause is not None and redirect is not None and redirect.text:
            self.redirect_at = time.monotonic() + pause
            self.redirect_url = redirect.text.strip()
        else:
            self.redirect_at = self.redirect_url = None
        return self.stream is not None

    def _open_stream(self, element: ET.Element) -> None:
        url = element.get("url", "")
        parameters = {p.get("name", ""): p.get("value", "") for p in element.findall("Parameter")}
        messages = StreamMessages(
            call_sid=self.call.call_sid,
            stream_sid="MZ" + secrets.token_hex(16),
            account_sid=self.common["AccountSid"],
            parameters=parameters,
        )
        opened = StreamCaller(url, self.token, messages)
        opened.hang_up = self.call.hang_up
        opened.begin()
        # The new stream joins the call first, then the older one stops, as relay expects of
        # Twilio: the caller's audio is never without a stream in between.
        older, self.stream = self.stream, opened
        if older is not None:
            older.finish()
        self.call.note(f"미디어 스트림 연결: {url}", state="통화 중")

    def _play(self, audio: bytes) -> bool:
        """Play `audio` piece by piece, tending the call between pieces; False once the call
        is over (hung up, the stream closed, or the TwiML left the live call)."""
        piece = int(8000 * PIECE_SECONDS)
        for index in range(0, len(audio), piece):
            if self.call.hang_up.is_set() or self.stream is None:
                return False
            try:
                self.stream.play(audio[index : index + piece])
            except StreamClosedError as error:
                self.call.note(f"스트림이 닫혔습니다 (stream closed): {error}")
                self.stream = None
                return False
            with self.call.lock:
                self.call.frames_sent = self.stream.frames_sent
            if not self._tend():
                return False
        return not self.call.hang_up.is_set()

    def _tend(self) -> bool:
        """Take held call updates and due redirects, as Twilio would take them."""
        for update in self.held.of_call(self.call.call_sid):
            if update.held_ns <= self.seen_ns:
                continue
            self.seen_ns = update.held_ns
            self.call.note("상담원 답변: 통화 갱신 TwiML (보관함에 보관)", update.twiml)
            document = _parse(update.twiml)
            if document is None or not self._follow(document):
                return False
        if self.redirect_at is not None and time.monotonic() >= self.redirect_at:
            url = self.redirect_url or "/twilio/voice/live/wait"
            status, twiml = self._post(url, {})
            self.call.note(f"대기 웹훅 {urlsplit(url).path} → {status}", twiml)
            document = _parse(twiml)
            if document is None or not self._follow(document):
                self.call.note("실시간 통화가 끝났습니다")
                if self.stream is not None:
                    self.stream.finish()
                    self.stream = None
                return False
        return True

    def _hang_up(self) -> None:
        seconds = str(round(time.monotonic() - self.began))
        status, _ = self._post(
            "/twilio/voice/status", {"CallStatus": "completed", "CallDuration": seconds}
        )
        self.call.note(f"통화 종료 웹훅 /twilio/voice/status → {status}", state="끝남")
        with self.call.lock:
            self.call.ended = True


def describe(view: LiveCallView) -> dict[str, Any]:
    """The call as JSON, for scripts and tests that drive the simulator without a browser."""
    return {
        "call_sid": view.call_sid,
        "state": view.state,
        "ended": view.ended,
        "frames_sent": view.frames_sent,
        "steps": [
            {"at": step.at.isoformat(), "what": step.what, "twiml": step.twiml}
            for step in view.steps
        ],
    }
