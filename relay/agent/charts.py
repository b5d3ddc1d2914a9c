"""The metrics page's charts, drawn on the server as SVG: bar geometry and CSV for each series.

No chart library and no script: the page is readable with JavaScript off, prints, and a screen
reader gets each chart's title, description and a table of the same numbers. The geometry is
computed here and the template only writes it out, so the drawing is testable as data.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

from relay.agent.presenters import CHANNEL_LABELS, language_label
from transcripts.metrics_series import DayLevel, FigureSeries, Series

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 40  # room for the value axis and the category labels

#: Colours told apart by people with the common colour-vision deficiencies (Okabe and Ito).
#: Each also has a legend class in relay.css (.swatch.s0072B2 …): keep the two lists in step.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000")


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    label: str  # what a pointer hover says: "09시 · 영어: 3"


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class Chart:
    """One chart: its bars, axes, legend and the table a screen reader (or a person) reads."""

    name: str  # the CSV's name and the element ids
    title: str
    description: str
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    labels: tuple[tuple[float, str], ...]  # category labels under the bars, thinned to fit
    legend: tuple[tuple[str, str], ...]  # (colour, group label)
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    width: int = WIDTH
    height: int = HEIGHT


def group_label(kind: str, code: str) -> str:
    """A language or channel code as the page names it, in Korean."""
    if kind == "channel":
        return CHANNEL_LABELS.get(code, code)
    if kind == "agent":
        return {"answered": "답변한 상담", "closed": "종료한 상담"}.get(code, code)
    return str(language_label(None if code == "unknown" else code)["ko"])


def _ceiling(top: float) -> float:
    """A round top for the value axis: 1, 2, 5, 10, 20, 50…, at least the highest bar."""
    step = 1.0
    while True:
        for factor in (1, 2, 5):
            if step * factor >= top:
                return step * factor
        step *= 10


def stacked(
    name: str,
    title: str,
    description: str,
    series: Series,
    kind: str,
    category_label: str,
    category_suffix: str = "",
    *,
    side_by_side: bool = False,
) -> Chart:
    """Stacked bars: one per category, one segment per group. `side_by_side` for groups that
    are different measures (answered, closed), whose sum would mean nothing: a bar each."""
    groups = [group_label(kind, g) for g in series.groups]
    totals = series.totals()
    highest = [max(row, default=0) for row in series.values] if side_by_side else totals
    peak = max(highest, default=0) or 1
    # whole contacts on every gridline: 0, 3, 6, 9, 12 rather than 2.5, 7.5
    top = float(peak) if peak <= 4 else math.ceil(_ceiling(peak) / 4) * 4
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(series.categories), 1)
    bars = []
    for i, (category, row) in enumerate(zip(series.categories, series.values, strict=True)):
        base: float = TOP + plot_h
        width = slot * 0.7 / (len(row) if side_by_side else 1)
        for j, count in enumerate(row):
            if not count:
                continue
            height = count / top * plot_h
            base = TOP + plot_h - height if side_by_side else base - height
            bars.append(
                Bar(
                    round(LEFT + i * slot + slot * 0.15 + (j * width if side_by_side else 0), 1),
                    round(base, 1),
                    round(width, 1),
                    round(height, 1),
                    PALETTE[j % len(PALETTE)],
                    f"{category}{category_suffix} · {groups[j]}: {count}",
                )
            )
    every = max(1, round(len(series.categories) / 12))  # at most about a dozen labels
    labels = tuple(
        (round(LEFT + i * slot + slot / 2, 1), f"{c}{category_suffix}")
        for i, c in enumerate(series.categories)
        if i % every == 0
    )
    steps = 4 if top >= 4 else int(top)  # whole contacts only: no "0.5" on a count axis
    ticks = tuple(
        Tick(round(TOP + plot_h - plot_h * k / steps, 1), f"{top * k / steps:g}")
        for k in range(steps + 1)
    )
    return Chart(
        name,
        title,
        description,
        tuple(bars),
        ticks,
        labels,
        tuple((PALETTE[j % len(PALETTE)], g) for j, g in enumerate(groups)),
        (category_label, *groups) if side_by_side else (category_label, *groups, "합계"),
        tuple(
            (c, *map(str, row)) if side_by_side else (c, *map(str, row), str(total))
            for c, row, total in zip(series.categories, series.values, totals, strict=True)
        ),
    )


def service_level(levels: tuple[DayLevel, ...], target_minutes: int) -> Chart:
    """The share of each day's contacts answered within the target, as bars up to 100%."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(levels), 1)
    bars = tuple(
        Bar(
            round(LEFT + i * slot + slot * 0.15, 1),
            round(TOP + plot_h - (level.share or 0) * plot_h, 1),
            round(slot * 0.7, 1),
            round((level.share or 0) * plot_h, 1),
            PALETTE[2],
            f"{level.day.isoformat()} · {_percent(level.share)}"
            f" ({level.within_target}/{level.contacts})",
        )
        for i, level in enumerate(levels)
        if level.share
    )
    every = max(1, round(len(levels) / 12))
    return Chart(
        "service-level",
        f"일별 서비스 수준 ({target_minutes}분 안에 답변한 비율)",
        f"날짜마다 그날 접수된 모든 상담 가운데 {target_minutes}분 안에 상담원이 답변한 비율",
        bars,
        tuple(Tick(round(TOP + plot_h - plot_h * k / 4, 1), f"{25 * k}%") for k in range(5)),
        tuple(
            (round(LEFT + i * slot + slot / 2, 1), level.day.isoformat())
            for i, level in enumerate(levels)
            if i % every == 0
        ),
        ((PALETTE[2], f"{target_minutes}분 안에 답변"),),
        ("날짜", "접수", f"{target_minutes}분 안에 답변", "비율"),
        tuple(
            (
                level.day.isoformat(),
                str(level.contacts),
                str(level.within_target),
                _percent(level.share),
            )
            for level in levels
        ),
    )


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def as_csv(chart: Chart) -> str:
    """The chart's table as CSV, with a byte-order mark so that spreadsheet programs read the
    Korean headers as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(chart.header)
    writer.writerows(chart.rows)
    return "\ufeff" + out.getvalue()


def period_charts(series: FigureSeries, target_minutes: int) -> tuple[Chart, ...]:
    """Every chart of the metrics page, in the order shown."""
    return (
        stacked(
            "hours-language",
            "시간대별 상담 (언어별)",
            "센터 시각 기준 시간대마다 접수된 상담 수를 언어별로 쌓은 막대",
            series.hours_by_language,
            "language",
            "시간대",
            "시",
        ),
        stacked(
            "hours-channel",
            "시간대별 상담 (채널별)",
            "센터 시각 기준 시간대마다 접수된 상담 수를 채널별로 쌓은 막대",
            series.hours_by_channel,
            "channel",
            "시간대",
            "시",
        ),
        stacked(
            "days-language",
            "일별 상담 (언어별)",
            "센터 날짜 기준 날마다 접수된 상담 수를 언어별로 쌓은 막대",
            series.days_by_language,
            "language",
            "날짜",
        ),
        stacked(
            "days-channel",
            "일별 상담 (채널별)",
            "센터 날짜 기준 날마다 접수된 상담 수를 채널별로 쌓은 막대",
            series.days_by_channel,
            "channel",
            "날짜",
        ),
        service_level(series.service_level, target_minutes),
        stacked(
            "agents",
            "상담원별 처리 건수",
            "상담원마다 이 기간에 직접 답변(입력하거나 상용구로)한 상담 수와 종료한 상담 수",
            series.agents,
            "agent",
            "상담원",
            side_by_side=True,
        ),
    )
