"""The resident web chat in Chromium at a phone's size (390x844): a Vietnamese resident and an
agent talk, and the reply appears on the open page with every diacritic, without a reload;
an SMS resident's reply link opens the same conversation and they answer there; and every
chat page reflows at 200% zoom in each language (no sideways scroll, nothing cut off)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from relay.services import services
from tests.browser.conftest import LiveRelay, agent_replies, live, resident_texts, sign_in
from tests.browser.screens import PHONE, ZOOMED_PHONE, fits_the_screen, on_a_phone, reflows
from tests.support.modelkit import TinyModels
from transcripts.models import Channel, Direction, Message

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_vietnamese_resident_chats_with_an_agent_on_a_phone(
    chromium: Any, live_relay: LiveRelay, tiny_models: TinyModels
) -> None:
    wallet, received = tiny_models.phrase("wallet"), tiny_models.phrase("received")
    agent = sign_in(chromium, live_relay, live_relay.user("kim"))
    live(agent)
    resident = on_a_phone(chromium, "vi-VN")
    resident.goto(f"{live_relay.url}/chat")
    assert resident.get_attribute("html", "lang") == "vi"  # guessed from the phone's language
    assert "112" in resident.inner_text(".emergency")
    resident.fill("#text", wallet["vi"])
    resident.click("form.start button[type=submit]")
    resident.wait_for_url("**/chat/c")
    resident.locator("li.mine", has_text=wallet["vi"]).wait_for()
    resident.wait_for_function("window.relayChat && window.relayChat.readyState === 1")

    row = agent.locator("#waiting li.row", has_text=wallet["ko"])
    row.wait_for(timeout=5000)
    assert "웹 채팅" in row.inner_text()
    row.locator("button", has_text="맡기").click()
    agent.wait_for_url("**/agent/conversations/*")
    agent.fill("#reply-text", received["ko"])
    resident.locator("#typing").wait_for(state="visible", timeout=5000)  # "an agent is typing"
    way = agent_replies(agent, received["ko"], received["vi"])
    assert "웹 채팅" in way  # no SMS rules: the preview says so

    reply = resident.locator("li.theirs", has_text=received["vi"])
    reply.wait_for(timeout=5000)  # no reload: the page's live feed brought it
    assert reply.locator("p.text").inner_text() == received["vi"]  # every diacritic
    # The centre's time, as on the page's own lines: not the browser's (this one is in UTC).
    assert reply.locator("time").inner_text().endswith("KST")
    assert reply.locator("p.text").get_attribute("lang") == "vi"
    resident.wait_for_function(
        "document.querySelector('li.theirs:last-child').getAttribute('data-state') === 'read'"
    )
    fits_the_screen(resident, PHONE["width"])
    agent.locator(".message.outbound .status.read").first.wait_for(timeout=5000)


def test_an_sms_residents_reply_link_opens_the_conversation_and_they_answer_there(
    chromium: Any, live_relay: LiveRelay, tiny_models: TinyModels
) -> None:
    wallet, received = tiny_models.phrase("wallet"), tiny_models.phrase("received")
    thanks = tiny_models.phrase("thanks")
    agent = sign_in(chromium, live_relay, live_relay.user("kim"))
    live(agent)
    resident_texts(chromium, live_relay, wallet["vi"], "+821066660001")
    row = agent.locator("#waiting li.row", has_text=wallet["ko"])
    row.wait_for(timeout=5000)
    row.locator("button", has_text="맡기").click()
    agent.wait_for_url("**/agent/conversations/*")
    agent_replies(agent, received["ko"], received["vi"])
    agent.locator(".message.outbound", has_text=received["vi"]).wait_for()
    with services(live_relay.app).sessions() as session:
        body = session.scalars(
            select(Message.delivered_body).where(Message.direction == Direction.OUTBOUND)
        ).one()
    assert body is not None
    link = re.search(r"http://127\.0\.0\.1:\d+/r/[\w-]+", body)
    assert link, body  # the SMS carried a short link on the centre's own address

    phone = on_a_phone(chromium, "vi-VN")
    phone.goto(link.group(0))
    phone.wait_for_url("**/chat/c")
    assert received["vi"] in phone.inner_text("#thread")
    assert wallet["vi"] in phone.inner_text("#thread")
    phone.fill("#text", thanks["vi"])
    phone.click("#send")
    phone.locator("li.mine", has_text=thanks["vi"]).wait_for(timeout=5000)
    agent.locator(".message.inbound", has_text=thanks["ko"]).wait_for(timeout=5000)
    with services(live_relay.app).sessions() as session:
        channels = session.scalars(
            select(Message.channel)
            .where(Message.direction == Direction.INBOUND)
            .order_by(Message.id)
        ).all()
    assert channels == [Channel.SMS, Channel.WEB]


@pytest.mark.parametrize("language", ["en", "zh", "ja", "vi", "mn"])
def test_the_chat_pages_reflow_at_200_percent_zoom_on_a_phone(
    chromium: Any, live_relay: LiveRelay, language: str
) -> None:
    page = on_a_phone(chromium, "en-US", ZOOMED_PHONE, device_scale_factor=2)
    page.goto(f"{live_relay.url}/chat?lang={language}")
    reflows(page, "start page")
    page.select_option("#language", language)
    page.fill("#callback", "010-1234-5678")
    page.fill("#text", "Xin chào, tôi bị mất ví trên xe buýt số 7016 hôm qua." * 3)
    page.click("form.start button[type=submit]")  # reachable: scrolled to and pressed
    page.wait_for_url("**/chat/c")
    reflows(page, "conversation page")
    page.fill("#text", "https://example.org/" + "a" * 80)  # one unbreakable word
    page.click("#send")
    page.locator("li.mine", has_text="example.org").wait_for(timeout=5000)
    reflows(page, "conversation page with a long word")
    page.goto(f"{live_relay.url}/chat/" + "Z" * 22)
    reflows(page, "error page")
