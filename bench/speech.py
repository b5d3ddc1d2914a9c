"""Speech benchmark: FasterWhisperRecognizer against a bare faster_whisper WhisperModel.transcribe.

Both sides load the same Whisper model from the same directory with the same settings (CPU,
int8, beam 5, temperature 0, no conditioning on previous text, Silero VAD on) and are given
the same samples (each clip decoded once by languages.audio: decoding takes milliseconds, and
faster-whisper's own decoder rounds to 16 bits, which can change a word and with it the
decoding work), so the ratio is what our guards cost on top of the library: our own VAD pass
(which lets silence skip the model entirely), language detection restricted to relay's six
languages, and segment screening. Cases: a 16 kHz PCM clip and the same speech as 8 kHz G.711
mu-law band-limited to the phone band (as the phone network delivers it), with the language
detected, the mu-law clip with the language forced as the phone menu does, and 10 s of line
silence (where our VAD pass skips the model, while the bare call still encodes a window to
detect a language).

The speech is espeak-ng's English (about 10 s), made fresh in a temporary folder with espeak-ng
and sox: a synthetic voice measures speed, not accuracy on real callers. Real-time factor (RTF)
is processing time over audio duration; below 1 is faster than real time.
"""

from __future__ import annotations

import subprocess
import tempfile
from functools import partial
from pathlib import Path
from typing import Any

from bench import REPO, Options, Result, interleaved_medians, peak_rss_mb
from languages.audio import Samples, duration_seconds, load_audio
from languages.whisper import FasterWhisperRecognizer

TEXT = (
    "Good morning. I moved here last month and I would like to know how to register my "
    "address, and on which days the recycling is collected near my apartment building."
)
BEAM_SIZE = 5
BASELINE = "bare WhisperModel.transcribe"


def run(options: Options) -> list[Result]:
    """Time our recogniser and the bare library on each case; see the module docstring."""
    model_dir = whisper_model_dir(options.whisper_model)
    with tempfile.TemporaryDirectory(prefix="relay-bench-speech-") as folder:
        pcm, mulaw, silence = make_clips(Path(folder))
        ours = FasterWhisperRecognizer(
            model_dir, cpu_threads=options.cpu_threads, beam_size=BEAM_SIZE
        )
        for clip in (pcm, mulaw):
            ours.transcribe(clip)
        ours_rss = peak_rss_mb()
        bare = _bare_model(model_dir, options.cpu_threads)
        cases = [
            ("16 kHz PCM, language detected", pcm, None),
            ("8 kHz mu-law, language detected", mulaw, None),
            ("8 kHz mu-law, language forced", mulaw, "en"),
            ("8 kHz mu-law silence, language detected", silence, None),
        ]
        results = []
        for name, clip, language in cases:
            samples = load_audio(clip)
            seconds = duration_seconds(samples)
            timing = interleaved_medians(
                partial(ours.transcribe, samples, language),
                partial(_bare_transcribe, bare, samples, language),
                options.runs,
            )
            same = _words(timing.ours_output.text) == _words(timing.baseline_output)
            rtf = f"RTF {timing.ours / seconds:.3f} vs {timing.baseline / seconds:.3f}"
            results.append(
                Result(
                    bench="speech",
                    case=f"{name} ({seconds:.1f} s)",
                    ours=timing.ours,
                    baseline=timing.baseline,
                    baseline_name=BASELINE,
                    note=f"{rtf}; {'same text' if same else 'texts differ'}",
                )
            )
        results.append(
            Result(
                bench="speech",
                case="peak RSS with our recogniser loaded and warm",
                ours=ours_rss,
                baseline=0.0,
                baseline_name="",
                note="before the bare model is loaded",
                unit="MiB",
            )
        )
        return results


def whisper_model_dir(chosen: Path | None) -> Path:
    """The model `make models` installed, else the test suite's cache; raise if neither exists."""
    candidates = (
        [chosen]
        if chosen
        else [
            REPO / "instance" / "models" / "whisper" / "base",
            REPO / ".cache" / "whisper-base",
        ]
    )
    for candidate in candidates:
        if (candidate / "model.bin").is_file():
            return candidate
    raise SystemExit(
        f"no Whisper model in {', '.join(map(str, candidates))}: run `make models` "
        "or pass --whisper-model DIR"
    )


def make_clips(folder: Path) -> tuple[Path, Path, Path]:
    """The speech as 16 kHz PCM and as 8 kHz phone-band mu-law WAV, and 10 s of mu-law silence.

    sox runs with -D (no dither) so the same text always gives the same samples.
    """
    spoken = folder / "espeak.wav"
    pcm = folder / "speech-16k.wav"
    mulaw = folder / "speech-8k-mulaw.wav"
    _tool("espeak-ng", "-v", "en-us", "-w", str(spoken), TEXT)
    _tool(
        "sox",
        "-D",
        str(spoken),
        "-r",
        "16000",
        "-c",
        "1",
        "-b",
        "16",
        "-e",
        "signed-integer",
        str(pcm),
    )
    _tool(
        "sox",
        "-D",
        str(spoken),
        "-r",
        "8000",
        "-c",
        "1",
        "-e",
        "u-law",
        str(mulaw),
        "sinc",
        "300-3400",
    )
    silence = folder / "silence-8k-mulaw.wav"
    _tool("sox", "-n", "-r", "8000", "-c", "1", "-e", "u-law", str(silence), "trim", "0", "10")
    return pcm, mulaw, silence


def _bare_model(model_dir: Path, cpu_threads: int) -> Any:
    from faster_whisper import WhisperModel

    return WhisperModel(str(model_dir), device="cpu", compute_type="int8", cpu_threads=cpu_threads)


def _bare_transcribe(model: Any, samples: Samples, language: str | None) -> str:
    segments, _info = model.transcribe(
        samples,
        language=language,
        beam_size=BEAM_SIZE,
        temperature=0.0,
        condition_on_previous_text=False,
        vad_filter=True,
    )
    return " ".join(segment.text.strip() for segment in segments)


def _words(text: str) -> list[str]:
    return "".join(ch if ch.isalnum() else " " for ch in text.lower()).split()


def _tool(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=60)  # noqa: S603
