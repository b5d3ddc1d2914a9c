"""Benchmarks for relay, each measured against a baseline timed in the same run.

`python -m bench` (or `make bench`) imports every module in this package whose name does not
start with an underscore, calls its `run(options)`, and prints one table of `Result` rows. A
module benchmarks one part of relay (speech.py: our Whisper recogniser) against the bare library
it wraps, on inputs it makes itself, so the ratio column says what our code costs on top of the
library on this machine today; absolute seconds vary between machines, the ratio much less.

To add a benchmark (say translation.py), write a module with
`run(options: Options) -> list[Result]` beside speech.py; nothing else needs to change.
Timings are medians of `options.runs` runs after one warm-up run, with our code and the
baseline interleaved so that a slow moment on the machine hits both.
"""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

REPO = Path(__file__).resolve().parents[1]
T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True)
class Options:
    """Settings shared by every benchmark module."""

    runs: int = 5
    whisper_model: Path | None = None  # None: the model `make models` installed
    cpu_threads: int = 0  # 0: the library's default


@dataclass(frozen=True)
class Result:
    """One measured case: our figure against the baseline's (0 when there is none to compare)."""

    bench: str
    case: str
    ours: float
    baseline: float
    baseline_name: str
    note: str = ""
    unit: str = "s"  # medians of wall time; "MiB" for memory

    @property
    def ratio(self) -> float:
        """Our time over the baseline's: 1.00 means no overhead, 1.10 means 10% slower."""
        return self.ours / self.baseline if self.baseline else float("nan")

    @property
    def has_baseline(self) -> bool:
        """False for a figure reported on its own, such as peak memory."""
        return self.baseline > 0


@dataclass(frozen=True)
class Timing(Generic[T, U]):
    """Medians of both sides, with what each returned on its warm-up run (to check them)."""

    ours: float
    baseline: float
    ours_output: T
    baseline_output: U


def interleaved_medians(
    ours: Callable[[], T], baseline: Callable[[], U], runs: int
) -> Timing[T, U]:
    """Median wall time of each callable over `runs` alternating runs, after one warm-up each."""
    ours_output = ours()
    baseline_output = baseline()
    ours_times: list[float] = []
    baseline_times: list[float] = []
    for _ in range(max(runs, 1)):
        ours_times.append(_timed(ours))
        baseline_times.append(_timed(baseline))
    return Timing(
        statistics.median(ours_times),
        statistics.median(baseline_times),
        ours_output,
        baseline_output,
    )


def peak_rss_mb() -> float:
    """The process's peak resident memory so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started
