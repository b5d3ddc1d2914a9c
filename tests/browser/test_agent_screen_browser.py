"""The agent's screen through a working day, in Chromium at 1366x768 and 390x844: drafts that
survive leaving a thread, a lost live feed said plainly, new-contact alerts and unread markers,
the layout of the thread and the queue, and the keyboard help."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from relay.services import services
from tests.browser.conftest import (
    PASSWORD,
    LiveRelay,
    claim_for,
    live,
    resident_texts,
    running_relay,
    sign_in,
)
from tests.browser.screens import LAPTOP, PHONE, SCREENS, Screen, fits_the_screen, screenshot
from tests.support.modelkit import TinyModels
from tests.support.voice_seed import seed_voice_message, seg

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WIDE = {"width": 1920, "height": 1080}

# Records what the page asks of the notification and audio APIs, which headless Chromium has
# but cannot show or play; the page's own code is what is exercised.
RECORDER = """
window.asked = 0; window.notes = []; window.tones = 0;
const RealNotification = window.Notification;
class Recorded extends RealNotification {
  constructor(title, options) { super(title, options); window.notes.push(title); }
}
Object.defineProperty(Recorded, 'permission', { get: () => RealNotification.permission });
Recorded.requestPermission = () => { window.asked++; return RealNotification.requestPermission(); };
window.Notification = Recorded;
const RealOscillator = window.AudioContext.prototype.createOscillator;
window.AudioContext.prototype.createOscillator = function () {
  window.tones++; return RealOscillator.call(this);
};
"""


@pytest.mark.parametrize("screen", SCREENS)
def test_a_draft_and_its_edited_translation_survive_leaving_the_thread(
    chromium: Any, live_relay: LiveRelay, tiny_models: TinyModels, tmp_path: Path, screen: Screen
) -> None:
    received = tiny_models.phrase("received")
    cid, _ = seed_voice_message(services(live_relay.app).sessions, [seg(0, 1, "Hi", "안녕")])
    agent = sign_in(chromium, live_relay, live_relay.user("kim"), screen=screen)
    claim_for(live_relay, cid, "kim")
    thread = f"{live_relay.url}/agent/conversations/{cid}"
    agent.goto(thread)
    agent.fill("#reply-text", received["ko"])
    agent.wait_for_function(
        "document.getElementById('reply-translated').value === " + repr(received["en"])
    )
    agent.fill("#reply-translated", received["en"] + " (edited)")
    agent.goto(f"{live_relay.url}/agent/")
    agent.goto(thread)

    assert agent.input_value("#reply-text") == received["ko"]
    assert agent.input_value("#reply-translated") == received["en"] + " (edited)"
    assert agent.locator("#draft-restored").is_visible()
    agent.wait_for_timeout(800)  # the restored edit is previewed as written, not overwritten
    assert agent.input_value("#reply-translated") == received["en"] + " (edited)"
    fits_the_screen(agent, screen["width"])
    screenshot(agent, f"draft-{screen['width']}.png", tmp_path)

    agent.click("#send")
    agent.locator(".message.outbound", has_text="(edited)").wait_for()
    assert agent.evaluate(f"localStorage.getItem('relay:draft:{cid}')") is None
    agent.reload()
    assert agent.input_value("#reply-text") == ""

    # Signing out leaves nothing a resident said for the next person at this desk.
    agent.fill("#reply-text", received["ko"])
    assert agent.evaluate(f"localStorage.getItem('relay:draft:{cid}')") is not None
    agent.click("header.top button:has-text('로그아웃')")
    agent.wait_for_url("**/login**")
    assert (
        agent.evaluate("Object.keys(localStorage).filter(k => k.startsWith('relay:draft:'))") == []
    )


@pytest.mark.parametrize("screen", SCREENS)
def test_a_lost_live_feed_shows_a_banner_greys_the_queue_and_refreshes_on_return(
    chromium: Any, app_factory: Any, tiny_models: TinyModels, tmp_path: Path, screen: Screen
) -> None:
    with running_relay(app_factory, AGENT_SSE_MAX_STREAMS=1) as relay:
        kim = sign_in(chromium, relay, relay.user("kim"))
        live(kim)
        lee = sign_in(chromium, relay, relay.user("lee"), screen=screen)  # refused: 503
        banner = lee.locator("#connection")
        banner.wait_for(state="visible", timeout=5000)
        assert "실시간 연결이 끊어졌습니다" in banner.inner_text()
        assert "다시 연결하는 중" in banner.inner_text()
        assert "stale" in (lee.get_attribute("#queue", "class") or "")
        fits_the_screen(lee, screen["width"])
        screenshot(lee, f"connection-lost-{screen['width']}.png", tmp_path)

        resident_texts(chromium, relay, tiny_models.phrase("thanks")["en"])
        kim.locator("#waiting li.row").first.wait_for(timeout=15000)  # a translation away
        assert lee.locator("#waiting li.row").count() == 0  # lee's list is stale, and says so
        kim.context.close()  # frees the one feed; lee's view tries again within 15-30 s
        lee.locator("#waiting li.row").first.wait_for(timeout=60000)
        lee.wait_for_function("!document.getElementById('queue').classList.contains('stale')")
        assert "다시 되었습니다" in banner.inner_text()


def test_new_contacts_alert_by_notification_sound_and_title_and_own_threads_show_unread(
    chromium: Any, live_relay: LiveRelay, tiny_models: TinyModels, tmp_path: Path
) -> None:
    live_relay.user("kim")
    context = chromium.new_context(locale="ko-KR", viewport=LAPTOP, bypass_csp=True)
    context.add_init_script(RECORDER)
    agent = context.new_page()
    agent.goto(f"{live_relay.url}/login")
    agent.fill('input[name="username"]', "kim")
    agent.fill('input[name="password"]', PASSWORD)
    agent.click('button[type="submit"]')
    agent.wait_for_url(f"{live_relay.url}/agent/")
    live(agent)
    assert agent.evaluate("window.asked") == 0  # never asked on load
    agent.click("#alerts-desktop")
    agent.wait_for_function("window.asked === 1")
    context.grant_permissions(["notifications"], origin=live_relay.url)
    assert not agent.is_checked("#alerts-sound")  # off by default
    agent.check("#alerts-sound")
    agent.reload()
    live(agent)
    assert agent.is_checked("#alerts-sound")  # remembered
    assert agent.inner_text("#alerts-desktop") == "데스크톱 알림 켜짐"
    tones = agent.evaluate("window.tones")

    resident_texts(chromium, live_relay, tiny_models.phrase("thanks")["en"])
    agent.locator("#waiting li.row").first.wait_for(timeout=3000)
    agent.wait_for_function("window.notes.length === 1")
    assert agent.evaluate("window.notes") == ["새 문의"]
    assert agent.evaluate("window.tones") > tones
    assert agent.title().startswith("(1) ")

    agent.locator("#waiting button", has_text="맡기").first.click()
    agent.wait_for_url("**/agent/conversations/*")
    agent.goto(f"{live_relay.url}/agent/")
    own = agent.locator(".queue.mine li.row").first
    assert not own.locator(".unread-mark").is_visible()  # seen when the thread was open
    resident_texts(chromium, live_relay, tiny_models.phrase("wallet")["en"])
    own.locator(".unread-mark").wait_for(state="visible", timeout=3000)
    assert agent.title().startswith("(1) ")  # the unread own thread counts, nobody waits
    screenshot(agent, "unread-1366.png", tmp_path)
    own.locator("a.preview").click()
    agent.wait_for_url("**/agent/conversations/*")
    # In a thread, a new contact is announced too, from the live feed.
    live(agent)
    resident_texts(chromium, live_relay, tiny_models.phrase("hours")["en"], "+821077770001")
    agent.wait_for_function("window.notes.length === 1")  # counted afresh on each page
    assert agent.title().startswith("(1) ")
    agent.go_back()
    agent.reload()
    assert not agent.locator(".queue.mine .unread-mark").first.is_visible()
    context.close()


def test_the_thread_keeps_everyday_actions_in_sight_and_the_abuse_warning_deliberate(
    chromium: Any, live_relay: LiveRelay, tmp_path: Path
) -> None:
    cid, _ = seed_voice_message(services(live_relay.app).sessions, [seg(0, 1, "Hi", "안녕")])
    agent = sign_in(chromium, live_relay, live_relay.user("kim"), screen=LAPTOP)
    live_relay.user("lee")
    claim_for(live_relay, cid, "kim")
    agent.goto(f"{live_relay.url}/agent/conversations/{cid}")
    for name in ("상담 종료", "이관"):
        button = agent.get_by_role("button", name=name, exact=True)
        box = button.bounding_box()
        assert box is not None and box["y"] + box["height"] <= LAPTOP["height"], name
    assert not agent.locator("#abuse").is_visible()
    screenshot(agent, "thread-1366.png", tmp_path)

    agent.set_viewport_size(PHONE)
    fits_the_screen(agent, PHONE["width"])
    screenshot(agent, "thread-390.png", tmp_path)
    agent.set_viewport_size(WIDE)
    log = agent.locator("#log").bounding_box()
    assert log is not None and log["width"] >= 1200  # the wide screen goes to the conversation


def test_the_header_fits_a_phone_for_agents_and_admins(
    chromium: Any, live_relay: LiveRelay, tmp_path: Path
) -> None:
    for name, role in (("kim", "agent"), ("chief", "admin")):
        page = sign_in(chromium, live_relay, live_relay.user(name, role), screen=PHONE)
        fits_the_screen(page, PHONE["width"])
        header = page.locator("header.top").bounding_box()
        assert header is not None and header["width"] <= PHONE["width"]
        screenshot(page, f"queue-390-{role}.png", tmp_path)
        page.context.close()


def test_a_laptop_shows_at_least_twelve_waiting_rows(
    chromium: Any, live_relay: LiveRelay, tmp_path: Path
) -> None:
    sessions = services(live_relay.app).sessions
    for n in range(16):
        seed_voice_message(sessions, [seg(0, 1, "Help", "도와주세요")], phone=f"+8210333{n:05d}")
    held, _ = seed_voice_message(sessions, [seg(0, 1, "Mine", "제 것")], phone="+821099990001")
    agent = sign_in(chromium, live_relay, live_relay.user("kim"), screen=LAPTOP)
    claim_for(live_relay, held, "kim")
    agent.reload()
    bottoms = agent.eval_on_selector_all(
        "#waiting li.row", "rows => rows.map(r => r.getBoundingClientRect().bottom)"
    )
    assert sum(1 for b in bottoms if b <= LAPTOP["height"]) >= 12, bottoms
    screenshot(agent, "queue-1366.png", tmp_path)
    # A 1920 screen puts the agent's own threads beside the waiting ones, across its width.
    agent.set_viewport_size(WIDE)
    mine = agent.locator(".queue.mine").bounding_box()
    waiting = agent.locator("#waiting").bounding_box()
    assert mine is not None and waiting is not None
    assert mine["x"] + mine["width"] <= waiting["x"]
    assert waiting["x"] + waiting["width"] >= WIDE["width"] - 80
    screenshot(agent, "queue-1920.png", tmp_path)


def test_question_mark_opens_the_shortcut_help_and_arrows_walk_the_phrasebook(
    chromium: Any, live_relay: LiveRelay, tiny_models: TinyModels, tmp_path: Path
) -> None:
    cid, _ = seed_voice_message(services(live_relay.app).sessions, [seg(0, 1, "Hi", "안녕")])
    agent = sign_in(chromium, live_relay, live_relay.user("kim"), screen=LAPTOP)
    claim_for(live_relay, cid, "kim")
    agent.goto(f"{live_relay.url}/agent/conversations/{cid}")
    agent.locator("#reply-text").blur()
    agent.keyboard.press("?")
    help_box = agent.locator("#shortcuts")
    help_box.wait_for(state="visible")
    assert "상용구 검색 결과 사이 이동" in help_box.inner_text()
    screenshot(agent, "shortcuts-1366.png", tmp_path)
    agent.keyboard.press("Escape")
    help_box.wait_for(state="hidden")

    agent.fill("#phrasebook-q", "인사")
    agent.locator("button.phrase").first.wait_for()
    agent.focus("#phrasebook-q")
    agent.keyboard.press("ArrowDown")
    assert agent.evaluate("document.activeElement.classList.contains('phrase')")
    agent.keyboard.press("ArrowUp")
    assert agent.evaluate("document.activeElement.id") == "phrasebook-q"
    agent.keyboard.press("ArrowDown")
    agent.keyboard.press("Enter")
    assert agent.input_value("#reply-translated").startswith("Hello, this is the 120 call centre")


def test_the_help_fits_a_phone(chromium: Any, live_relay: LiveRelay, tmp_path: Path) -> None:
    page = sign_in(chromium, live_relay, live_relay.user("kim"), screen=PHONE)
    page.click("#shortcuts-open")
    box = page.locator("#shortcuts").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    screenshot(page, "shortcuts-390.png", tmp_path)
