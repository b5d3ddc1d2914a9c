"""FasterWhisperRecognizer: callers' speech to text with faster-whisper, guarded against invention.

This is the only module that imports faster_whisper. Whisper on phone audio invents text on
silence and loops on audio it cannot follow, so every call goes through the same guards:

1. Silero VAD (shipped in faster_whisper/assets) runs first; when it finds no speech the
   transcript is empty and the Whisper model is not run (or even loaded) at all.
2. Language detection is restricted to relay's six languages: Whisper's probabilities over its
   99 languages are renormalised over en, zh, ja, vi, mn and ko. A language chosen in the phone
   menu is forced instead and reported with probability 1.
3. Decoding uses temperature 0 only and `condition_on_previous_text=False`: Whisper's default
   retries at up to six temperatures and carries loops from one window to the next (a 12 s
   clip took 25.8 s with the defaults and 8.3 s without, see DESIGN.md).
4. Tokens are capped per second of speech, per 30 s window (`max_new_tokens`) and overall, so a
   runaway loop stops early; a repeated tail that slipped through is trimmed.
5. Segments are dropped when Whisper itself doubts them (no-speech probability, compression
   ratio, average log-probability) or when their whole text is a phrase Whisper is known to
   invent on silence (languages/data/silence_phrases.tsv). Each drop leaves a reason in
   `Transcript.dropped`.

Concurrency: the model loads once per instance, lazily, under a lock. After that, concurrent
`transcribe` calls are safe: CTranslate2 models are thread-safe and queue requests onto
`num_workers` model replicas, faster-whisper builds its tokenizer and options per call and keeps
no per-call state on the model (we never pass `chunk_length`, the one argument that mutates its
feature extractor), and the Silero VAD runs in an onnxruntime session, whose `run` is
thread-safe. With the default `num_workers=1` concurrent calls simply wait for each other inside
CTranslate2; raise it only with the memory for another copy of the model.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
import unicodedata
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from os import PathLike, fspath
from pathlib import Path
from typing import Any

import numpy as np

from languages import registry
from languages.audio import Samples, duration_seconds, load_audio
from languages.speech import (
    AudioInput,
    LanguageGuess,
    Segment,
    SpeechModelMissingError,
    Transcript,
)

logger = logging.getLogger(__name__)

SILENCE_PHRASES_FILE = Path(__file__).with_name("data") / "silence_phrases.tsv"

#: Whisper's code for each language relay serves, mapped to relay's ISO 639-1 code.
WHISPER_TO_ISO: Mapping[str, str] = {
    lang.whisper_code: lang.code for lang in registry.ALL_LANGUAGES
}

_WINDOW_SECONDS = 30.0  # Whisper encodes fixed 30 s windows
_MAX_NEW_TOKENS = 440  # Whisper's 448-token context minus the few prompt tokens we send
_LOOP = re.compile(r"(.{2,60}?)\1{2,}", re.DOTALL)  # one unit said at least three times


@dataclass(frozen=True)
class Guards:
    """Thresholds that decide which of Whisper's segments are believed.

    The defaults follow Whisper's own (no-speech 0.6 with log-probability -1.0, compression
    ratio 2.4) plus stand-alone limits. Whisper treats a log-probability below -1.0 as a reason
    to retry at a higher temperature, not to drop; we never retry, so a segment between -1.0
    and `log_prob_floor` is the best we will get. It is kept, and its stored `avg_logprob` lets
    the agent view mark it as uncertain.
    """

    no_speech_threshold: float = 0.8  # drop on this alone
    silence_no_speech: float = 0.6  # Whisper's rule: drop when both this is exceeded ...
    silence_log_prob: float = -1.0  # ... and the average log-probability is below this
    compression_ratio_threshold: float = 2.4
    log_prob_floor: float = -1.5
    max_tokens_per_second: float = 20.0  # fast Korean speech needs about 12 per second
    token_allowance: int = 16  # for very short utterances and timestamp tokens
    min_loop_chars: int = 24  # a repeated run shorter than this is left alone ("ha ha ha")


class FasterWhisperRecognizer:
    """A `languages.speech.Recognizer` backed by a CTranslate2 Whisper model on disk.

    `model_path` is a directory holding model.bin, config.json, tokenizer.json and
    vocabulary.txt. It is always loaded by path: a model name would make faster-whisper go to
    the Hugging Face hub, which relay never does at run time. `time_limit` (seconds) stops
    reading further segments once exceeded; each 30 s window is bounded by the token cap.
    """

    def __init__(
        self,
        model_path: str | PathLike[str],
        device: str = "cpu",
        compute_type: str = "int8",
        cpu_threads: int = 0,
        beam_size: int = 5,
        *,
        num_workers: int = 1,
        guards: Guards | None = None,
        silence_phrases: Mapping[str, frozenset[str]] | None = None,
        time_limit: float | None = None,
    ) -> None:
        self.model_path = Path(fspath(model_path))
        self.device = device
        self.compute_type = compute_type
        self.cpu_threads = cpu_threads
        self.beam_size = beam_size  # Whisper's reference setting; 1 is greedy and faster
        self.num_workers = num_workers
        self.guards = guards or Guards()
        self.silence_phrases = (
            load_silence_phrases() if silence_phrases is None else dict(silence_phrases)
        )
        self.time_limit = time_limit
        self._lock = threading.Lock()
        self._model: Any = None

    @property
    def is_loaded(self) -> bool:
        """True once the Whisper model has been loaded into memory."""
        return self._model is not None

    def load(self) -> None:
        """Load the model now rather than on the first speech (a worker warms up at start)."""
        self._whisper()

    def transcribe(
        self, audio: AudioInput, language: str | None = None, *, quick: bool = False
    ) -> Transcript:
        """Recognise `audio`; `language` (ISO 639-1, one of the six) is forced when given.

        `quick` is for a live call's utterance, which a caller is waiting on and which is
        short and already cut at speech: greedy decoding (beam 1) without timestamp tokens,
        on the speech our own VAD pass kept, with no second VAD pass inside faster-whisper.
        The guards and the token cap apply as always; segment times are then the utterance's.

        Raises languages.audio.AudioError for unreadable audio, UnsupportedLanguageError for a
        language relay does not serve and SpeechModelMissingError when the model is absent.
        """
        started = time.monotonic()
        forced = registry.get(language) if language is not None else None
        samples = _as_samples(audio)
        duration = round(duration_seconds(samples), 3)
        chunks = _speech_chunks(samples)
        if not chunks:
            return Transcript(
                language=forced.code if forced else "",
                language_probability=1.0 if forced else 0.0,
                duration=duration,
                text="",
                segments=(),
                dropped=("vad: no speech found, decoder not run",),
            )
        speech = np.concatenate([samples[chunk["start"] : chunk["end"]] for chunk in chunks])
        model = self._whisper()
        if forced is not None:
            code, probability = forced.code, 1.0
        else:
            code, probability = self._detect_language(model, speech)
        raw, stopped = self._decode(
            model, samples, registry.get(code).whisper_code, speech, started, quick=quick
        )
        segments, dropped = screen_segments(raw, code, self.guards, self.silence_phrases)
        return Transcript(
            language=code,
            language_probability=round(probability, 4),
            duration=duration,
            text=" ".join(segment.text for segment in segments),
            segments=segments,
            dropped=(*stopped, *dropped),
        )

    def _whisper(self) -> Any:
        with self._lock:
            if self._model is None:
                if not (self.model_path / "model.bin").is_file():
                    raise SpeechModelMissingError(
                        f"no Whisper model in {self.model_path}: install it with "
                        "`flask languages setup`"
                    )
                from faster_whisper import WhisperModel

                loading = time.monotonic()
                self._model = WhisperModel(
                    str(self.model_path),
                    device=self.device,
                    compute_type=self.compute_type,
                    cpu_threads=self.cpu_threads,
                    num_workers=self.num_workers,
                    local_files_only=True,
                )
                logger.info(
                    "loaded Whisper model from %s in %.2f s",
                    self.model_path,
                    time.monotonic() - loading,
                )
            return self._model

    def _detect_language(self, model: Any, speech: Samples) -> tuple[str, float]:
        top, top_probability, all_probabilities = model.detect_language(audio=speech)
        code, probability = restrict_language(all_probabilities, WHISPER_TO_ISO)
        logger.info(
            "Whisper heard %s (%.2f) overall; among relay's languages %s (%.2f)",
            *(top, top_probability, code, probability),
        )
        return code, probability

    def _decode(
        self,
        model: Any,
        samples: Samples,
        whisper_code: str,
        speech: Samples,
        started: float,
        *,
        quick: bool = False,
    ) -> tuple[list[Segment], list[str]]:
        """Whisper's segments, stopped early at the token budget or the time limit."""
        speech_seconds = duration_seconds(speech)
        window_budget = self._token_budget(min(speech_seconds, _WINDOW_SECONDS))
        total_budget = self._token_budget(speech_seconds)
        results, _info = model.transcribe(
            speech if quick else samples,
            language=whisper_code,
            beam_size=1 if quick else self.beam_size,
            without_timestamps=quick,
            temperature=0.0,
            condition_on_previous_text=False,
            vad_filter=not quick,
            max_new_tokens=min(window_budget, _MAX_NEW_TOKENS),
            # Our own guards judge every segment and record why; Whisper's would skip silently.
            no_speech_threshold=None,
            log_prob_threshold=None,
            compression_ratio_threshold=None,
        )
        segments: list[Segment] = []
        stopped: list[str] = []
        tokens = 0
        for result in results:  # a generator: each step decodes one more window
            segments.append(_segment(result))
            tokens += len(result.tokens)
            if tokens > total_budget:
                stopped.append(
                    f"token cap: stopped at {result.end:.2f}s after {tokens} tokens "
                    f"for {speech_seconds:.1f}s of speech"
                )
                break
            if self.time_limit is not None and time.monotonic() - started > self.time_limit:
                stopped.append(f"time limit: stopped at {result.end:.2f}s")
                break
        return segments, stopped

    def _token_budget(self, seconds: float) -> int:
        return math.ceil(seconds * self.guards.max_tokens_per_second) + self.guards.token_allowance

    def detect_spoken_language(self, samples: Samples) -> LanguageGuess | None:
        """Whisper's probabilities over all its languages for the speech in `samples` (16 kHz
        mono float32): the spoken-language check beside a transcription forced by the menu.

        Takes samples, not a path, so a live call's utterance can be checked as it is. Runs on
        the same VAD-kept speech the transcription decodes, over its first 30 s window only:
        one encoder pass and one decoder step (0.6-2 s on two cores, about two thirds of a
        short recording's forced transcription). faster-whisper 1.2 cannot hand that encoder
        output to a forced transcription (`transcribe` always encodes again), so the pass is
        not shared.
        """
        started = time.monotonic()
        samples = _as_samples(samples)
        chunks = _speech_chunks(samples)
        if not chunks:
            return None
        speech = np.concatenate([samples[chunk["start"] : chunk["end"]] for chunk in chunks])
        _top, _probability, probabilities = self._whisper().detect_language(
            audio=speech, language_detection_segments=1
        )
        ranked = sorted(
            ((str(code), round(float(p), 4)) for code, p in probabilities),
            key=lambda pair: -pair[1],
        )
        return LanguageGuess(
            probabilities=tuple(ranked), seconds=round(time.monotonic() - started, 3)
        )


def _as_samples(audio: AudioInput) -> Samples:
    if isinstance(audio, np.ndarray):
        if audio.ndim != 1:
            raise ValueError("pass mono samples: a one-dimensional array at 16 kHz")
        return np.ascontiguousarray(audio, dtype=np.float32)
    return load_audio(audio)


def _speech_chunks(samples: Samples) -> list[dict[str, int]]:
    """Silero VAD's speech regions, with the same options faster-whisper's `vad_filter` uses."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    if samples.size == 0:
        return []
    chunks: list[dict[str, int]] = get_speech_timestamps(samples, VadOptions())
    return chunks


def _segment(result: Any) -> Segment:
    # A loop cut at the token cap can end inside a multi-byte character, decoded as U+FFFD.
    text = str(result.text).replace("\ufffd", "").strip()
    return Segment(
        start=round(float(result.start), 2),
        end=round(float(result.end), 2),
        text=text,
        avg_logprob=round(float(result.avg_logprob), 4),
        no_speech_prob=round(float(result.no_speech_prob), 4),
        compression_ratio=round(float(result.compression_ratio), 3),
    )


def restrict_language(
    probabilities: Iterable[tuple[str, float]], allowed: Mapping[str, str]
) -> tuple[str, float]:
    """The most likely allowed language and its probability renormalised over the allowed set.

    `probabilities` are Whisper's (code, probability) pairs; `allowed` maps Whisper codes to the
    codes to report. Audio Whisper takes for Thai still goes to the best of relay's languages.
    """
    kept: dict[str, float] = {}
    for code, probability in probabilities:
        if code in allowed:
            kept[allowed[code]] = kept.get(allowed[code], 0.0) + float(probability)
    total = sum(kept.values())
    if not kept or total <= 0.0:
        first = next(iter(allowed.values()))
        return first, 1.0 / max(len(set(allowed.values())), 1)
    best = max(kept, key=lambda code: kept[code])
    return best, kept[best] / total


def compression_ratio(text: str) -> float:
    """Whisper's repetition measure: UTF-8 length over zlib-compressed length."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def trim_repetition(text: str, min_run_chars: int = 24) -> str:
    """Cut a run of one phrase said three or more times down to one occurrence.

    Whisper stuck in a loop emits "A, B, A, B, A, B, ..." until its token limit, often ending in
    a partial repeat; what came before the loop is usually what was said.
    """
    pieces: list[str] = []
    position = 0
    for match in _LOOP.finditer(text):
        if len(match.group(0)) < min_run_chars:
            continue
        unit = match.group(1)
        pieces.append(text[position : match.start()] + unit)
        position = match.end()
        tail = text[position:].strip()
        if tail and unit.strip().startswith(tail):
            position = len(text)
    pieces.append(text[position:])
    return "".join(pieces).strip().rstrip(",、，")


def normalise_phrase(text: str) -> str:
    """A comparison key that ignores case, width, spaces and punctuation."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in "PZSC")


def load_silence_phrases(path: Path = SILENCE_PHRASES_FILE) -> dict[str, frozenset[str]]:
    """Known silence hallucinations per language code, as `normalise_phrase` keys."""
    phrases: dict[str, set[str]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        code, separator, phrase = line.partition("\t")
        if not separator or not phrase.strip():
            raise ValueError(f"{path.name} line {number}: expected language<TAB>phrase")
        phrases.setdefault(code.strip(), set()).add(normalise_phrase(phrase))
    return {code: frozenset(keys) for code, keys in phrases.items()}


def drop_silence_phrases(
    segments: Sequence[Segment], phrases: frozenset[str]
) -> tuple[tuple[Segment, ...], tuple[str, ...]]:
    """Drop segments whose whole text is a known silence phrase; return kept and reasons."""
    kept: list[Segment] = []
    reasons: list[str] = []
    for segment in segments:
        if normalise_phrase(segment.text) in phrases:
            reasons.append(f"{_span(segment)} silence phrase: {segment.text}")
        else:
            kept.append(segment)
    return tuple(kept), tuple(reasons)


def screen_segments(
    segments: Sequence[Segment],
    language: str,
    guards: Guards,
    silence_phrases: Mapping[str, frozenset[str]],
) -> tuple[tuple[Segment, ...], tuple[str, ...]]:
    """Apply every guard to Whisper's segments; return those believed and why others were not."""
    believed: list[Segment] = []
    reasons: list[str] = []
    for segment in segments:
        trimmed = trim_repetition(segment.text, guards.min_loop_chars)
        if trimmed != segment.text:
            reasons.append(f"{_span(segment)} repetition loop trimmed")
            ratio = round(compression_ratio(trimmed), 3)
            segment = replace(segment, text=trimmed, compression_ratio=ratio)
        why = _doubt(segment, guards)
        if why:
            reasons.append(f"{_span(segment)} {why}")
        else:
            believed.append(segment)
    kept, phrase_reasons = drop_silence_phrases(
        believed, silence_phrases.get(language, frozenset())
    )
    return kept, (*reasons, *phrase_reasons)


def _doubt(segment: Segment, guards: Guards) -> str | None:
    if not normalise_phrase(segment.text):
        return "no words"
    if segment.compression_ratio > guards.compression_ratio_threshold:
        return f"repetitive (compression ratio {segment.compression_ratio:.2f})"
    if segment.no_speech_prob > guards.no_speech_threshold:
        return f"no speech (probability {segment.no_speech_prob:.2f})"
    if (
        segment.no_speech_prob > guards.silence_no_speech
        and segment.avg_logprob < guards.silence_log_prob
    ):
        scores = f"no-speech {segment.no_speech_prob:.2f}, log-prob {segment.avg_logprob:.2f}"
        return f"probably silence ({scores})"
    if segment.avg_logprob < guards.log_prob_floor:
        return f"unsure (average log-probability {segment.avg_logprob:.2f})"
    return None


def _span(segment: Segment) -> str:
    return f"{segment.start:.2f}-{segment.end:.2f}s"
