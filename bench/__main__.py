"""Run every benchmark module in this package and print one table: `python -m bench`.

Options: --runs N (timed runs per case after one warm-up, default 5), --only NAME (a module,
repeatable), --whisper-model DIR, --cpu-threads N. See bench/__init__.py for how to add one.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
from collections.abc import Sequence
from pathlib import Path

import bench
from bench import Options, Result, peak_rss_mb

#: Decimals per unit: seconds to the millisecond, sentences/s to a hundredth (a real-shape
#: model translates well under one a second), other rates to a tenth.
_DIGITS = {"s": 3, "sent/s": 2, "req/s": 1}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=Options.runs)
    parser.add_argument("--only", action="append", default=[], metavar="NAME")
    parser.add_argument("--whisper-model", type=Path, default=None, metavar="DIR")
    parser.add_argument("--cpu-threads", type=int, default=Options.cpu_threads)
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    options = Options(
        runs=arguments.runs,
        whisper_model=arguments.whisper_model,
        cpu_threads=arguments.cpu_threads,
    )
    names = [
        info.name
        for info in pkgutil.iter_modules(bench.__path__)
        if not info.name.startswith("_") and (not arguments.only or info.name in arguments.only)
    ]
    results: list[Result] = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        results.extend(module.run(options))
    sys.stdout.write(format_table(results, options))
    sys.stdout.write(f"peak RSS of the whole run: {peak_rss_mb():.0f} MiB\n")
    return 0


def format_table(results: Sequence[Result], options: Options) -> str:
    """A plain-text table: one row per case, our median against the baseline's."""
    header = ("bench", "case", "ours", "baseline", "ratio", "baseline is", "note")
    rows = [header]
    for result in results:
        digits = _DIGITS.get(result.unit, 0)
        ours = f"{result.ours:.{digits}f} {result.unit}"
        if not result.has_baseline:
            rows.append((result.bench, result.case, ours, "", "", "", result.note))
            continue
        rows.append(
            (
                result.bench,
                result.case,
                ours,
                f"{result.baseline:.{digits}f} {result.unit}",
                f"{result.ratio:.3f}",
                result.baseline_name,
                result.note,
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    title = (
        f"median of {options.runs} runs after one warm-up; ratio = ours / baseline "
        "(for times above 1 is slower, for rates per second below 1 is slower)\n"
    )
    return title + "\n".join(line.rstrip() for line in lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
