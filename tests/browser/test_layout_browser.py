"""The agent pages on a 1366x768 laptop screen, with the text residents really send: a long
unbroken string, many segments, a long thread. Nothing may widen the page or hide the work."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from relay.services import services
from tests.browser.conftest import LiveRelay, claim_for, sign_in
from tests.browser.screens import LAPTOP, fits_the_screen
from tests.support.voice_seed import seed_voice_message, seg
from transcripts.models import (
    Author,
    Channel,
    Conversation,
    Direction,
    Message,
    MessageStatus,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
UNBROKEN = "Tôi" * 400  # a resident's text with no place to break a line


def test_queue_keeps_claim_buttons_whole_and_own_conversations_in_sight(
    chromium: Any, live_relay: LiveRelay
) -> None:
    sessions = services(live_relay.app).sessions
    seed_voice_message(sessions, [seg(0.0, 2.0, "Hello.", "안녕하세요.")], phone="+821011112222")
    seed_voice_message(sessions, [seg(0.0, 2.0, UNBROKEN, "가" * 600)], phone="+821011113333")
    for n in range(12):
        seed_voice_message(
            sessions, [seg(0.0, 2.0, "Help", "도와주세요")], phone=f"+8210222{n:05d}"
        )
    held, _ = seed_voice_message(sessions, [seg(0.0, 1.0, "Mine", "제 것")], phone="+821099990000")
    agent = sign_in(chromium, live_relay, live_relay.user("kim"), screen=LAPTOP)
    claim_for(live_relay, held, "kim")
    agent.reload()

    fits_the_screen(agent, LAPTOP["width"])
    heights = agent.eval_on_selector_all(
        "#waiting li.row button", "bs => bs.map(b => b.getBoundingClientRect().height)"
    )
    assert max(heights) == min(heights), heights  # no "맡기" squeezed onto two lines
    mine = agent.locator(".queue.mine li.row", has_text="제 것")
    assert mine.is_visible()
    assert mine.bounding_box()["y"] + mine.bounding_box()["height"] <= LAPTOP["height"]


def test_a_segment_with_an_unbroken_string_stays_inside_the_thread(
    chromium: Any, live_relay: LiveRelay
) -> None:
    segments = [seg(2.0 * n, 2.0 * n + 2, "Xin chào.", "안녕하세요.") for n in range(20)]
    segments[3] = seg(6.0, 8.0, UNBROKEN, "외국인등록증")
    cid, _ = seed_voice_message(services(live_relay.app).sessions, segments)
    agent = sign_in(chromium, live_relay, live_relay.user("chief", "admin"), screen=LAPTOP)
    agent.goto(f"{live_relay.url}/agent/conversations/{cid}")

    fits_the_screen(agent, LAPTOP["width"])
    log = agent.evaluate(
        "(() => { const l = document.getElementById('log');"
        " return [l.scrollWidth, l.clientWidth]; })()"
    )
    assert log[0] <= log[1], log
    korean = agent.locator("button.segment").nth(3).locator(".seg-ko")
    box, log_box = korean.bounding_box(), agent.locator("#log").bounding_box()
    assert box["x"] + box["width"] <= log_box["x"] + log_box["width"]  # its Korean is in view


def test_a_long_thread_opens_at_the_newest_message_and_keeps_the_reader_s_place(
    chromium: Any, live_relay: LiveRelay
) -> None:
    sessions = services(live_relay.app).sessions
    cid, _ = seed_voice_message(sessions, [seg(0.0, 2.0, "Hello " * 300, "안녕하세요 " * 300)])
    with sessions() as session, session.begin():
        for n in range(12):
            session.add(
                Message(
                    conversation_id=cid,
                    direction=Direction.INBOUND,
                    channel=Channel.SMS,
                    author=Author.RESIDENT,
                    original_text=f"message {n} " * 40,
                    original_language="en",
                    translated_text=f"메시지 {n} " * 40,
                    status=MessageStatus.TRANSLATED,
                )
            )
    agent = sign_in(chromium, live_relay, live_relay.user("kim"), screen=LAPTOP)
    claim_for(live_relay, cid, "kim")
    agent.goto(f"{live_relay.url}/agent/conversations/{cid}")

    def newest_in_view() -> bool:
        return bool(
            agent.evaluate(
                "(() => { const l = document.getElementById('log').getBoundingClientRect();"
                " const m = [...document.querySelectorAll('#messages .message')].pop()"
                ".getBoundingClientRect(); return m.bottom <= l.bottom + 1 && m.top >= l.top; })()"
            )
        )

    assert newest_in_view()
    assert agent.locator("#reply-text").is_visible()
    agent.evaluate("document.getElementById('log').scrollTop = 0")  # reading back: stays there
    agent.evaluate("document.body.dispatchEvent(new CustomEvent('relay:thread'))")
    agent.wait_for_timeout(600)
    assert agent.evaluate("document.getElementById('log').scrollTop") == 0
    # The agent's own reply (the reply box announces it as sent) brings the log back down.
    agent.evaluate(
        "document.body.dispatchEvent(new CustomEvent('relay:thread', {detail: {sent: true}}))"
    )
    agent.wait_for_timeout(600)
    assert newest_in_view()


def test_waiting_times_turn_amber_then_red_past_the_reply_target(
    chromium: Any, live_relay: LiveRelay
) -> None:
    from datetime import timedelta

    from transcripts.db import utcnow

    sessions = services(live_relay.app).sessions
    waits = {"+821055500001": 60, "+821055500002": 6 * 60, "+821055500003": 20 * 60}
    for phone, seconds in waits.items():
        cid, _ = seed_voice_message(sessions, [seg(0.0, 1.0, "Help", "도와주세요")], phone=phone)
        with sessions() as session, session.begin():
            session.execute(
                update(Conversation)
                .where(Conversation.id == cid)
                .values(last_message_at=utcnow() - timedelta(seconds=seconds))
            )
    page = sign_in(chromium, live_relay, live_relay.user("kim"), screen=LAPTOP)
    page.wait_for_function("document.querySelector('#waiting .waited').textContent !== '—'")
    classes = page.eval_on_selector_all("#waiting .waited", "els => els.map(e => e.className)")
    assert classes == ["waited overdue", "waited long", "waited"]  # longest waiting first
