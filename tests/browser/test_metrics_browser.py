"""The metrics page in Chromium at 1366x768: the charts are drawn, fit the screen, read as
tables, and their CSV downloads; a note written on a thread shows under it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from relay.services import services
from tests.browser.conftest import LiveRelay, sign_in
from tests.browser.screens import LAPTOP, PHONE, Screen, doc_screenshot, fits_the_screen
from tests.support.seeded_day import DAY, seed_day

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _metrics_of_the_day(chromium: Any, relay: LiveRelay, screen: Screen) -> Any:
    """An admin's metrics page for the seeded day, on `screen`."""
    seed_day(services(relay.app).sessions)
    admin = sign_in(chromium, relay, relay.user("chief", "admin"), screen=screen)
    day = DAY.isoformat()
    admin.goto(f"{relay.url}/admin/metrics?since={day}&until={day}")
    return admin


def test_metrics_charts_at_1366(chromium: Any, live_relay: LiveRelay) -> None:
    admin = _metrics_of_the_day(chromium, live_relay, LAPTOP)
    assert admin.locator("#m-within-target").inner_text() == "33.3%"
    charts = admin.locator("figure.chart")
    assert charts.count() == 6
    for i in range(6):
        box = charts.nth(i).locator("svg").bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 100
        assert box["x"] >= 0 and box["x"] + box["width"] <= LAPTOP["width"]
    # 9 contacts in the hours chart: C1+C2 at 10, C3+C4 at 11, then one an hour to 16
    assert admin.locator("#chart-hours-language rect").count() == 9
    assert admin.locator("#chart-service-level rect").count() == 1
    fits_the_screen(admin, LAPTOP["width"])
    # the table beside the chart opens and holds the same numbers
    admin.locator("#chart-agents summary").click()
    assert "kim" in admin.locator("#chart-agents table").inner_text()
    with admin.expect_download() as download:
        admin.locator("#chart-agents a.csv").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[1:] == ["kim,3,2", "park,2,2"]
    admin.locator("#chart-agents summary").click()  # closed again, as the page opens
    admin.locator("h2", has_text="그래프").scroll_into_view_if_needed()
    doc_screenshot(admin, "admin-metrics.png")


def test_a_note_on_the_thread(chromium: Any, live_relay: LiveRelay) -> None:
    c6 = seed_day(services(live_relay.app).sessions)["C6"]
    agent = sign_in(chromium, live_relay, live_relay.user("lee"), screen=LAPTOP)
    agent.goto(f"{live_relay.url}/agent/conversations/{c6}")
    agent.fill("#note-body", "여권 사본을 내일 다시 요청할 것")
    agent.click("form.note-form button[type=submit]")
    agent.wait_for_url(f"{live_relay.url}/agent/conversations/{c6}*")
    note = agent.locator("section.notes li.note").first
    assert "여권 사본을 내일 다시 요청할 것" in note.inner_text()
    assert "lee" in note.inner_text()


def test_metrics_charts_fit_a_phone(chromium: Any, live_relay: LiveRelay) -> None:
    admin = _metrics_of_the_day(chromium, live_relay, PHONE)
    charts = admin.locator("figure.chart")
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
