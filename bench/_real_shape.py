"""The translation bench in the real shape of m2m100_418M, and the settings it chooses.

The transformer-base case in translation.py measures our overhead cheaply; what a resident
waits for is set by the model relay actually runs for Vietnamese and Mongolian, M2M-100 418M:
12+12 layers of width 1024, 16 heads, FFN 4096 and a 128k vocabulary that the output projection
runs over at every step. Built with random weights in that shape (bench/_random_m2m.py), int8
on CTranslate2, this module times

* relay's Translator (as the worker builds it, at the default settings) against the bare
  `translate_batch` on the same model, one sentence per call, as residents' texts arrive;
* the bare call alone at 1 and 2 threads and beams 1, 2 and 4, configurations interleaved run
  by run so that other work on the machine hits them alike, with the process's CPU time beside
  the wall time (on a busy machine the CPU time is the steadier figure of what a setting
  costs). These rows chose the defaults of RELAY_TRANSLATION_THREADS and
  RELAY_TRANSLATION_BEAM_SIZE (README, Performance).

Every hypothesis is exactly MAX_DECODING_LENGTH tokens (random weights never choose `</s>`),
about the length of a 15-word sentence in Korean pieces. The sentences hold no digits: a random
model drops every number, and our Translator would then be measured retrying it in pieces,
which a real model rarely makes it do. A glossary term remains (thẻ đăng ký người nước ngoài,
외국인등록증, in the second), and a random model loses its placeholder too, so our side still
pays for a retry there. Medians of at most 3 runs: one run of the whole sweep takes about a
minute on 2 idle cores.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from bench import Options, Result, interleaved_medians
from bench._random_m2m import M2M100_418M, ensure_model
from languages.m2m import language_token

SOURCE, TARGET = "vi", "ko"
MAX_DECODING_LENGTH = 32
SENTENCES = 4
MAX_RUNS = 3
THREADS = (1, 2)
BEAMS = (1, 2, 4)
DEFAULT_BEAM = 2  # relay's RELAY_TRANSLATION_BEAM_SIZE default, which the sweep supports
DEFAULT_THREADS = 1  # RELAY_TRANSLATION_THREADS=0 resolves to one thread


def run(options: Options, vietnamese: Sequence[str], training_texts: Sequence[str]) -> list[Result]:
    """Ours against bare at the defaults, then the bare sweep over threads and beams."""
    from bench import translation

    model_dir = ensure_model(M2M100_418M, training_texts)
    picked = _without_digits(vietnamese)[:SENTENCES]
    tokens = translation.tokenise(model_dir, picked)
    runs = max(1, min(options.runs, MAX_RUNS))
    with tempfile.TemporaryDirectory(prefix="relay-bench-real-shape-") as folder:
        ours = translation.our_translator(
            model_dir, Path(folder), options.cpu_threads, max_decoding_length=MAX_DECODING_LENGTH
        )
        bare = _bare(model_dir, options.cpu_threads or DEFAULT_THREADS)
        timings = [
            interleaved_medians(
                partial(ours.translate_many, [text], SOURCE, TARGET),
                partial(_translate, bare, [sentence_tokens], DEFAULT_BEAM),
                runs,
            )
            for text, sentence_tokens in zip(picked, tokens, strict=True)
        ]
        del bare
        ours_seconds = sum(timing.ours for timing in timings)
        bare_seconds = sum(timing.baseline for timing in timings)
        results = [
            Result(
                bench="translation",
                case=f"m2m100_418M shape, vi→ko, one sentence per call ({len(picked)} sentences)",
                ours=len(picked) / ours_seconds,
                baseline=len(picked) / bare_seconds,
                baseline_name="bare Translator.translate_batch",
                note=(
                    f"{ours_seconds / len(picked) * 1000:.0f} vs "
                    f"{bare_seconds / len(picked) * 1000:.0f} ms per sentence; "
                    f"{M2M100_418M.label()}, int8, beam {DEFAULT_BEAM}, "
                    f"{DEFAULT_THREADS} thread, {MAX_DECODING_LENGTH} tokens each"
                ),
                unit="sent/s",
            )
        ]
    return results + _sweep(model_dir, tokens, runs)


def _without_digits(texts: Sequence[str]) -> list[str]:
    return [text for text in texts if not any(character.isdigit() for character in text)]


def _sweep(model_dir: Path, tokens: Sequence[list[str]], runs: int) -> list[Result]:
    """Sentences per second of the bare call per (threads, beam), interleaved run by run."""
    translators = {threads: _bare(model_dir, threads) for threads in THREADS}
    configurations = [(threads, beam) for threads in THREADS for beam in BEAMS]
    seconds: dict[tuple[int, int], list[float]] = {config: [] for config in configurations}
    cpu: dict[tuple[int, int], list[float]] = {config: [] for config in configurations}
    for warm_up_or_run in range(runs + 1):
        for threads, beam in configurations:
            started, cpu_started = time.perf_counter(), time.process_time()
            for sentence_tokens in tokens:
                _translate(translators[threads], [sentence_tokens], beam)
            if warm_up_or_run:
                seconds[(threads, beam)].append(time.perf_counter() - started)
                cpu[(threads, beam)].append(time.process_time() - cpu_started)
    results = []
    for threads, beam in configurations:
        median = statistics.median(seconds[(threads, beam)])
        cpu_median = statistics.median(cpu[(threads, beam)])
        results.append(
            Result(
                bench="translation",
                case=f"m2m100_418M shape, bare, {threads} thread(s), beam {beam}",
                ours=len(tokens) / median,
                baseline=0.0,
                baseline_name="",
                note=(
                    f"{median / len(tokens) * 1000:.0f} ms per sentence "
                    f"(CPU time {cpu_median / len(tokens) * 1000:.0f} ms, all threads)"
                ),
                unit="sent/s",
            )
        )
    return results


def _bare(model_dir: Path, threads: int) -> Any:
    import ctranslate2

    return ctranslate2.Translator(
        str(model_dir), device="cpu", compute_type="int8", intra_threads=threads
    )


def _translate(translator: Any, batch: list[list[str]], beam: int) -> list[list[str]]:
    results = translator.translate_batch(
        batch,
        target_prefix=[[language_token(TARGET)]] * len(batch),
        beam_size=beam,
        max_decoding_length=MAX_DECODING_LENGTH,
    )
    return [result.hypotheses[0] for result in results]
