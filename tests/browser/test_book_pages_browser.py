"""The glossary and phrasebook editors in Chromium on a laptop (1366x768) and a phone (390x844):
one set of pages serves both books, so an answer written in the form is listed and kept in the
history, and on either screen Korean stays whole words and nothing is wider than the screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveRelay, sign_in
from tests.browser.screens import SCREENS, Screen, fits_the_screen, lines_of, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ANSWER = {
    "topic": "서류 안내",
    "keywords": "무지개창구, 서류",
    "ko": "무지개창구는 본관 2층에 있습니다. 외국인등록증을 가지고 오세요.",
    "en": "The rainbow desk is on the second floor of the main building.",
    "zh": "彩虹窗口在主楼二楼。",
    "ja": "レインボー窓口は本館2階にあります。",
    "vi": "Quầy cầu vồng ở tầng hai của tòa nhà chính.",
    "mn": "Солонго цонх төв байрны хоёрдугаар давхарт байна.",
}


@pytest.mark.parametrize("viewport", SCREENS)
def test_the_book_editors_keep_korean_whole_at_both_sizes(
    chromium: Any, live_relay: LiveRelay, viewport: Screen, tmp_path: Path
) -> None:
    admin = sign_in(chromium, live_relay, live_relay.user("chief", "admin"), screen=viewport)
    width = viewport["width"]

    admin.goto(f"{live_relay.url}/admin/phrasebook/edit")
    for name, value in ANSWER.items():
        admin.fill(f'[name="{name}"]', value)
    admin.click("form.book-entry button[type=submit]")
    admin.wait_for_url("**/admin/phrasebook?q=*")
    assert "답변을 저장했습니다" in admin.locator(".flash").first.inner_text()
    rows = admin.locator("table.book tbody tr")
    assert rows.count() == 1 and "서류 안내" in rows.first.inner_text()
    fits_the_screen(admin, width)
    assert lines_of(admin, "table.book td[lang=ko]", "무지개창구는") == 1
    assert lines_of(admin, "table.book td.actions", "수정") == 1
    screenshot(admin, f"phrasebook-list-{width}.png", tmp_path, full_page=True)

    admin.click("table.book td.actions >> text=기록")
    admin.wait_for_url("**/admin/phrasebook/history?id=*")
    assert "무지개창구는" in admin.locator("h1").inner_text()
    fits_the_screen(admin, width)
    assert lines_of(admin, "table.book td.details", "외국인등록증을") == 1
    screenshot(admin, f"phrasebook-history-{width}.png", tmp_path, full_page=True)

    admin.goto(f"{live_relay.url}/admin/glossary?q=등록")
    fits_the_screen(admin, width)
    assert lines_of(admin, "table.book td[lang=ko]", "외국인등록증") == 1
    screenshot(admin, f"glossary-list-{width}.png", tmp_path, full_page=True)
