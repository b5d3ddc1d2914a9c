"""Internal notes reach every open view of a thread in a real browser: an agent at a desk
(1366x768) writes a note, and a supervisor with the same thread open on a phone (390x844) sees
it appear without reloading, as text, then sees the thread closed with its topic and its reply
box gone; the resident is never sent it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from relay.services import services
from tests.browser.conftest import LiveRelay, live, resident_texts, sign_in
from tests.browser.screens import LAPTOP, PHONE, fits_the_screen, screenshot
from tests.support.modelkit import TinyModels
from transcripts.models import Direction, Message

pytestmark = [pytest.mark.browser, pytest.mark.slow]
NOTE = '여권 사본 받음, 내일 다시 안내 <script>document.title = "hacked"</script>'


def test_a_note_and_the_closing_topic_appear_live_for_a_second_viewer(
    chromium: Any, live_relay: LiveRelay, tiny_models: TinyModels, tmp_path: Path
) -> None:
    wallet = tiny_models.phrase("wallet")
    writer = sign_in(chromium, live_relay, live_relay.user("kim"), screen=LAPTOP)
    live(writer)
    resident = resident_texts(chromium, live_relay, wallet["en"])
    row = writer.locator("#waiting li.row", has_text=wallet["ko"])
    row.wait_for(timeout=3000)
    row.locator("button", has_text="맡기").click()
    writer.wait_for_url("**/agent/conversations/*")
    thread_url = writer.url

    viewer = sign_in(chromium, live_relay, live_relay.user("chief", "admin"), screen=PHONE)
    viewer.goto(thread_url)
    live(viewer)
    viewer.evaluate("window.sameDocument = true")  # gone if the page were loaded again
    assert "아직 메모가 없습니다" in viewer.locator("#note-list").inner_text()
    assert "kim 상담원이 맡음" in viewer.locator("#thread-state").inner_text()

    writer.fill("#note-body", NOTE)
    writer.click("form.note-form button[type=submit]")
    writer.locator("#note-list .note-body", has_text="여권 사본").wait_for()

    note = viewer.locator("#note-list .note-body", has_text="여권 사본")
    note.wait_for(timeout=5000)
    assert note.inner_text() == NOTE  # the markup shown as the agent typed it, not run
    assert viewer.evaluate("window.sameDocument") is True
    assert viewer.title() != "hacked" and viewer.locator("#note-list script").count() == 0
    assert "kim ·" in viewer.locator("#note-list .note-meta").first.inner_text()
    fits_the_screen(viewer, PHONE["width"])
    viewer.locator("#notes").scroll_into_view_if_needed()
    screenshot(viewer, "notes-second-viewer-390.png", tmp_path)
    writer.locator("#notes").scroll_into_view_if_needed()
    screenshot(writer, "notes-writer-1366.png", tmp_path)

    writer.select_option('form.action.close select[name="disposition"]', "resolved")
    writer.select_option("#close-topic", "건강보험")
    writer.click("form.action.close button[type=submit]")
    writer.wait_for_url("**/agent/")
    # The close changed what the supervisor may do: the page is drawn again without the reply
    # box and the actions, the state line naming the ending and its topic.
    viewer.wait_for_function("window.sameDocument === undefined", timeout=5000)
    state = viewer.locator("#thread-state", has_text="건강보험")
    state.wait_for(timeout=5000)
    assert "종료됨" in state.inner_text()
    assert viewer.locator("#reply-text").count() == 0
    assert viewer.locator("form.action.close").count() == 0
    viewer.locator("#thread-state").scroll_into_view_if_needed()
    screenshot(viewer, "notes-closed-topic-390.png", tmp_path)

    # Nothing of the note went to the resident: no reply was queued, and the simulator's
    # phone shows no text holding it.
    with services(live_relay.app).sessions() as session:
        sent = session.scalars(
            select(Message.original_text).where(Message.direction == Direction.OUTBOUND)
        ).all()
    assert not any("여권 사본" in (text or "") for text in sent)
    resident.reload()
    assert "여권 사본" not in resident.content()
