"""The agent relay view in a real browser: live arrival, claiming, replying, buttons, reconnects."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import LiveRelay, live, resident_texts, running_relay, sign_in
from tests.browser.screens import doc_screenshot, doc_screenshots_wanted
from tests.support.modelkit import TinyModels

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_sms_arrives_live_is_claimed_answered_and_held_in_the_outbox(
    chromium: Any, live_relay: LiveRelay, tiny_models: TinyModels
) -> None:
    wallet, received = tiny_models.phrase("wallet"), tiny_models.phrase("received")
    agent = sign_in(chromium, live_relay, live_relay.user("kim"))
    live(agent)
    resident = resident_texts(chromium, live_relay, wallet["en"])
    row = agent.locator("#waiting li.row", has_text=wallet["ko"])
    row.wait_for(timeout=3000)  # no reload: the live feed brought it, in Korean
    assert "English" in row.inner_text()
    if doc_screenshots_wanted():  # a fuller queue for the README's picture
        for n, (key, language) in enumerate([("arc", "vi"), ("hours", "zh"), ("thanks", "mn")]):
            text = tiny_models.phrase(key)[language]
            resident_texts(chromium, live_relay, text, f"+8210777700{n}")
        agent.locator("#waiting li.row", has_text=tiny_models.phrase("thanks")["ko"]).wait_for()
    doc_screenshot(agent, "agent-queue.png")

    row.locator("button", has_text="맡기").click()
    agent.wait_for_url("**/agent/conversations/*")
    assert wallet["ko"] in agent.locator("#messages").inner_text()
    agent.fill("#reply-text", received["ko"])
    agent.wait_for_function(
        "document.getElementById('reply-translated').value === " + repr(received["en"])
    )
    agent.wait_for_function(
        "document.getElementById('preview-back').textContent === " + repr(received["ko"])
    )
    assert "SMS 1건" in agent.locator("#preview-sms").inner_text()
    agent.click("#send")
    agent.locator(".message.outbound", has_text=received["en"]).wait_for()
    # This relay holds replies in the outbox: the thread says so, never "delivered".
    held = agent.locator(".message.outbound .status.held").first
    held.wait_for()
    assert held.inner_text() == "보관됨 (발송 안 함)"

    agent.fill("#phrasebook-q", "인사")
    agent.locator("button.phrase").first.wait_for()
    agent.locator("button.phrase").first.click()
    assert agent.input_value("#reply-translated").startswith("Hello, this is the 120 call centre")
    agent.keyboard.press("Control+Enter")
    agent.locator(".message.outbound", has_text="상용구").wait_for()
    doc_screenshot(agent, "agent-thread.png")

    resident.reload()
    thread = resident.locator(".sms-thread").inner_text()
    assert received["en"] in thread
    assert "Hello, this is the 120 call centre" in thread


def test_two_agents_racing_to_claim(
    chromium: Any, live_relay: LiveRelay, tiny_models: TinyModels
) -> None:
    kim = sign_in(chromium, live_relay, live_relay.user("kim"))
    lee = sign_in(chromium, live_relay, live_relay.user("lee"))
    live(kim)
    live(lee)
    resident_texts(chromium, live_relay, tiny_models.phrase("thanks")["en"])
    for page in (kim, lee):
        page.locator("#waiting li.row").first.wait_for(timeout=2000)
    submit = "document.querySelector('#waiting form.claim').requestSubmit()"
    kim.evaluate(submit)
    lee.evaluate(submit)
    kim.wait_for_load_state()
    lee.wait_for_load_state()
    for page in (kim, lee):
        page.wait_for_function(
            "document.querySelector('#reply') !== null || "
            "document.body.innerText.includes('상담원이 맡았습니다')"
        )
    winners = [p for p in (kim, lee) if p.locator("#reply").count() == 1]
    losers = [p for p in (kim, lee) if p.locator("#reply").count() == 0]
    assert len(winners) == 1 and len(losers) == 1
    winner = "kim" if winners[0] is kim else "lee"
    assert f"{winner} 상담원이 맡았습니다" in losers[0].inner_text("main")
    assert losers[0].url.endswith("/agent/")  # a GET page: reloading it re-posts nothing


def test_abuse_button_warns_and_blocks(
    chromium: Any, live_relay: LiveRelay, tiny_models: TinyModels
) -> None:
    agent = sign_in(chromium, live_relay, live_relay.user("kim"))
    live(agent)
    resident = resident_texts(chromium, live_relay, tiny_models.phrase("thanks")["en"])
    agent.locator("#waiting button", has_text="맡기").first.click()
    agent.wait_for_url("**/agent/conversations/*")
    agent.on("dialog", lambda dialog: dialog.accept())
    assert not agent.locator("#abuse").is_visible()  # deliberate: behind one more click
    agent.click("details.danger-zone summary")
    agent.click("#abuse")
    agent.wait_for_selector(".flash.ok")
    assert "경고문을 보내고" in agent.inner_text(".flash.ok")
    assert "차단" in agent.inner_text(".thread-head")
    agent.locator(".message.outbound", has_text="센터 안내문").wait_for()
    resident.reload()
    assert "punishable by law" in resident.inner_text(".sms-thread")


def test_a_dropped_live_feed_resumes_without_losing_events(
    chromium: Any, live_relay: LiveRelay, tiny_models: TinyModels
) -> None:
    agent = sign_in(chromium, live_relay, live_relay.user("kim"))
    live(agent)
    agent.evaluate(
        "window.seen = []; window.opens = 0;"
        "window.relayLive.addEventListener('relay', e => window.seen.push(Number(e.lastEventId)));"
        "window.relayLive.addEventListener('open', () => window.opens++);"
    )
    resident_texts(chromium, live_relay, tiny_models.phrase("thanks")["en"], "+821011110001")
    # The server ends each stream after AGENT_SSE_MAX_SECONDS (3 s here); wait for a reconnect.
    agent.wait_for_function("window.opens >= 1", timeout=8000)
    resident_texts(chromium, live_relay, tiny_models.phrase("wallet")["en"], "+821011110002")
    agent.locator("#waiting li.row").nth(1).wait_for(timeout=3000)
    seen = agent.evaluate("window.seen")
    assert seen == sorted(set(seen)), seen  # in order, none twice
    with live_relay.app.app_context():
        from relay.services import services
        from transcripts.repository import events_after

        with services().sessions() as session:
            expected = [e.id for e in events_after(session, min(seen) - 1)]
    assert seen == expected  # none missed across the reconnect


def test_a_live_refresh_keeps_the_keyboard_focus_on_its_conversation(
    chromium: Any, live_relay: LiveRelay, tiny_models: TinyModels
) -> None:
    agent = sign_in(chromium, live_relay, live_relay.user("kim"))
    live(agent)
    resident_texts(chromium, live_relay, tiny_models.phrase("thanks")["en"], "+821044440001")
    first = agent.locator("#waiting li.row").first
    first.wait_for(timeout=3000)
    conversation = first.get_attribute("data-conversation")
    first.locator("button").focus()
    resident_texts(chromium, live_relay, tiny_models.phrase("wallet")["en"], "+821044440002")
    agent.locator("#waiting li.row").nth(1).wait_for(timeout=3000)  # the list was redrawn
    agent.wait_for_timeout(300)  # let htmx settle
    focused = agent.evaluate(
        "document.activeElement.closest('li[data-conversation]')"
        "?.getAttribute('data-conversation') ?? null"
    )
    assert focused == conversation
    assert agent.evaluate("document.activeElement.tagName") == "BUTTON"
    assert agent.locator("h1").count() == 1  # one h1, ahead of the lists' h2s


def test_a_refused_live_feed_says_it_is_reconnecting_and_connects_when_a_slot_frees(
    chromium: Any, app_factory: Any
) -> None:
    with running_relay(app_factory, AGENT_SSE_MAX_STREAMS=1) as relay:
        kim = sign_in(chromium, relay, relay.user("kim"))
        live(kim)
        lee = sign_in(chromium, relay, relay.user("lee"))  # the one feed is taken: 503
        lee.wait_for_function("document.getElementById('live').className === 'live off'")
        assert "다시 연결하는 중" in lee.inner_text("#live")
        kim.context.close()  # kim's feed ends within AGENT_SSE_MAX_SECONDS and frees the slot
        # lee's view tries again after about 10 s (then 20 s), with jitter.
        lee.wait_for_function(
            "document.getElementById('live').className === 'live on'", timeout=60000
        )
        assert lee.inner_text("#live") == "●"
