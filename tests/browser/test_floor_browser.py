"""The floor in Chromium at 1366x768: an agent's header state reaches the supervisor's live view
without a reload, and a held conversation is reassigned with one click; on a 390x844 phone the
live view reads as cards."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from relay.services import services
from tests.browser.conftest import LiveRelay, sign_in, user_id
from tests.browser.screens import (
    LAPTOP,
    PHONE,
    doc_screenshot,
    fits_the_screen,
    lines_of,
    screenshot,
)
from transcripts.db import utcnow
from transcripts.models import Channel, Contact, Conversation

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _conversation(relay: LiveRelay, phone: str, language: str, waited: float,
                  holder: int | None = None) -> int:  # fmt: skip
    with services(relay.app).sessions() as session, session.begin():
        contact = Contact(phone=phone, language=language)
        session.add(contact)
        session.flush()
        since = utcnow() - timedelta(minutes=waited)
        conversation = Conversation(
            contact_id=contact.id,
            channel=Channel.SMS,
            language=language,
            awaiting_since=since,
            last_message_at=since,
            claimed_by_id=holder,
            claimed_at=since if holder else None,
        )
        session.add(conversation)
        session.flush()
        return conversation.id


def test_the_live_view_follows_the_floor_and_reassigns_in_one_click(
    chromium: Any, live_relay: LiveRelay, tmp_path: Path
) -> None:
    relay = live_relay
    admin = sign_in(chromium, relay, relay.user("chief", "admin"), screen=LAPTOP)
    agent = sign_in(chromium, relay, relay.user("jisu"), screen=LAPTOP)
    relay.user("minji")
    minji, jisu = user_id(relay, "minji"), user_id(relay, "jisu")
    held = _conversation(relay, "+821055501111", "en", 12, holder=minji)
    _conversation(relay, "+821055502222", "vi", 17)
    _conversation(relay, "+821055503333", "zh", 3)

    # The admin gives jisu English and Vietnamese on the live view.
    admin.goto(f"{relay.url}/admin/live")
    row = admin.locator(f'tr[data-agent="{jisu}"]')
    row.locator('input[value="en"]').check()
    row.locator('input[value="vi"]').check()
    row.get_by_role("button", name="저장").click()
    admin.wait_for_url(f"{relay.url}/admin/live")
    assert "상담 언어를 저장했습니다: 영어, 베트남어" in admin.inner_text("main")

    # jisu becomes available in the header; the live view shows it without a reload.
    agent.goto(f"{relay.url}/agent/")
    agent.locator("form.availability").get_by_role("button", name="대기 가능").click()
    agent.wait_for_url(f"{relay.url}/agent/")
    pressed = agent.locator('form.availability button[aria-pressed="true"]')
    assert pressed.inner_text() == "대기 가능"
    jisu_state = admin.locator(f'tr[data-agent="{jisu}"] .badge')
    jisu_state.filter(has_text="대기 가능").wait_for(timeout=12000)

    # The target: the Vietnamese resident is past it, minji's English one about to pass it.
    risk = admin.locator("section.floor-risk")
    assert risk.locator("tr.past").count() == 1 and risk.locator("tr.near").count() == 1
    assert "목표 초과" in risk.inner_text() and "곧 초과" in risk.inner_text()
    waits = admin.locator("section.floor-waits").inner_text()
    assert "베트남어" in waits and "중국어" in waits
    # The reassign buttons are on the first screen, not below the fold.
    button = risk.locator("tr.near").get_by_role("button", name="이관")
    box = button.bounding_box()
    assert box is not None and box["y"] + box["height"] <= LAPTOP["height"]

    admin.reload()  # without the language form's notice
    doc_screenshot(admin, "admin-live.png")

    # One click: jisu is pre-selected for the English conversation (available, serves English).
    button.click()
    admin.wait_for_url(f"{relay.url}/admin/live")
    assert f"{held}번 대화를 이관했습니다." in admin.inner_text("main")
    jisu_row = admin.locator(f'tr[data-agent="{jisu}"]')
    assert f"{held}번" in jisu_row.locator("ul.held").inner_text()
    with services(relay.app).sessions() as session:
        conversation = session.get(Conversation, held)
        assert conversation is not None and conversation.claimed_by_id == jisu

    # A refresh that fails says so at once: the floor never looks current when it is not.
    admin.route("**/admin/live", lambda route: route.abort())
    admin.locator("#floor-live.stale").wait_for(timeout=12000)
    assert "연결이 끊겨 최신 현황이 아닙니다" in admin.inner_text("#floor-live .refreshed")
    screenshot(admin, "admin-live-stale.png", tmp_path)
    admin.unroute("**/admin/live")
    admin.locator("#floor-live:not(.stale)").wait_for(timeout=12000)


def test_the_live_view_reads_as_cards_on_a_supervisors_phone(
    chromium: Any, live_relay: LiveRelay, tmp_path: Path
) -> None:
    relay = live_relay
    admin = sign_in(chromium, relay, relay.user("chief", "admin"), screen=PHONE)
    relay.user("minji")
    minji = user_id(relay, "minji")
    held = _conversation(relay, "+821055501111", "en", 12, holder=minji)
    _conversation(relay, "+821055502222", "vi", 17)

    admin.goto(f"{relay.url}/admin/live")
    screenshot(admin, "admin-live-390.png", tmp_path, full_page=True)
    fits_the_screen(admin, PHONE["width"])
    # Names and times on one line each, not a letter a line in a squeezed column.
    assert lines_of(admin, f'tr[data-agent="{minji}"]', "minji") == 1
    row = admin.locator(f'tr[data-agent="{minji}"]')
    assert f"{held}번" in row.inner_text() and "상담 언어" in row.inner_text()
    assert row.get_by_role("button", name="저장").is_visible()
    assert admin.locator("section.floor-risk").get_by_role("button", name="배정").is_visible()
