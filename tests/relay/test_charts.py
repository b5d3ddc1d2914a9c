"""The chart geometry: bars stack to their totals on an axis of whole contacts, and the
service-level bars are drawn against 100%."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from relay.agent.charts import BOTTOM, HEIGHT, PALETTE, TOP, service_level, stacked
from transcripts.metrics_series import DayLevel, Series

PLOT = HEIGHT - TOP - BOTTOM


def test_stacked_bars_reach_their_totals_on_whole_gridlines() -> None:
    series = Series(("09", "10"), ("en", "vi"), ((3, 2), (0, 1)))
    chart = stacked("x", "제목", "설명", series, "language", "시간대", "시")
    assert [t.label for t in chart.ticks] == ["0", "2", "4", "6", "8"]  # top 5 → 8, in 4 steps
    first = [b for b in chart.bars if b.label.startswith("09시")]
    assert [b.label for b in first] == ["09시 · 영어: 3", "09시 · 베트남어: 2"]
    assert abs(sum(b.height for b in first) - 5 / 8 * PLOT) < 0.2  # each rounded to 0.1
    assert len(chart.bars) == 3  # no bar for a zero
    assert chart.rows == (("09", "3", "2", "5"), ("10", "0", "1", "1"))
    assert chart.header == ("시간대", "영어", "베트남어", "합계")


def test_service_level_is_a_share_of_all_contacts() -> None:
    levels = (DayLevel(date(2026, 11, 12), 9, 3), DayLevel(date(2026, 11, 13), 0, 0))
    chart = service_level(levels, 15)
    assert [b.height for b in chart.bars] == [round(3 / 9 * PLOT, 1)]
    assert chart.rows[0] == ("2026-11-12", "9", "3", "33.3%")
    assert chart.rows[1] == ("2026-11-13", "0", "0", "—")
    assert chart.ticks[-1].label == "100%"


def test_side_by_side_bars_for_different_measures() -> None:
    series = Series(("kim",), ("answered", "closed"), ((3, 2),))
    chart = stacked("agents", "제목", "설명", series, "agent", "상담원", side_by_side=True)
    answered, closed = chart.bars
    assert answered.x + answered.width <= closed.x  # next to each other, not stacked
    assert answered.y + answered.height == closed.y + closed.height  # both on the axis
    assert chart.header == ("상담원", "답변한 상담", "종료한 상담")  # no sum of the two
    assert [t.label for t in chart.ticks] == ["0", "1", "2", "3"]


def test_every_colour_has_its_legend_class() -> None:
    css = (Path(__file__).parents[2] / "relay" / "static" / "relay.css").read_text()
    assert all(f".swatch.s{colour[1:]} {{ background:{colour}; }}" in css for colour in PALETTE)
