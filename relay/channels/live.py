"""The live call channel: a caller's Media Stream on the app's own websocket, cut into captions.

After the language menu, while agents are at work, the call's TwiML starts a unidirectional
Twilio Media Stream to `/twilio/voice/stream` and holds the caller on `<Pause>`s that come back
to `/twilio/voice/live/wait`, which hands the caller to today's recorded message when no agent
takes the call in time. The websocket upgrade must carry Twilio's signature of the stream URL.

Per socket (one thread under `flask run` and gunicorn's gthread workers): frames are parsed
(media_stream.py), put back in order, decoded and cut into utterances with Silero VAD
(languages/live_audio.py). Each utterance is stored as a message with its audio first, then
handed to this process's one speech lane, which transcribes it once with the menu's language
forced, through the recogniser recordings use (its VAD and hallucination guards), translates it
into Korean and saves the caption: the live feed pushes it to the agent's thread. The call's
first long utterance is also checked for the language actually spoken (live_language.py).

Why one lane in the web process rather than the queue's workers: on two cores one Whisper base
pass already uses both cores (about 1.7 s); two at once only make each slower, and the queue's
hop plus a worker reading the audio back would eat the 2.5 s budget. CTranslate2 and onnxruntime
release the GIL while they compute, so webhooks keep being answered meanwhile. A site with many
simultaneous calls routes `/twilio/voice/stream` to nodes of its own (docs/deploy.md).

A call's utterance state outlives a stream: a reply spoken by updating the call starts a new
stream for the same call, which joins that state (and replaces the older stream, so audio is
never taken twice); while the reply is spoken the caller's audio is not cut into utterances.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
import wave
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from flask_sock import Sock
from simple_websocket import ConnectionClosed

from languages.live_audio import (
    FrameOrder,
    SegmenterSettings,
    SpeechSegmenter,
    SpeechStarted,
    Utterance,
    as_int16,
)
from languages.speech import SpeechError
from relay.channels import media_stream
from relay.channels.live_captions import caption
from relay.channels.live_language import check_live_utterance
from relay.recordings import new_recording_path
from relay.services import services
from relay.twilio.security import stream_signature_is_valid, stream_url, twilio_signed
from relay.voice.twiml import TwimlBuilder
from transcripts.db import utcnow
from transcripts.live_calls import LiveCall, UtteranceAudio
from transcripts.models import MessageStatus

log = logging.getLogger(__name__)
bp = Blueprint("twilio_live", __name__, url_prefix="/twilio/voice")
sock = Sock()

STREAM_PATH = "/twilio/voice/stream"
FRAMES_PER_SECOND = 50  # 20 ms frames
FLOOD_ALLOWANCE_SECONDS = 2.0  # frames may run this far ahead of the wall clock ...
FLOOD_RATE = 1.5  # ... and this much faster than real time before they are dropped
MAX_DROPPED_FRAMES = 1_500  # 30 s of audio dropped: the sender is not Twilio; close
MAX_BAD_FRAMES = 200
IDLE_SECONDS = 30.0  # Twilio sends a frame every 20 ms; a socket silent this long is dead
MAX_MESSAGE_BYTES = 16_384


@dataclass
class CallAudio:
    """One live call's utterance state in this process, shared by its successive streams."""

    call: LiveCall
    segmenter: SpeechSegmenter
    stream_sid: str | None = None
    muted_until: float = 0.0  # monotonic time until which a reply is being spoken
    lock: threading.Lock = field(default_factory=threading.Lock)


class LiveRuntime:
    """This process's live calls and its speech lane (one thread: one Whisper pass at a time)."""

    def __init__(self, app: Flask) -> None:
        config = app.config
        self.app = app
        self.instance_path = Path(config["INSTANCE_PATH"])
        self.settings = SegmenterSettings(
            end_silence_ms=int(config["VOICE_LIVE_END_SILENCE_MS"]),
            max_utterance_seconds=float(config["VOICE_LIVE_MAX_UTTERANCE_SECONDS"]),
        )
        self._calls: dict[str, CallAudio] = {}
        self._lock = threading.Lock()
        self._lane: ThreadPoolExecutor | None = None

    def lane(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._lane is None:
                self._lane = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-speech")
            return self._lane

    def join(self, call: LiveCall, stream_sid: str, mute_seconds: float) -> CallAudio:
        """The call's state, created on its first stream; this stream now carries its audio."""
        with self._lock:
            audio = self._calls.get(call.call_sid)
            if audio is None:
                audio = CallAudio(call, SpeechSegmenter(self.settings))
                self._calls[call.call_sid] = audio
        with audio.lock:
            audio.stream_sid = stream_sid
            if mute_seconds > 0:
                audio.muted_until = time.monotonic() + mute_seconds
        return audio

    def leave(self, call_sid: str, stream_sid: str) -> bool:
        """This stream ended; True when it was the call's current one (its state is dropped)."""
        with self._lock:
            audio = self._calls.get(call_sid)
            if audio is None or audio.stream_sid != stream_sid:
                return False
            del self._calls[call_sid]
            return True

    def active_calls(self) -> int:
        with self._lock:
            return len(self._calls)


def runtime(app: Flask | None = None) -> LiveRuntime:
    found: LiveRuntime = (app or current_app).extensions["relay.live"]
    return found


def register_live_calls(app: Flask) -> None:
    """The live call blueprint with its websocket, and this process's live runtime."""
    app.config.setdefault("SOCK_SERVER_OPTIONS", {"max_message_size": MAX_MESSAGE_BYTES})
    app.extensions["relay.live"] = LiveRuntime(app)
    app.extensions["csrf"].exempt(bp)  # Twilio signs these requests instead
    app.register_blueprint(bp)


# -- TwiML ------------------------------------------------------------------------------------


def _builder() -> TwimlBuilder:
    return TwimlBuilder.for_config(current_app.config)


def live_twiml(call_sid: str, language: str) -> str | None:
    """After the menu: the TwiML that takes the call live, or None for today's recorded path
    (live calls off, or agents not at work)."""
    config = current_app.config
    if not config["VOICE_LIVE"] or not config["SERVICE_HOURS"].staffed(utcnow()):
        return None
    live = services().record.live.go_live(call_sid)
    if live is None:
        return None
    parameters = {"call": call_sid, "language": live.language}
    return _builder().live(live.language, stream_url(STREAM_PATH), parameters)


@bp.post("/live/wait")
@twilio_signed
def wait() -> Response:
    """Where each <Pause> of a live call leads: hold on while an agent is on the call or may
    still come; offer the recorded message when none took it in time; end when it is over."""
    sid = (request.form.get("CallSid") or "").strip()
    builder = _builder()
    state = services().record.live.wait_state(sid) if sid else None
    if state is None or state.ended:
        return _xml(builder.thanks(state.language if state else None))
    if state.claimed:
        return _xml(builder.live_hold(agent_here=True))
    if state.waited_seconds < int(current_app.config["VOICE_LIVE_WAIT_SECONDS"]):
        return _xml(builder.live_hold(agent_here=False))
    services().record.live.end_live(sid, "no agent took the call in time")
    max_seconds = int(current_app.config["VOICE_MAX_RECORDING_SECONDS"])
    return _xml(builder.live_to_message(state.language, max_seconds))


def _xml(document: str) -> Response:
    return Response(document, mimetype="application/xml")


# -- the websocket ----------------------------------------------------------------------------


@bp.before_request
def _refuse_unsigned_streams() -> Any:
    """The upgrade is refused (403) before any handshake unless Twilio signed the stream URL."""
    if request.endpoint == "twilio_live.stream" and not stream_signature_is_valid():
        log.warning("refused a media stream: missing or invalid Twilio signature")
        return {"error": "invalid or missing X-Twilio-Signature"}, 403
    return None


@sock.route("/stream", bp=bp)
def stream(ws: Any) -> None:
    """One Twilio Media Stream, from `connected` to `stop` (or a dropped socket)."""
    StreamSession(ws, current_app._get_current_object(), runtime()).run()  # type: ignore[attr-defined]


class StreamSession:
    """Reads one socket's frames and feeds the call's utterance state."""

    def __init__(self, ws: Any, app: Flask, live: LiveRuntime) -> None:
        self.ws = ws
        self.app = app
        self.live = live
        self.audio: CallAudio | None = None
        self.stream_sid: str | None = None
        self.order = FrameOrder()
        self.started_at = time.monotonic()
        self.frames = 0
        self.dropped = 0
        self.bad = 0

    def run(self) -> None:
        try:
            self._read()
        except ConnectionClosed:
            log.info("media stream %s dropped without stop", self.stream_sid)
        finally:
            self._end()

    def _read(self) -> None:
        while True:
            raw = self.ws.receive(timeout=IDLE_SECONDS)
            if raw is None:
                log.warning(
                    "media stream %s idle for %.0f s; closing", self.stream_sid, IDLE_SECONDS
                )
                return
            try:
                frame = media_stream.parse(raw)
            except media_stream.MalformedFrameError as error:
                if self._bad(f"malformed frame: {error}"):
                    return
                continue
            if isinstance(frame, media_stream.Started):
                if not self._start(frame):
                    return
            elif isinstance(frame, media_stream.Media):
                if not self._media(frame):
                    return
            elif isinstance(frame, media_stream.Stopped):
                log.info("media stream %s stopped", frame.stream_sid)
                return
            # connected, dtmf and mark change nothing here (a unidirectional stream sends no
            # marks of ours; keys pressed during a live call are not a menu).

    def _bad(self, reason: str) -> bool:
        """Count a frame that could not be used; True when the socket should be closed."""
        self.bad += 1
        if self.bad in (1, MAX_BAD_FRAMES):
            log.warning("media stream %s: %s", self.stream_sid, reason)
        if self.bad >= MAX_BAD_FRAMES:
            self._close(1008, "too many malformed frames")
            return True
        return False

    def _start(self, frame: media_stream.Started) -> bool:
        if self.audio is not None:
            return not self._bad("a second start on one socket")
        if (frame.encoding, frame.sample_rate, frame.channels) != (media_stream.MULAW, 8000, 1):
            self._close(1003, f"unsupported media format {frame.encoding}/{frame.sample_rate}")
            return False
        call_sid = frame.parameters.get("call") or frame.call_sid
        if call_sid != frame.call_sid:
            self._close(1008, "the stream's parameters name another call")
            return False
        with self.app.app_context():
            admission = services(self.app).record.live.admit_stream(call_sid, frame.stream_sid)
        if admission.call is None:
            log.warning("media stream for %s refused: %s", call_sid, admission.refused)
            self._close(1008, admission.refused or "refused")
            return False
        self.stream_sid = frame.stream_sid
        self.audio = self.live.join(admission.call, frame.stream_sid, _mute(frame.parameters))
        self.started_at = time.monotonic()
        return True

    def _media(self, frame: media_stream.Media) -> bool:
        audio = self.audio
        if audio is None or frame.stream_sid != self.stream_sid:
            return not self._bad("media before start, or for another stream")
        if audio.stream_sid != self.stream_sid:
            self._close(1000, "a newer stream carries this call")
            return False
        self.frames += 1
        elapsed = time.monotonic() - self.started_at
        if self.frames > (elapsed + FLOOD_ALLOWANCE_SECONDS) * FRAMES_PER_SECOND * FLOOD_RATE:
            self.dropped += 1
            if self.dropped == 1:
                log.warning("media stream %s faster than real time: dropping", self.stream_sid)
            if self.dropped >= MAX_DROPPED_FRAMES:
                self._close(1008, "media faster than real time")
                return False
            return True
        for payload in self.order.push(frame.chunk, frame.payload):
            self._feed(audio, payload)
        return True

    def _feed(self, audio: CallAudio, payload: bytes) -> None:
        with audio.lock:
            audio.segmenter.muted = time.monotonic() < audio.muted_until
            events = audio.segmenter.feed(payload)
            tail = audio.segmenter.silence_after_speech()
        for event in events:
            if isinstance(event, SpeechStarted):
                with self.app.app_context():
                    services(self.app).record.live.caller_speaking(
                        audio.call.conversation_id, audio.call.call_id
                    )
            else:
                hand_on(self.app, self.live, audio.call, event, tail)

    def _end(self) -> None:
        audio, sid = self.audio, self.stream_sid
        if audio is None or sid is None:
            return
        if audio.stream_sid == sid:
            for payload in self.order.drain():
                self._feed(audio, payload)
            with audio.lock:
                last = audio.segmenter.finish()
            if last is not None:  # the caller hung up mid-sentence: keep what they said
                hand_on(self.app, self.live, audio.call, last, 0.0)
        self.live.leave(audio.call.call_sid, sid)
        with self.app.app_context():
            services(self.app).record.live.stream_gone(audio.call.call_sid, sid)

    def _close(self, code: int, reason: str) -> None:
        try:
            self.ws.close(reason=code, message=reason[:100])
        except Exception:  # the peer may already be gone
            log.debug("closing media stream %s failed", self.stream_sid, exc_info=True)


def _mute(parameters: dict[str, str]) -> float:
    """Seconds of reply relay is about to speak on this stream's call (0 for none)."""
    try:
        return max(0.0, min(float(parameters.get("mute_seconds", "0")), 120.0))
    except ValueError:
        return 0.0


# -- utterances to captions -------------------------------------------------------------------


def hand_on(
    app: Flask, live: LiveRuntime, call: LiveCall, utterance: Utterance, tail: float
) -> None:
    """Keep the utterance (audio on disk, message row), then queue it on the speech lane.
    `tail` is how long ago, in stream time, the caller stopped speaking."""
    now = utcnow()
    relative = new_recording_path(f"live-{call.call_sid}-{uuid.uuid4().hex[:8]}", now)
    path = live.instance_path / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes(as_int16(utterance.samples).tobytes())
    stored = UtteranceAudio(
        audio_path=relative,
        start=utterance.start,
        end=utterance.end,
        seconds=utterance.seconds,
        cut=utterance.cut.value,
        speech_ended_at=now - timedelta(seconds=tail),
    )
    with app.app_context():
        message_id = services(app).record.live.store_utterance(call.call_sid, stored)
    live.lane().submit(_caption, app, message_id, call, utterance)


def _caption(app: Flask, message_id: int, call: LiveCall, utterance: Utterance) -> None:
    """Check the spoken language (the call's first long utterance), then make the caption
    (live_captions.py: transcribed once, language forced, translated, saved)."""
    language = call.language
    with app.app_context():
        svc = services(app)
        try:
            margin = float(app.config["SPOKEN_LANGUAGE_MARGIN"])
            check_live_utterance(
                svc, message_id, call.call_sid, language, utterance.samples, margin
            )
        except SpeechError as error:
            svc.record.inbound.mark(
                message_id, MessageStatus.FAILED, f"speech recognition: {error}"
            )
            return
        except Exception:
            log.exception("live caption %s failed", message_id)
            svc.record.inbound.mark(message_id, MessageStatus.FAILED, "live caption failed")
            return
        quick = bool(app.config["VOICE_LIVE_QUICK_DECODE"])
        caption(
            svc, message_id, language, utterance.samples, utterance.start, utterance.seconds, quick
        )
