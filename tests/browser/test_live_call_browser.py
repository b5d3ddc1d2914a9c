"""A live call watched in real browsers: the resident simulator places it (Twilio's webhooks,
then espeak-ng speech streamed over the app's own websocket in real time), the agent claims it
and reads Korean captions arrive in the thread without a reload, replies, and the simulator
shows the TwiML that speaks the reply in the caller's language."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from relay.services import services
from tests.browser.conftest import LiveRelay, running_relay, sign_in
from transcripts.models import Message, MessageStatus

pytestmark = [pytest.mark.browser, pytest.mark.slow]
FIRST = "Hello, I would like to ask about my garbage collection schedule."
SECOND = "The truck did not come on Tuesday."


@pytest.fixture
def live_call_relay(app_factory: Any, whisper_base_dir: Path) -> Iterator[LiveRelay]:
    with running_relay(
        app_factory, VOICE_LIVE=True, WHISPER_MODEL=str(whisper_base_dir), DEV_PAGES=True
    ) as relay:
        yield relay


def korean_captions(relay: LiveRelay) -> list[str]:
    with services(relay.app).sessions() as session:
        found = session.scalars(
            select(Message.translated_text).where(Message.status == MessageStatus.TRANSLATED)
        )
        return [text for text in found if text]


def test_a_simulated_live_call_is_captioned_answered_and_the_reply_spoken(
    chromium: Any, live_call_relay: LiveRelay
) -> None:
    relay = live_call_relay
    agent = sign_in(chromium, relay, relay.user("kim"))
    agent.wait_for_function("document.getElementById('live').className === 'live on'")

    caller = sign_in(chromium, relay, relay.developer())
    caller.goto(f"{relay.url}/dev/simulator")
    caller.select_option("form.live-call select[name=language]", "en")
    caller.fill("form.live-call textarea[name=say]", f"{FIRST}\n{SECOND}")
    caller.click("form.live-call button[type=submit]")
    caller.wait_for_url("**/dev/simulator/live/*")
    caller.locator("li", has_text="미디어 스트림 연결").wait_for(timeout=20_000)

    row = agent.locator("#waiting li.row").first
    row.wait_for(timeout=20_000)  # the live call arrived without a reload
    row.locator("button", has_text="맡기").click()
    agent.wait_for_url("**/agent/conversations/*")
    # The captions come while the thread is open: the second sentence is still being spoken
    # when the agent claims, so it can only appear through the live feed.
    tuesday = agent.locator(".message.inbound", has_text="Tuesday")
    tuesday.wait_for(timeout=60_000)
    korean = korean_captions(relay)
    assert korean and all(k in agent.locator("#messages").inner_text() for k in korean)

    agent.fill("#reply-text", "안녕하세요")
    agent.wait_for_function("document.getElementById('reply-translated').value !== ''")
    agent.click("#send")
    agent.locator(".message.outbound").first.wait_for()

    spoken = caller.locator("pre.twiml", has_text="mute_seconds")
    spoken.wait_for(timeout=30_000)
    twiml = spoken.inner_text()
    assert '<Say language="en-US"' in twiml and "<Start><Stream" in twiml
    caller.click("text=전화 끊기")
    caller.locator("#call-state", has_text="끝남").wait_for(timeout=20_000)
