"""The accounts page in a real browser at 1366x768: an admin makes an account with a generated
password, the new agent signs in with it, and disabling the account ends the agent's open page
at its next request; every row's buttons fit the screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveRelay, sign_in
from tests.browser.screens import LAPTOP, PHONE, SCREENS, Screen, fits_the_screen, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: How many lines an element's text is laid out on (a word broken letter by letter takes more).
LINES_OF_TEXT = """(element) => {
  const range = document.createRange();
  range.selectNodeContents(element);
  return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
}"""


def test_an_admin_creates_and_disables_an_account_on_a_page_that_fits(
    chromium: Any, live_relay: LiveRelay, tmp_path: Path
) -> None:
    for name in ("kim", "park", "choi", "jung"):
        live_relay.user(name)
    admin = sign_in(chromium, live_relay, live_relay.user("chief", "admin"), screen=LAPTOP)
    admin.click("text=계정 관리")
    admin.wait_for_selector("table.accounts")

    admin.fill('.account-form input[name="username"]', "nguyen")
    admin.click('.account-form button[type="submit"]')
    password = admin.locator(".one-time-password code").inner_text().strip()
    assert len(password) >= 16
    admin.click("text=계정 관리로 돌아가기")

    agent = chromium.new_context(locale="ko-KR", viewport=LAPTOP).new_page()
    agent.goto(f"{live_relay.url}/login")
    assert "flask" not in agent.content()  # no command line advertised on the login page
    agent.fill('input[name="username"]', "nguyen")
    agent.fill('input[name="password"]', password)
    agent.click('button[type="submit"]')
    agent.wait_for_url(f"{live_relay.url}/agent/")

    admin.reload()
    row = admin.locator("table.accounts tr", has_text="nguyen")
    assert "사용 중" in row.inner_text()
    screenshot(admin, "accounts-1366.png", tmp_path, full_page=True)
    confirm = row.locator("button", has_text="nguyen 계정 사용 중지")
    assert confirm.is_hidden()  # disabling is deliberate: a second click
    row.locator("summary", has_text="사용 중지").click()  # opened, the row still fits
    fits_the_screen(admin, LAPTOP["width"])
    for button in admin.locator("table.accounts button:visible").all():
        box = button.bounding_box()
        assert box is not None and box["x"] + box["width"] <= LAPTOP["width"]

    screenshot(admin, "accounts-disable-1366.png", tmp_path)
    confirm.click()
    admin.wait_for_selector(".flash.ok")
    assert "사용 중지" in admin.locator("table.accounts tr", has_text="nguyen").inner_text()
    assert "계정 사용 중지" in admin.locator("table.account-history").inner_text()

    agent.reload()
    assert agent.url.startswith(f"{live_relay.url}/login")  # the open session ended at once


def test_the_accounts_page_does_not_scroll_sideways_on_a_phone(
    chromium: Any, live_relay: LiveRelay, tmp_path: Path
) -> None:
    live_relay.user("kim")
    admin = sign_in(chromium, live_relay, live_relay.user("chief", "admin"), screen=PHONE)
    admin.goto(f"{live_relay.url}/admin/accounts")
    admin.wait_for_selector("table.accounts")
    screenshot(admin, "accounts-390.png", tmp_path, full_page=True)
    # The page's own content (the shared header is laid out elsewhere) stays within the screen;
    # the accounts table scrolls inside its box, with whole words in its cells.
    for part in ("h1", ".account-create", ".accounts-scroll", "table.account-history"):
        box = admin.locator(part).bounding_box()
        assert box is not None and box["x"] + box["width"] <= PHONE["width"], part
    assert admin.locator('.account-form button[type="submit"]').is_visible()
    name = admin.locator("table.accounts td").first.bounding_box()
    assert name is not None and name["height"] < 60, "the name is broken letter by letter"


@pytest.mark.parametrize("screen", SCREENS)
def test_an_admin_gives_an_agent_languages_when_creating_and_then_changes_them(
    chromium: Any, live_relay: LiveRelay, tmp_path: Path, screen: Screen
) -> None:
    live_relay.user("kim")
    admin = sign_in(chromium, live_relay, live_relay.user("chief", "admin"), screen=screen)
    admin.goto(f"{live_relay.url}/admin/accounts")
    create = admin.locator(".account-form")
    create.locator('input[name="username"]').fill("tuyet")
    create.locator('input[name="password"]').fill("tuyet's own passphrase")
    create.get_by_label("베트남어").check()
    create.get_by_label("한국어").check()
    assert create.locator('button[type="submit"]').is_visible()
    create.locator('button[type="submit"]').click()
    admin.wait_for_selector(".flash.ok")

    row = admin.locator("table.accounts tr", has_text="tuyet")
    boxes = row.locator("fieldset.language-boxes")
    assert boxes.get_by_label("베트남어").is_checked() and boxes.get_by_label("한국어").is_checked()
    assert not boxes.get_by_label("영어").is_checked()
    labels = boxes.locator("label").all_inner_texts()
    assert [label.split()[-1] for label in labels] == [
        "영어", "중국어", "일본어", "베트남어", "몽골어", "한국어"
    ]  # fmt: skip
    for label in boxes.locator("label").all():  # each name on one line, not letter by letter
        box = label.bounding_box()
        assert box is not None and box["height"] < 40
    screenshot(admin, f"accounts-languages-{screen['width']}.png", tmp_path, full_page=True)

    boxes.get_by_label("한국어").uncheck()
    boxes.get_by_label("몽골어").check()
    save = row.locator("button", has_text="언어 저장")
    save.scroll_into_view_if_needed()
    save.click()
    admin.wait_for_selector(".flash.ok")
    assert "상담 언어를 저장했습니다: 몽골어, 베트남어" in admin.locator(".flash.ok").inner_text()
    boxes = admin.locator("table.accounts tr", has_text="tuyet").locator("fieldset.language-boxes")
    assert (
        boxes.get_by_label("몽골어").is_checked() and not boxes.get_by_label("한국어").is_checked()
    )
    history = admin.locator("table.account-history").inner_text()
    assert "상담원 언어 지정" in history and "상담 언어: 몽골어, 베트남어" in history
    fits_the_screen(admin, screen["width"])
    if screen == LAPTOP:  # the whole row, its language boxes included, fits the screen
        for button in admin.locator("table.accounts button:visible").all():
            box = button.bounding_box()
            assert box is not None and box["x"] + box["width"] <= LAPTOP["width"]
    # The history's names and headings are whole words at either size.
    for cell in admin.locator("table.account-history th, table.account-history td").all()[:12]:
        text = cell.inner_text().strip()
        if text in ("누가", "chief"):  # one word each: one line
            assert cell.evaluate(LINES_OF_TEXT) == 1, text
    screenshot(admin, f"accounts-saved-{screen['width']}.png", tmp_path, full_page=True)
