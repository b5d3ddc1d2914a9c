"""A caller's live audio cut into utterances: 20 ms mu-law frames in, whole utterances out.

A phone stream arrives as numbered 8 kHz mu-law frames that may come late, twice or not at all.
`FrameOrder` puts them back in order, drops duplicates and late frames, and fills a gap it has
waited long enough for with silence, so the stream's clock stays true. `SpeechSegmenter` decodes
the frames (a 256-entry table, no audioop), resamples them once to 16 kHz with a resampler that
keeps its filter state across frames, and runs Silero VAD (shipped with faster-whisper) on every
32 ms window with its recurrent state carried over. An utterance is cut when speech is followed
by `end_silence_ms` of silence, when it reaches `max_utterance_seconds`, or when the stream ends
(a caller who hangs up mid-sentence keeps what they said).

Silence costs one VAD window per 32 ms (about 0.2 ms of CPU each) and never reaches Whisper:
only a cut utterance is handed on. Nothing here knows about Twilio, Flask or the database.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import av
import numpy as np
import numpy.typing as npt

from languages.audio import SAMPLE_RATE, Samples, decode_mulaw

PHONE_RATE = 8_000
FRAME_SAMPLES = 160  # 20 ms at 8 kHz: what Twilio sends per media message
MULAW_SILENCE = b"\xff"  # the mu-law code of a zero sample
_WINDOW = 512  # Silero's window at 16 kHz (32 ms)
_CONTEXT = 64  # samples of the previous window Silero sees before each window


@dataclass(frozen=True)
class SegmenterSettings:
    """How utterances are cut. Defaults follow the latency budget: 0.6-0.8 s to decide that a
    caller stopped, 15 s at most so one long sentence is not held back for ever."""

    end_silence_ms: int = 700
    max_utterance_seconds: float = 15.0
    min_speech_ms: int = 250  # shorter bursts (a cough, a click) are not utterances
    threshold: float = 0.5  # Silero's speech probability that starts speech
    neg_threshold: float = 0.35  # ... and below which a window counts as silence
    pre_roll_ms: int = 200  # audio kept before the first speech window (soft onsets)


class Cut(StrEnum):
    """Why an utterance ended."""

    SILENCE = "silence"
    MAX_LENGTH = "max_length"
    STREAM_END = "stream_end"


@dataclass(frozen=True)
class Utterance:
    """One cut utterance: 16 kHz samples and where it lies on the stream's clock (seconds)."""

    samples: Samples
    start: float
    end: float  # the end of the last speech window
    cut: Cut

    @property
    def seconds(self) -> float:
        return len(self.samples) / SAMPLE_RATE


@dataclass(frozen=True)
class SpeechStarted:
    """The caller started speaking at `start` seconds into the stream."""

    start: float


@dataclass(frozen=True)
class OrderStats:
    """What the frame buffer had to repair."""

    duplicates: int
    late: int
    missing: int


class FrameOrder:
    """Orders numbered frames; a gap is filled with silence after `hold` later frames arrived.

    `hold` frames of 20 ms each (100 ms by default) is how long a late frame can still take its
    place. A gap is filled with at most `max_gap` frames of silence: a bogus chunk number far
    ahead cannot make the stream allocate minutes of audio.
    """

    def __init__(self, hold: int = 5, max_gap: int = 250) -> None:
        self.hold = hold
        self.max_gap = max_gap
        self._next: int | None = None
        self._pending: dict[int, bytes] = {}
        self._duplicates = 0
        self._late = 0
        self._missing = 0

    @property
    def stats(self) -> OrderStats:
        return OrderStats(self._duplicates, self._late, self._missing)

    def push(self, number: int, payload: bytes) -> list[bytes]:
        """Take frame `number`; return the frames now ready, in order."""
        if self._next is None:
            self._next = number
        if number < self._next:
            self._late += 1
            return []
        if number in self._pending:
            self._duplicates += 1
            return []
        self._pending[number] = payload
        ready = self._release()
        if len(self._pending) > self.hold:
            ready.extend(self._skip_gap())
        return ready

    def drain(self) -> list[bytes]:
        """Everything still held, gaps filled: the stream has ended."""
        ready: list[bytes] = []
        while self._pending:
            ready.extend(self._skip_gap())
        return ready

    def _release(self) -> list[bytes]:
        ready: list[bytes] = []
        assert self._next is not None
        while self._next in self._pending:
            ready.append(self._pending.pop(self._next))
            self._next += 1
        return ready

    def _skip_gap(self) -> list[bytes]:
        assert self._next is not None
        first = min(self._pending)
        gap = first - self._next
        self._missing += gap
        filler = [MULAW_SILENCE * FRAME_SAMPLES] * min(gap, self.max_gap)
        self._next = first
        return filler + self._release()


class VoiceActivity:
    """Silero VAD over a stream, one 512-sample window at a time, state carried over.

    faster-whisper's `SileroVADModel` runs whole arrays; its ONNX session takes the recurrent
    state (h, c) as inputs, so feeding windows one by one with the state and the previous 64
    samples as context gives the same probabilities as the batch call, live.
    """

    _shared: Any = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(_CONTEXT, dtype=np.float32)

    @classmethod
    def _session(cls) -> Any:
        with cls._lock:  # one ONNX session per process; its run() is thread-safe
            if cls._shared is None:
                from faster_whisper.vad import get_vad_model

                cls._shared = get_vad_model().session
            return cls._shared

    def probability(self, window: Samples) -> float:
        """The probability that this 32 ms window (512 samples at 16 kHz) holds speech."""
        batch = np.concatenate([self._context, window])[np.newaxis, :].astype(np.float32)
        out, self._h, self._c = self._session().run(
            None, {"input": batch, "h": self._h, "c": self._c}
        )
        self._context = window[-_CONTEXT:].copy()
        return float(np.asarray(out).reshape(-1)[0])


class SpeechSegmenter:
    """Cuts a caller's decoded audio into utterances with Silero VAD.

    Feed mu-law bytes in stream order (`feed`); each call returns what happened: the caller
    started speaking (`SpeechStarted`) and finished utterances (`Utterance`). While `muted`
    (relay is speaking a reply to the caller) windows still run through the VAD, so its state
    stays true, but nothing is collected: the reply's echo and the caller's barge-in are not
    cut into an utterance.
    """

    def __init__(self, settings: SegmenterSettings | None = None) -> None:
        self.settings = settings or SegmenterSettings()
        self.muted = False
        self._vad = VoiceActivity()
        self._resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        self._pending = np.zeros(0, dtype=np.float32)  # 16 kHz samples not yet windowed
        self._position = 0  # 16 kHz samples already windowed: the stream's clock
        pre_roll = max(1, self.settings.pre_roll_ms * SAMPLE_RATE // 1000 // _WINDOW)
        self._pre_roll: deque[Samples] = deque(maxlen=pre_roll)
        self._speech: list[Samples] = []
        self._speech_start = 0  # sample position of the utterance's first kept window
        self._voiced = 0  # speech windows in the current utterance
        self._silent = 0  # consecutive silent windows since the last speech window
        self._last_speech_end = 0

    def silence_after_speech(self) -> float:
        """Seconds since the last speech window (how long ago the caller stopped)."""
        return (self._position - self._last_speech_end) / SAMPLE_RATE

    def feed(self, mulaw: bytes) -> list[SpeechStarted | Utterance]:
        """Decode and segment `mulaw` (8 kHz G.711 mu-law bytes, in stream order)."""
        if not mulaw:
            return []
        pcm = decode_mulaw(mulaw)[np.newaxis, :]
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(pcm), format="s16", layout="mono")
        frame.sample_rate = PHONE_RATE
        upsampled = [f.to_ndarray().reshape(-1) for f in self._resampler.resample(frame)]
        if upsampled:
            self._pending = np.concatenate([self._pending, *upsampled]).astype(np.float32)
        events: list[SpeechStarted | Utterance] = []
        while len(self._pending) >= _WINDOW:
            window, self._pending = self._pending[:_WINDOW], self._pending[_WINDOW:]
            events.extend(self._window(window))
        return events

    def finish(self) -> Utterance | None:
        """The stream ended: the utterance in progress, if it holds enough speech."""
        if not self._speech:
            return None
        return self._cut(Cut.STREAM_END)

    def _window(self, window: Samples) -> list[SpeechStarted | Utterance]:
        probability = self._vad.probability(window)
        start = self._position
        self._position += _WINDOW
        settings = self.settings
        if self.muted:
            self._drop_speech()
            self._pre_roll.clear()
            return []
        if not self._speech:
            if probability < settings.threshold:
                self._pre_roll.append(window)
                return []
            self._speech = [*self._pre_roll, window]
            self._speech_start = start - len(self._pre_roll) * _WINDOW
            self._pre_roll.clear()
            self._voiced, self._silent = 1, 0
            self._last_speech_end = self._position
            return [SpeechStarted(self._speech_start / SAMPLE_RATE)]
        self._speech.append(window)
        if probability >= settings.neg_threshold:
            self._voiced += 1
            self._silent = 0
            self._last_speech_end = self._position
        else:
            self._silent += 1
        silent_ms = self._silent * _WINDOW * 1000 // SAMPLE_RATE
        if silent_ms >= settings.end_silence_ms:
            cut = self._cut(Cut.SILENCE)
            return [cut] if cut else []
        length = (self._position - self._speech_start) / SAMPLE_RATE
        if length >= settings.max_utterance_seconds:
            cut = self._cut(Cut.MAX_LENGTH)
            return [cut] if cut else []
        return []

    def _cut(self, why: Cut) -> Utterance | None:
        voiced_ms = self._voiced * _WINDOW * 1000 // SAMPLE_RATE
        samples = np.concatenate(self._speech) if self._speech else np.zeros(0, np.float32)
        start = self._speech_start / SAMPLE_RATE
        end = self._last_speech_end / SAMPLE_RATE
        self._drop_speech()
        if voiced_ms < self.settings.min_speech_ms:
            return None
        return Utterance(samples.astype(np.float32), round(start, 3), round(end, 3), why)

    def _drop_speech(self) -> None:
        self._speech = []
        self._voiced = 0
        self._silent = 0


def as_int16(samples: Samples) -> npt.NDArray[np.int16]:
    """16-bit PCM of float samples in [-1, 1] (for keeping an utterance as a WAV file)."""
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype(np.int16)
