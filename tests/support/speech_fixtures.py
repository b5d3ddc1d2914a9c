"""Speech test fixtures: the real Whisper base model, and real clips made with espeak-ng and sox.

Everything built here is cached under <repo>/.cache/ (whisper-base/ and speech/) and written
atomically, so the first run pays a few seconds and later runs none. The clips are synthetic:
they prove the plumbing (decoding, resampling, VAD, language handling), not accuracy on people.
espeak-ng has no Mongolian voice, so Mongolian is not among them.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from languages.model_store import install_whisper_base
from languages.whisper import FasterWhisperRecognizer

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".cache"

ENGLISH_TEXT = (
    "Hello, I would like to ask about my garbage collection schedule. "
    "The truck did not come on Tuesday."
)
VIETNAMESE_TEXT = "Xin chào, tôi muốn hỏi về lịch thu gom rác của khu phố tôi."
KOREAN_TEXT = "안녕하세요, 쓰레기 수거 일정에 대해 문의하고 싶습니다."


@pytest.fixture(scope="session")
def whisper_base_dir() -> Path:
    """A directory holding the CTranslate2 Whisper base model, loaded by path."""
    return install_whisper_base(CACHE / "whisper-base")


@pytest.fixture(scope="session")
def whisper_recognizer(whisper_base_dir: Path) -> FasterWhisperRecognizer:
    """One recogniser for the whole session, so the model loads once."""
    return FasterWhisperRecognizer(whisper_base_dir)


def _run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=60)


def _cached(name: str, recipe: str, build: Callable[[Path], None]) -> Path:
    """Build `name` in the speech cache once per recipe, writing atomically."""
    folder = CACHE / "speech"
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(recipe.encode()).hexdigest()[:10]
    target = folder / f"{name}-{digest}.wav"
    if not target.is_file():
        partial = folder / f".{target.stem}.{os.getpid()}.wav"
        build(partial)
        partial.replace(target)
    return target


def synthesise(voice: str, text: str) -> Path:
    """espeak-ng's rendering of `text` (22.05 kHz 16-bit PCM WAV)."""
    return _cached(
        f"espeak-{voice}",
        f"{voice}|{text}",
        lambda out: _run("espeak-ng", "-v", voice, "-w", str(out), text),
    )


def to_pcm16k(source: Path) -> Path:
    """The clip as 16 kHz mono 16-bit PCM WAV."""
    return _cached(
        f"{source.stem}-16k",
        f"no dither|{source.name}",
        lambda out: _run(
            "sox",
            "-D",
            str(source),
            "-r",
            "16000",
            "-c",
            "1",
            "-b",
            "16",
            "-e",
            "signed-integer",
            str(out),
        ),
    )


def to_phone_mulaw(source: Path) -> Path:
    """The clip as the phone network delivers it: 8 kHz G.711 mu-law WAV.

    Not band-limited to 300-3400 Hz: base then misreads espeak-ng's already thin voice
    ("schedule" becomes "casual"), which says more about the synthetic voice than about us.
    """
    return _cached(
        f"{source.stem}-8k-mulaw",
        f"no dither, no band filter|{source.name}",
        lambda out: _run(
            "sox",
            "-D",
            str(source),
            "-r",
            "8000",
            "-c",
            "1",
            "-e",
            "u-law",
            str(out),
        ),
    )


@dataclass(frozen=True)
class SpeechClips:
    """Paths of the cached test clips."""

    english_16k: Path
    english_mulaw: Path
    vietnamese_16k: Path
    korean_16k: Path
    silence_16k: Path  # 5 s of digital silence
    noise_mulaw: Path  # 5 s of loud white noise as 8 kHz mu-law


@pytest.fixture(scope="session")
def speech_clips() -> SpeechClips:
    """Synthetic speech, silence and noise, made once and cached in .cache/speech/."""
    english = synthesise("en-us", ENGLISH_TEXT)
    silence = _cached(
        "silence-16k",
        "silence 5",
        lambda out: _run(
            "sox", "-n", "-r", "16000", "-c", "1", "-b", "16", str(out), "trim", "0", "5"
        ),
    )
    noise = _cached(
        "noise-8k-mulaw",
        "whitenoise 5 0.3",
        lambda out: _run(
            "sox",
            "-n",
            "-r",
            "8000",
            "-c",
            "1",
            "-e",
            "u-law",
            str(out),
            "synth",
            "5",
            "whitenoise",
            "vol",
            "0.3",
        ),
    )
    return SpeechClips(
        english_16k=to_pcm16k(english),
        english_mulaw=to_phone_mulaw(english),
        vietnamese_16k=to_pcm16k(synthesise("vi", VIETNAMESE_TEXT)),
        korean_16k=to_pcm16k(synthesise("ko", KOREAN_TEXT)),
        silence_16k=silence,
        noise_mulaw=noise,
    )
