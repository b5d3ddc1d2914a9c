"""What a speech recogniser promises the rest of relay: the Recognizer protocol and its results.

The worker hands a caller's recording to a `Recognizer` and stores the `Transcript` it returns.
Only languages/whisper.py knows which library does the work; everything else sees these frozen
dataclasses, so a second engine (or a test double in a pipeline unit test) can stand in for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from os import PathLike
from typing import IO, Any, Protocol, TypeAlias, runtime_checkable

import numpy as np
import numpy.typing as npt

#: Audio a recogniser accepts: 16 kHz mono float32 samples, a file path, the bytes of a file, or
#: an open binary file (a Twilio recording as downloaded).
AudioInput: TypeAlias = npt.NDArray[np.float32] | str | PathLike[str] | bytes | IO[bytes]


class SpeechError(RuntimeError):
    """Speech could not be turned into text; the message says why in words an agent can read."""


class SpeechModelMissingError(SpeechError):
    """The speech model is not installed where the recogniser was told to find it."""


@dataclass(frozen=True)
class Segment:
    """One stretch of recognised speech, timed in seconds from the start of the recording.

    The three scores are Whisper's own and are kept because they are what tells invented text
    from heard text: `avg_logprob` (mean token log-probability, near 0 is confident),
    `no_speech_prob` (the model's belief that the window held no speech) and
    `compression_ratio` (gzip ratio of the text; loops of repeated words compress well).
    """

    start: float
    end: float
    text: str
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    # What Whisper wrote, when relay changed `text` after recognition (Chinese in traditional
    # characters written in simplified ones): kept as the evidence of what was recognised.
    recognised_text: str | None = None

    def to_json_dict(self) -> dict[str, Any]:
        """The stored form of a segment; the compression ratio is diagnostic and not stored."""
        data: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "avg_logprob": self.avg_logprob,
            "no_speech_prob": self.no_speech_prob,
        }
        if self.recognised_text is not None:
            data["recognised_text"] = self.recognised_text
        return data


@dataclass(frozen=True)
class Transcript:
    """Everything recognised in one recording.

    `language` is an ISO 639-1 code from the supported set; `language_probability` is 1.0 when
    the caller chose the language in the phone menu. `dropped` lists, in order, why segments
    (or the whole recording) were left out, e.g. "vad: no speech" or "silence phrase: ...", so
    an empty transcript can always be explained.
    """

    language: str
    language_probability: float
    duration: float
    text: str
    segments: tuple[Segment, ...]
    dropped: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when nothing was heard that is worth showing to an agent."""
        return not self.text.strip()

    def to_json_dict(self) -> dict[str, Any]:
        """The JSON shape stored with a voice message and sent to the agent view."""
        return {
            "language": self.language,
            "language_probability": self.language_probability,
            "duration": self.duration,
            "text": self.text,
            "segments": [segment.to_json_dict() for segment in self.segments],
        }


@runtime_checkable
class Recognizer(Protocol):
    """Turns one recording into a Transcript; see FasterWhisperRecognizer in whisper.py."""

    def transcribe(
        self, audio: AudioInput, language: str | None = None, *, quick: bool = False
    ) -> Transcript:
        """Recognise `audio`; `language` (ISO 639-1) forces the language instead of detecting it.
        `quick`: a short live utterance a caller waits on, decoded for speed.

        Raises languages.audio.AudioError for unreadable audio and SpeechError for other
        failures. Silence and noise are not errors: they give an empty transcript.
        """
        ...


@dataclass(frozen=True)
class LanguageGuess:
    """Whisper's belief about which language is spoken, over all the languages it knows.

    `probabilities` are (Whisper code, probability) pairs, most likely first, from one
    detection pass over the speech. Unlike `Transcript.language_probability`, nothing here is
    restricted to relay's languages: this is what tells French from English.
    """

    probabilities: tuple[tuple[str, float], ...]
    seconds: float  # how long the detection took, so its cost can be watched

    @property
    def top(self) -> tuple[str, float]:
        """The most likely language and its probability."""
        return self.probabilities[0] if self.probabilities else ("", 0.0)

    def probability_of(self, code: str) -> float:
        """The probability of one Whisper language code (0.0 when Whisper does not know it)."""
        return next((p for c, p in self.probabilities if c == code), 0.0)


@runtime_checkable
class SpokenLanguageDetector(Protocol):
    """Guesses the spoken language of 16 kHz samples: a recording, or one live utterance."""

    def detect_spoken_language(self, samples: npt.NDArray[np.float32]) -> LanguageGuess | None:
        """Whisper's language probabilities for the speech in `samples`; None when no speech
        was found (nothing to judge)."""
        ...
