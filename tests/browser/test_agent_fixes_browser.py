"""The agent-side fixes of the working-day review, seen in Chromium at 1366x768 and 390x844:
the centre's clock with dates, a blocked contact's text, the phrasebook's SMS preview, the
claim-race loser's page, the queue's order and wait, and masked numbers with an audited reveal.

The browsers run on Seoul's clock, as the centre's PCs do, so a time the server sent without
its zone, or a wait counted from the wrong moment, shows up as a wrong figure on the screen.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from relay.services import services
from relay.twilio.security import sign
from tests.browser.conftest import LiveRelay, live, sign_in
from tests.browser.screens import SCREENS, Screen, fits_the_screen, screenshot
from tests.support.app_fixtures import AUTH_TOKEN, Webhooks
from tests.support.modelkit import TinyModels
from transcripts.db import utcnow
from transcripts.models import (
    Contact,
    Conversation,
    ConversationStatus,
    Disposition,
    Event,
    Message,
)
from transcripts.policy import EventKind

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SEOUL = ZoneInfo("Asia/Seoul")
RESIDENT, OTHER = "+821055503001", "+821055503002"


def _staff(browser: Any, relay: LiveRelay, name: str, size: Screen, role: str = "agent") -> Any:
    return sign_in(browser, relay, relay.user(name, role), timezone_id="Asia/Seoul", screen=size)


def _text(relay: LiveRelay, body: str, phone: str = RESIDENT) -> tuple[int, int]:
    """A resident's SMS through the signed webhook (jobs run inline): (conversation, message)."""
    hooks = Webhooks(relay.app.test_client())
    params = hooks.sms_params(body, from_number=phone)
    signature = sign(f"{relay.url}/twilio/sms", params, AUTH_TOKEN)
    assert hooks.post("/twilio/sms", params, signature=signature).status_code == 200
    with services(relay.app).sessions() as session:
        message = session.scalars(select(Message).order_by(Message.id.desc())).first()
        assert message is not None
        return message.conversation_id, message.id


def _back_in_time(relay: LiveRelay, conversation_id: int, then: datetime) -> None:
    """As if everything in the conversation had been said at `then`."""
    with services(relay.app).sessions() as session, session.begin():
        session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id)
            .values(created_at=then, last_message_at=then, awaiting_since=then)
        )
        session.execute(
            update(Message)
            .where(Message.conversation_id == conversation_id)
            .values(created_at=then)
        )


def _looked_at(page: Any, folder: Path, name: str, size: Screen) -> None:
    """A picture to look at for cut-off controls or English, of a page that fits the screen."""
    screenshot(page, f"fixes-{name}-{size['width']}.png", folder, full_page=True)
    fits_the_screen(page, size["width"])


def _minutes(waited: str) -> int:
    """The queue's wait as the page writes it ("1일 7시간", "3시간 5분", "10분 3초", "7초"), in
    minutes."""
    days = re.search(r"(\d+)일", waited)
    hours = re.search(r"(\d+)시간", waited)
    minutes = re.search(r"(\d+)분", waited)
    return (
        (int(days[1]) * 1440 if days else 0)
        + (int(hours[1]) * 60 if hours else 0)
        + (int(minutes[1]) if minutes else 0)
    )


@pytest.mark.parametrize("size", SCREENS)
def test_times_are_the_centres_with_the_date_when_not_today(
    chromium: Any, live_relay: LiveRelay, tiny_models: TinyModels, size: Screen,
    tmp_path: Path,
) -> None:  # fmt: skip
    yesterday = datetime.now(SEOUL).date() - timedelta(days=1)
    then = datetime.combine(yesterday, time(3, 7), tzinfo=SEOUL)  # 18:07 UTC the day before
    old, _ = _text(live_relay, tiny_models.phrase("wallet")["en"])
    _back_in_time(live_relay, old, then.astimezone(UTC))
    closed, _ = _text(live_relay, tiny_models.phrase("thanks")["en"], OTHER)
    with services(live_relay.app).sessions() as session, session.begin():
        session.execute(
            update(Conversation)
            .where(Conversation.id == closed)
            .values(status=ConversationStatus.CLOSED, disposition=Disposition.RESOLVED)
        )
    shown, utc = f"{yesterday:%Y-%m-%d} 03:07", f"{then.astimezone(UTC):%H:%M}"
    admin = _staff(chromium, live_relay, "chief", size, "admin")

    row = admin.locator(f'#waiting li.row[data-conversation="{old}"]')
    waited = (utcnow() - then).total_seconds() // 60
    shown_wait = row.locator(".waited").inner_text()
    # 21 to 45 hours, by the hour of the run: past a day in days and hours
    assert re.fullmatch(r"1일 \d+시간|\d+시간 \d+분", shown_wait)
    assert 0 <= waited - _minutes(shown_wait) < 60
    assert row.locator(".since").inner_text() == shown
    _looked_at(admin, tmp_path, "times-queue", size)

    admin.goto(f"{live_relay.url}/agent/conversations/{old}")
    assert admin.locator(".message time").first.inner_text() == shown
    assert utc not in admin.inner_text("main")
    _looked_at(admin, tmp_path, "times-thread", size)

    admin.goto(f"{live_relay.url}/admin/conversations")
    times = admin.locator("table.grid time").all_inner_texts()
    now = datetime.now(SEOUL)
    listing = admin.inner_text("main")
    assert shown in times and utc not in listing
    assert "종료 · 첫 상담에서 해결" in listing and "resolved" not in listing
    old_time = admin.locator("table.grid time", has_text=shown)
    old_time.scroll_into_view_if_needed()  # a phone scrolls the list sideways, not the page
    box = old_time.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= size["width"]
    assert box["height"] < 30  # one line: not cut into letters
    assert any(t in (f"{now:%H:%M}", f"{now - timedelta(minutes=1):%H:%M}") for t in times)
    _looked_at(admin, tmp_path, "times-admin-list", size)


@pytest.mark.parametrize("size", SCREENS)
def test_a_blocked_contacts_text_shows_as_blocked_and_an_admin_unblocks(
    chromium: Any, live_relay: LiveRelay, tiny_models: TinyModels, size: Screen,
    tmp_path: Path,
) -> None:  # fmt: skip
    cid, _ = _text(live_relay, tiny_models.phrase("thanks")["vi"])
    agent = _staff(chromium, live_relay, "kim", size)
    agent.locator("#waiting button", has_text="맡기").first.click()
    agent.wait_for_url("**/agent/conversations/*")
    agent.on("dialog", lambda dialog: dialog.accept())
    agent.click("details.danger-zone summary")
    agent.click("#abuse")
    agent.wait_for_selector(".flash.ok")
    _, held = _text(live_relay, tiny_models.phrase("wallet")["vi"])
    agent.reload()
    row = agent.locator(f"#message-{held}")
    assert "차단된 번호 (번역 안 함)" in row.inner_text()
    assert row.get_by_role("button", name="그래도 번역").is_visible()
    assert row.get_by_role("button", name="다시 번역").count() == 0
    assert "실패" not in row.inner_text()
    _looked_at(agent, tmp_path, "blocked-agent", size)

    admin = _staff(chromium, live_relay, "chief", size, "admin")
    admin.goto(f"{live_relay.url}/agent/conversations/{cid}")
    unblock = admin.locator(".thread-head").get_by_role("button", name="차단 해제")
    assert unblock.is_visible()
    _looked_at(admin, tmp_path, "blocked-admin", size)
    unblock.click()
    admin.wait_for_selector(".flash")
    assert admin.get_by_role("button", name="차단 해제").count() == 0
    with services(live_relay.app).sessions() as session:
        contact = session.scalars(select(Contact).where(Contact.phone == RESIDENT)).one()
        assert contact.blocked_until is None


@pytest.mark.parametrize("size", SCREENS)
def test_a_phrasebook_answer_is_previewed_like_a_typed_reply_and_names_its_sender(
    chromium: Any, live_relay: LiveRelay, tiny_models: TinyModels, size: Screen,
    tmp_path: Path,
) -> None:  # fmt: skip
    _text(live_relay, tiny_models.phrase("wallet")["en"])
    agent = _staff(chromium, live_relay, "kim", size)
    agent.locator("#waiting button", has_text="맡기").first.click()
    agent.wait_for_url("**/agent/conversations/*")
    sms_line = re.compile(r"^보내는 방법: 문자 · SMS \d+건 · \S+")
    agent.fill("#reply-text", tiny_models.phrase("received")["ko"])
    agent.wait_for_function("document.getElementById('preview-sms').textContent.includes('SMS')")
    assert sms_line.match(agent.inner_text("#preview-sms"))

    agent.fill("#phrasebook-q", "인사")
    agent.locator("button.phrase").first.click()
    agent.wait_for_function(
        "document.getElementById('preview-source').textContent.includes('상용구')"
        " && document.getElementById('preview-sms').textContent.includes('SMS')"
    )
    assert sms_line.match(agent.inner_text("#preview-sms"))
    assert agent.locator("#preview-sms").is_visible()
    _looked_at(agent, tmp_path, "phrasebook-preview", size)
    agent.click("#send")
    sent = agent.locator(".message.outbound", has_text="상용구").first
    sent.wait_for()
    assert "· kim" in sent.locator(".by").inner_text()
    assert re.search(r"SMS \d+건", sent.inner_text())
    _looked_at(agent, tmp_path, "phrasebook-sent", size)


@pytest.mark.parametrize("size", SCREENS)
def test_the_claim_race_loser_lands_on_a_page_safe_to_reload(
    chromium: Any, live_relay: LiveRelay, tiny_models: TinyModels, size: Screen,
    tmp_path: Path,
) -> None:  # fmt: skip
    _text(live_relay, tiny_models.phrase("thanks")["en"])
    kim, lee = (_staff(chromium, live_relay, name, size) for name in ("kim", "lee"))
    submit = "document.querySelector('#waiting form.claim').requestSubmit()"
    kim.evaluate(submit)
    lee.evaluate(submit)  # both lists offered it: one of them loses the race
    for page in (kim, lee):
        page.wait_for_function(
            "document.querySelector('#reply') || document.querySelector('.flash.error')"
        )
    loser, winner = (lee, "kim") if kim.locator("#reply").count() else (kim, "lee")
    assert loser.url == f"{live_relay.url}/agent/"
    notice = loser.locator(".flash.error")
    assert notice.is_visible() and f"이미 {winner} 상담원이 맡았습니다" in notice.inner_text()
    _looked_at(loser, tmp_path, "claim-lost", size)
    posts: list[str] = []
    loser.on(
        "request", lambda request: posts.append(request.url) if request.method == "POST" else None
    )
    loser.reload()
    live(loser)
    assert posts == [] and loser.url == f"{live_relay.url}/agent/"


@pytest.mark.parametrize("size", SCREENS)
def test_writing_again_keeps_a_residents_place_and_wait(
    chromium: Any, live_relay: LiveRelay, tiny_models: TinyModels, size: Screen,
    tmp_path: Path,
) -> None:  # fmt: skip
    first, _ = _text(live_relay, tiny_models.phrase("arc")["en"])
    _back_in_time(live_relay, first, utcnow() - timedelta(minutes=10))
    second, _ = _text(live_relay, tiny_models.phrase("fine")["en"], OTHER)
    _back_in_time(live_relay, second, utcnow() - timedelta(minutes=5))
    agent = _staff(chromium, live_relay, "kim", size)
    live(agent)
    _text(live_relay, tiny_models.phrase("hours")["en"])  # the first resident again
    agent.wait_for_timeout(800)  # the live feed redraws the list
    rows = agent.locator("#waiting li.row")
    order = [rows.nth(n).get_attribute("data-conversation") for n in range(rows.count())]
    assert order == [str(first), str(second)]
    assert _minutes(rows.first.locator(".waited").inner_text()) in (10, 11)
    assert _minutes(rows.nth(1).locator(".waited").inner_text()) in (5, 6)
    assert rows.first.locator(".waited").is_visible()
    _looked_at(agent, tmp_path, "queue-order", size)


SECRETS = ("900101-5123456", "010-9876-5432", "9876-5432")


@pytest.mark.parametrize("size", SCREENS)
def test_numbers_are_masked_until_an_admin_reveals_one_message_on_the_record(
    chromium: Any, live_relay: LiveRelay, tiny_models: TinyModels, size: Screen,
    tmp_path: Path,
) -> None:  # fmt: skip
    text = "My registration number is 900101-5123456, call me at 010-9876-5432."
    cid, mid = _text(live_relay, text)
    agent = _staff(chromium, live_relay, "kim", size)
    queue = agent.inner_text("#waiting")
    agent.goto(f"{live_relay.url}/agent/conversations/{cid}")
    thread = agent.inner_text("main")
    for secret in (*SECRETS, RESIDENT, RESIDENT[3:]):
        assert secret not in queue and secret not in thread, secret
    assert "***-****-5432" in queue and "******-*******" in thread and "3001" in thread
    assert agent.locator(f"#message-{mid} .badge.private").is_visible()
    _looked_at(agent, tmp_path, "masked-thread", size)

    admin = _staff(chromium, live_relay, "chief", size, "admin")
    admin.goto(f"{live_relay.url}/agent/conversations/{cid}")
    admin.locator(f"#message-{mid}").get_by_role("button", name="개인정보 보기").click()
    admin.wait_for_selector(f"#message-{mid} .badge.revealed")
    assert "900101-5123456" in admin.inner_text(f"#message-{mid}")
    _looked_at(admin, tmp_path, "revealed-thread", size)
    admin.goto(f"{live_relay.url}/admin/conversations/{cid}/audit")
    trail = admin.inner_text("main")
    assert "가려진 개인정보 보기" in trail and "chief" in trail
    assert not any(secret in trail for secret in SECRETS)
    _looked_at(admin, tmp_path, "reveal-audit", size)
    with services(live_relay.app).sessions() as session:
        kinds = session.scalars(select(Event.kind).where(Event.message_id == mid)).all()
        assert EventKind.PERSONAL_DATA_REVEALED.value in kinds
