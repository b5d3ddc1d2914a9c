"""Live-call benchmark: caption latency and simultaneous calls, with webhooks answered meanwhile.

relay is served as `make run` serves it (`flask run`, embedded defaults, the shipped Whisper base
int8, the tiny test translators). Each simulated call goes live through the signed voice webhooks
and streams espeak-ng speech with pauses, as 8 kHz mu-law in 20 ms frames in real time, over a
signed websocket exactly as Twilio sends it (relay/voice/phone_stream.py). Per sentence the
figure is the time from the last frame of its speech leaving the client to its Korean caption
being stored (`korean_at`), both on this machine's clock.

The same run times bare faster-whisper (the same model, its default settings, the language
given) on each sentence alone: the floor a caption cannot beat, so the ratio says what the
end-of-speech wait, the queueing and relay's own work add. Then 1, 2, 3... calls at once until
p95 passes 4 s (the issue's limit). Signed SMS webhooks go every 0.25 s
to relay and to the bare Flask endpoint (`bench._bare_app`) during one more call, made last so
that their translations do not weigh on the figures above: acknowledgement p95s.
"""

from __future__ import annotations

import logging
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import requests
from sqlalchemy import select

from bench import Options, Result
from bench._served import (
    AUTH_TOKEN,
    CENTRE_NUMBER,
    Served,
    flask_run,
    percentile,
    prepare_relay,
    relay_env,
    wait_for_models,
)
from bench.speech import whisper_model_dir
from languages.audio import SAMPLE_RATE, Samples, decode_mulaw, load_audio, resample
from relay.twilio.security import sign
from relay.voice.phone_stream import PHONE_RATE, StreamCaller, StreamMessages, phone_audio, silence
from tests.support.servers import free_port
from transcripts.db import make_engine, make_session_factory
from transcripts.models import Call, Message

SENTENCES = (
    "Hello, I would like to ask about my garbage collection schedule.",
    "The truck did not come on Tuesday.",
    "Where can I renew my alien registration card?",
    "My landlord has not returned my deposit.",
    "I lost my wallet on the bus this morning.",
    "Can you tell me the opening hours of the district office?",
)
PAUSE_SECONDS = 2.5  # between sentences: past the end-of-speech silence and the caption
TAIL_SECONDS = 6.0  # after the last sentence, so its caption is stored before `stop`
STAGGER_SECONDS = 0.9  # simultaneous callers do not all stop speaking at the same instant
TARGET_P95 = 4.0
MAX_CALLS = 4
WEBHOOK_EVERY = 0.25
PENDING_SECONDS = 240  # a loaded machine may take this long to caption what was said
BASELINE = "bare faster-whisper on the sentence"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sentence:
    audio: bytes  # 8 kHz mu-law, trimmed to the speech
    pcm: Samples  # the same, as Whisper hears it (16 kHz)


@dataclass(frozen=True)
class CallRun:
    call_sid: str
    speech_ends: tuple[datetime, ...]  # when each sentence's last frame left the client


def run(options: Options) -> list[Result]:
    model = whisper_model_dir(options.whisper_model)
    with tempfile.TemporaryDirectory(prefix="relay-bench-live-") as name:
        folder = Path(name)
        sentences = [_sentence(folder, text, n) for n, text in enumerate(SENTENCES)]
        relay_port, bare_port = free_port(), free_port()
        extra = {"RELAY_WHISPER_MODEL": str(model), "RELAY_VOICE_LIVE": "true"}
        if options.cpu_threads:
            extra["RELAY_WHISPER_CPU_THREADS"] = str(options.cpu_threads)
        env = prepare_relay(folder, relay_port, **extra)
        bare_env = relay_env(folder / "bare", bare_port)
        db = folder / "instance" / "relay.db"
        with (
            flask_run("wsgi", env, relay_port, folder / "relay.log") as relay,
            flask_run("bench._bare_app", bare_env, bare_port, folder / "bare.log") as bare,
        ):
            wait_for_models(relay)
            load = os.getloadavg()[0]
            _latencies(relay, db, [_call(relay, sentences[:1], 0, 0.0)])  # warm-up
            by_calls = {1: _latencies(relay, db, _calls(relay, sentences, 1))}
            for count in range(2, MAX_CALLS + 1):
                if percentile(by_calls[count - 1], 0.95) > TARGET_P95:
                    break
                by_calls[count] = _latencies(relay, db, _calls(relay, sentences, count))
            # Last, one more call with webhooks arriving throughout: kept apart so their
            # translations (in the job consumer) do not weigh on the figures above.
            acks: dict[str, list[float]] = {"relay": [], "bare": []}
            stop = threading.Event()
            pinger = threading.Thread(target=_ping, args=(relay, bare, acks, stop))
            pinger.start()
            try:
                busy = _latencies(relay, db, _calls(relay, sentences, 1))
            finally:
                stop.set()
                pinger.join()
        quick = os.environ.get("RELAY_VOICE_LIVE_QUICK_DECODE", "true").lower() != "false"
        floor = _bare_whisper(model, sentences, options.cpu_threads, quick)
    return _results(by_calls, busy, floor, acks, load)


def _sentence(folder: Path, text: str, number: int) -> Sentence:
    """espeak-ng's speech of `text` as a phone line carries it, its silent edges trimmed."""
    if shutil.which("espeak-ng") is None:
        raise SystemExit("espeak-ng is not installed (make system-deps)")
    path = folder / f"sentence-{number}.wav"
    subprocess.run(  # noqa: S603 - a fixed program, the text as one argument
        ["espeak-ng", "-v", "en-us", "-w", str(path), "--", text],  # noqa: S607
        check=True,
        capture_output=True,
        timeout=60,
    )
    samples = load_audio(path)
    loud = np.flatnonzero(np.abs(samples) > 0.01)
    samples = samples[loud[0] : loud[-1] + 1] if loud.size else samples
    audio = phone_audio(samples)
    heard = resample(decode_mulaw(audio).astype(np.float32) / 32768.0, PHONE_RATE, SAMPLE_RATE)
    return Sentence(audio, heard)


def _post(served: Served, path: str, params: dict[str, str]) -> str:
    url = f"{served.base}{path}"
    headers = {"X-Twilio-Signature": sign(url, params, AUTH_TOKEN)}
    response = requests.post(url, data=params, headers=headers, timeout=30)
    response.raise_for_status()
    return response.text


def _calls(relay: Served, sentences: list[Sentence], count: int) -> list[CallRun]:
    """`count` callers at once, each saying every sentence; their speech-end times."""
    runs: list[CallRun | None] = [None] * count

    def one(index: int) -> None:
        runs[index] = _call(relay, sentences, index, index * STAGGER_SECONDS)

    threads = [threading.Thread(target=one, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [run for run in runs if run is not None]


def _call(relay: Served, sentences: list[Sentence], index: int, lead: float) -> CallRun:
    """One caller: the webhooks Twilio posts, then the stream of their speech in real time."""
    sid = "CA" + f"{int(time.time() * 1000):x}{index:x}".rjust(32, "0")[-32:]
    params = {"CallSid": sid, "AccountSid": "AC" + "0" * 32}
    caller = f"+82105{int(time.time() * 1000) % 1_000_000:06d}{index}"
    _post(relay, "/twilio/voice", {**params, "From": caller, "To": CENTRE_NUMBER})
    menu = _post(relay, "/twilio/voice/menu", {**params, "Digits": "1"})
    document = ET.fromstring(menu)  # noqa: S314 - relay's own TwiML
    stream = document.find("Start/Stream")
    if stream is None:
        raise RuntimeError("the call did not go live (RELAY_VOICE_LIVE, RELAY_AGENT_HOURS?)")
    parameters = {p.get("name", ""): p.get("value", "") for p in stream.findall("Parameter")}
    messages = StreamMessages(sid, "MZ" + sid[2:], params["AccountSid"], parameters)
    player = StreamCaller(stream.get("url", ""), AUTH_TOKEN, messages)
    player.begin()
    ends = []
    try:
        player.play(silence(0.5 + lead))
        for sentence in sentences:
            ends.append(datetime.fromtimestamp(player.play(sentence.audio), UTC))
            player.play(silence(PAUSE_SECONDS))
        player.play(silence(TAIL_SECONDS))
    finally:
        player.finish()
    return CallRun(sid, tuple(ends))


def _latencies(relay: Served, db: Path, runs: list[CallRun]) -> list[float]:
    """Seconds from each sentence's end of speech to its Korean caption, read from the record.
    A sentence cut into two utterances counts once, at its last caption; a sentence with no
    caption at all counts as infinitely late (it fails the percentile, as it fails a caller)."""
    deadline = time.monotonic() + PENDING_SECONDS
    engine = make_engine(f"sqlite:///{db}")
    sessions = make_session_factory(engine)
    try:
        while True:
            found = _read(sessions, runs)
            if found is not None:
                return found
            if time.monotonic() > deadline:
                raise RuntimeError(f"captions pending after {PENDING_SECONDS} s: see relay.log")
            time.sleep(0.5)
    finally:
        engine.dispose()


def _read(sessions: Any, runs: list[CallRun]) -> list[float] | None:
    """The latencies once no utterance of these calls is still being captioned, else None."""
    latencies: list[float] = []
    with sessions() as session:
        for run_ in runs:
            call = session.scalars(select(Call).where(Call.call_sid == run_.call_sid)).one()
            rows = session.scalars(
                select(Message)
                .where(Message.conversation_id == call.conversation_id)
                .where(Message.speech_ended_at.is_not(None))
                .order_by(Message.id)
            ).all()
            if any(m.status.value == "received" for m in rows):
                return None  # still being captioned
            last: dict[int, datetime] = {}
            for message in rows:
                ended = message.speech_ended_at
                if message.korean_at is None or ended is None:
                    log.warning("utterance without a caption: %s", message.status_reason)
                    continue
                nearest = _nearest(run_.speech_ends, ended)
                last[nearest] = max(last.get(nearest, message.korean_at), message.korean_at)
            for n, end in enumerate(run_.speech_ends):
                latencies.append((last[n] - end).total_seconds() if n in last else float("inf"))
    return latencies


def _nearest(ends: tuple[datetime, ...], ended: datetime) -> int:
    """The sentence whose end (client side) is nearest the end relay's VAD saw."""
    gaps = [abs((end - ended).total_seconds()) for end in ends]
    return gaps.index(min(gaps))


def _ping(relay: Served, bare: Served, acks: dict[str, list[float]], stop: threading.Event) -> None:
    """Signed SMS webhooks to both servers, one pair every WEBHOOK_EVERY seconds."""
    number = 0
    with requests.Session() as session:
        while not stop.wait(WEBHOOK_EVERY):
            number += 1
            for name, served in (("relay", relay), ("bare", bare)):
                form = {
                    "MessageSid": f"SM{number:032d}",
                    "From": f"+821077{number:06d}",
                    "To": CENTRE_NUMBER,
                    "Body": "I lost my wallet on the bus.",
                }
                url = f"{served.base}/twilio/sms"
                headers = {"X-Twilio-Signature": sign(url, form, AUTH_TOKEN)}
                began = time.perf_counter()
                answer = session.post(url, data=form, headers=headers, timeout=30)
                if answer.status_code != 200:
                    raise RuntimeError(f"{name} answered a webhook {answer.status_code}")
                acks[name].append(time.perf_counter() - began)


def _bare_whisper(model: Path, sentences: list[Sentence], cpu_threads: int, quick: bool) -> float:
    """Median seconds bare faster-whisper takes per sentence (warm, language given), decoding
    as relay's live calls do: greedy without timestamps when quick, else its default beam 5."""
    from faster_whisper import WhisperModel

    whisper = WhisperModel(str(model), device="cpu", compute_type="int8", cpu_threads=cpu_threads)
    options: dict[str, Any] = (
        {"beam_size": 1, "without_timestamps": True} if quick else {"beam_size": 5}
    )
    list(whisper.transcribe(sentences[0].pcm, language="en", **options)[0])  # warm-up
    times = []
    for sentence in sentences:
        began = time.perf_counter()
        list(whisper.transcribe(sentence.pcm, language="en", **options)[0])
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def _results(
    by_calls: dict[int, list[float]],
    busy: list[float],
    floor: float,
    acks: dict[str, list[float]],
    load: float,
) -> list[Result]:
    one = by_calls[1]
    held = max(
        (n for n, found in by_calls.items() if percentile(found, 0.95) <= TARGET_P95), default=0
    )
    rows = [
        Result(
            "live_calls",
            "caption after end of speech, p50, 1 call",
            percentile(one, 0.5),
            floor,
            BASELINE,
            f"{len(one)} sentences; target 2.5 s; load average {load:.1f} at start",
        ),
        Result(
            "live_calls",
            "caption after end of speech, p95, 1 call",
            percentile(one, 0.95),
            floor,
            BASELINE,
            "target 4 s",
        ),
    ]
    for count, found in sorted(by_calls.items()):
        if count > 1:
            rows.append(
                Result(
                    "live_calls",
                    f"caption p95, {count} calls at once",
                    percentile(found, 0.95),
                    floor,
                    BASELINE,
                    f"p50 {percentile(found, 0.5):.2f} s",
                )
            )
    rows.append(
        Result(
            "live_calls",
            "simultaneous calls with p95 <= 4 s",
            float(held),
            0.0,
            "",
            f"tried up to {max(by_calls)}",
            unit="calls",
        )
    )
    rows.append(
        Result(
            "live_calls",
            "SMS webhook ack p95 during a live call",
            percentile(acks["relay"], 0.95),
            percentile(acks["bare"], 0.95),
            "bare Flask endpoint, flask run",
            f"{len(acks['relay'])} webhooks; that call's captions: "
            f"p50 {percentile(busy, 0.5):.2f} s, p95 {percentile(busy, 0.95):.2f} s",
        )
    )
    return rows
