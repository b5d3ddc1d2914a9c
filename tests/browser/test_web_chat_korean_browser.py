"""The web chat in Chromium on a phone set to Korean (390x844): the resident reads the page in
Korean, writes in Korean, and the agent's Korean answer arrives on the open page with its
status in Korean; a conversation an agent sets to Korean turns its page Korean at the next
load; the Korean pages reflow at 200% zoom."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from relay.chat.wording import WORDS
from tests.browser.conftest import LiveRelay, agent_replies, live, sign_in
from tests.browser.screens import (
    PHONE,
    ZOOMED_PHONE,
    fits_the_screen,
    on_a_phone,
    reflows,
    screenshot,
)
from transcripts.policy import MAX_CHAT_MESSAGE_CHARS

pytestmark = [pytest.mark.browser, pytest.mark.slow]
KO = WORDS["ko"]
LOST_CARD = "외국인등록증을 잃어버렸는데 어디에서 다시 발급받을 수 있나요?"
ANSWER = "가까운 출입국·외국인청에 여권과 사진 한 장을 가지고 방문하시면 됩니다."


def test_a_resident_who_reads_korean_chats_in_korean_on_a_phone(
    chromium: Any, live_relay: LiveRelay, tmp_path: Path
) -> None:
    agent = sign_in(chromium, live_relay, live_relay.user("kim"))
    live(agent)
    resident = on_a_phone(chromium, "ko-KR")
    resident.goto(f"{live_relay.url}/chat")
    assert resident.get_attribute("html", "lang") == "ko"  # the phone asks for Korean only
    assert resident.inner_text("h1") == KO["title"]
    assert resident.input_value("#language") == "ko"
    assert "112" in resident.inner_text(".emergency")
    screenshot(resident, "chat-ko-start-390.png", tmp_path, full_page=True)
    resident.fill("#text", LOST_CARD)
    resident.click("form.start button[type=submit]")
    resident.wait_for_url("**/chat/c")
    mine = resident.locator("li.mine", has_text=LOST_CARD)
    mine.wait_for()
    assert mine.locator(".who").inner_text() == KO["you"]
    assert mine.locator(".state").inner_text() == KO["received"]
    resident.wait_for_function("window.relayChat && window.relayChat.readyState === 1")

    row = agent.locator("#waiting li.row", has_text=LOST_CARD)
    row.wait_for(timeout=5000)
    assert "한국어" in row.inner_text()
    row.locator("button", has_text="맡기").click()
    agent.wait_for_url("**/agent/conversations/*")
    agent.fill("#reply-text", ANSWER)
    typing = resident.locator("#typing")
    typing.wait_for(state="visible", timeout=5000)
    assert typing.inner_text() == KO["typing"]
    agent_replies(agent, ANSWER, ANSWER)  # Korean is sent as written

    reply = resident.locator("li.theirs", has_text=ANSWER)
    reply.wait_for(timeout=5000)  # no reload: the live feed brought it, labelled in Korean
    assert reply.locator(".who").inner_text() == KO["agent"]
    assert reply.locator("p.text").get_attribute("lang") == "ko"
    resident.wait_for_function(
        "document.querySelector('li.theirs:last-child .state').textContent === " + repr(KO["read"])
    )
    fits_the_screen(resident, PHONE["width"])
    screenshot(resident, "chat-ko-conversation-390.png", tmp_path, full_page=True)


def test_a_chat_an_agent_sets_to_korean_turns_korean_on_the_residents_phone(
    chromium: Any, live_relay: LiveRelay, tmp_path: Path
) -> None:
    agent = sign_in(chromium, live_relay, live_relay.user("kim"))
    live(agent)
    english_phone = on_a_phone(chromium, "en-US")
    english_phone.goto(f"{live_relay.url}/chat")
    assert english_phone.get_attribute("html", "lang") == "en"
    english_phone.fill("#text", "안녕하세요")
    english_phone.click("form.start button[type=submit]")
    english_phone.wait_for_url("**/chat/c")
    assert english_phone.get_attribute("html", "lang") == "en"  # the language chosen: English

    row = agent.locator("#waiting li.row", has_text="안녕하세요")
    row.wait_for(timeout=5000)
    row.locator("button", has_text="맡기").click()
    agent.wait_for_url("**/agent/conversations/*")
    agent.select_option("#reply-language-choice", "ko")
    agent.click("#reply-language button[type=submit]")
    agent.wait_for_selector(".flash.ok")

    english_phone.reload()
    assert english_phone.get_attribute("html", "lang") == "ko"
    assert english_phone.inner_text("h1") == KO["title"]
    assert english_phone.inner_text("label[for=text]") == KO["message"]
    assert english_phone.inner_text("#send") == KO["send"]
    # A message over the limit (the box's own limit lifted): chat.js shows the server's answer.
    english_phone.evaluate("document.getElementById('text').removeAttribute('maxlength')")
    english_phone.fill("#text", "가" * (MAX_CHAT_MESSAGE_CHARS + 1))
    english_phone.click("#send")
    english_phone.locator("#problem").wait_for(state="visible")
    limit = KO["too_long"].format(limit=MAX_CHAT_MESSAGE_CHARS)
    assert english_phone.inner_text("#problem") == limit
    screenshot(english_phone, "chat-set-to-ko-390.png", tmp_path, full_page=True)


def test_the_korean_chat_pages_reflow_at_200_percent_zoom(
    chromium: Any, live_relay: LiveRelay
) -> None:
    page = on_a_phone(chromium, "ko-KR", ZOOMED_PHONE, device_scale_factor=2)
    page.goto(f"{live_relay.url}/chat")
    assert page.get_attribute("html", "lang") == "ko"
    reflows(page, "start page")
    page.fill("#text", LOST_CARD * 3)
    page.click("form.start button[type=submit]")
    page.wait_for_url("**/chat/c")
    reflows(page, "conversation page")
    page.goto(f"{live_relay.url}/chat/" + "Z" * 22)
    assert page.get_attribute("html", "lang") == "ko"
    assert KO["not_found"] in page.inner_text("main")
    reflows(page, "error page")
