"""The translation memory's admin page in a real browser: it fits the screen, and an admin edits
a suggestion and approves it with the page's own forms."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from languages.memory import normalise
from relay.services import services
from tests.browser.conftest import LiveRelay, sign_in
from tests.browser.screens import PHONE, fits_the_screen, lines_of, screenshot
from transcripts.memory_review import SuggestOutcome, suggest
from transcripts.models import MemoryEntry, User

pytestmark = [pytest.mark.browser, pytest.mark.slow]

KOREAN = "외국인등록증 재발급은 출입국·외국인청에서 신청하세요."
SUGGESTED = "Xin cấp lại thẻ tại Văn phòng Xuất nhập cảnh. " + "rất" * 40  # one long word
APPROVED = "Hãy xin cấp lại thẻ cư trú tại Văn phòng Xuất nhập cảnh và Người nước ngoài."


def _suggested_by(relay: LiveRelay, name: str) -> None:
    sessions = services(relay.app).sessions
    with sessions() as session, session.begin():
        user_id = session.scalar(select(User.id).where(User.username == name))
        outcome = suggest(
            session,
            normalise,
            source_text=KOREAN,
            source="ko",
            target="vi",
            translated_text=SUGGESTED,
            machine_text="Thẻ.",
            user_id=user_id,
            conversation_id=None,
        )
    assert outcome is SuggestOutcome.SUGGESTED


def test_an_admin_edits_and_approves_a_suggestion_on_a_page_that_fits(
    chromium: Any, live_relay: LiveRelay, tmp_path: Path
) -> None:
    _suggested_by(live_relay, live_relay.user("kim"))
    admin = sign_in(chromium, live_relay, live_relay.user("chief", "admin"))
    admin.click("text=번역 메모리")
    admin.wait_for_selector("table.memory-suggestions")
    fits_the_screen(admin, admin.viewport_size["width"])
    row = admin.locator("table.memory-suggestions tbody tr").first
    assert "kim" in row.inner_text() and "베트남어" in row.inner_text()

    row.locator('textarea[name="text"]').fill(APPROVED)
    row.locator("button", has_text="고친 번역 승인").click()
    admin.wait_for_selector(".flash.ok")
    assert admin.locator("table.memory-entries").inner_text().count(APPROVED) == 1
    with services(live_relay.app).sessions() as session:
        entry = session.scalars(select(MemoryEntry)).one()
        assert entry.target_text == APPROVED
    admin.click("text=변경 기록")
    history = admin.locator("table").inner_text()
    assert "승인 (고쳐서)" in history and "chief" in history and "상담원 제안" in history

    # On a supervisor's phone the history reads as labelled cards, words whole.
    admin.set_viewport_size(PHONE)
    admin.reload()
    screenshot(admin, "memory-history-390.png", tmp_path, full_page=True)
    fits_the_screen(admin, PHONE["width"])
    for word in ("chief", "외국인등록증", "출입국·외국인청에서"):
        assert lines_of(admin, "table.memory-history tbody", word) == 1, word
