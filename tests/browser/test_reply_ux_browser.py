"""Answering every resident in a real browser: a Korean speaker's thread with its language
picker, the preview naming the channel, and a phrasebook answer previewed before it is sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveRelay, live, resident_texts, sign_in
from tests.browser.screens import SCREENS, Screen, screenshot
from tests.support.modelkit import TinyModels

pytestmark = [pytest.mark.browser, pytest.mark.slow]
KOREAN_SPEAKER = "+821055506666"


@pytest.mark.parametrize("viewport", SCREENS)
def test_a_korean_speaker_is_answered_in_korean_with_the_channel_named(
    chromium: Any, live_relay: LiveRelay, tiny_models: TinyModels, viewport: Screen, tmp_path: Path
) -> None:
    agent = sign_in(chromium, live_relay, live_relay.user("kim"), screen=viewport)
    live(agent)
    resident_texts(
        chromium, live_relay, "안녕하세요, 구청 운영 시간을 알고 싶어요.", KOREAN_SPEAKER
    )
    row = agent.locator("#waiting li.row", has_text="운영 시간")
    row.wait_for(timeout=3000)
    assert "한국어" in row.inner_text() and "언어 미확인" not in agent.content()
    row.locator("button", has_text="맡기").click()
    agent.wait_for_url("**/agent/conversations/*")

    picker = agent.locator("#reply-language-choice")
    assert picker.input_value() == "ko"
    assert "통역 필요" in picker.inner_text()
    screenshot(agent, f"reply-language-{viewport['width']}.png", tmp_path)

    answer = "평일 오전 9시부터 오후 6시까지 엽니다."
    agent.fill("#reply-text", answer)
    agent.wait_for_function(f"document.getElementById('reply-translated').value === {answer!r}")
    info = agent.locator("#preview-sms")
    agent.wait_for_function("document.getElementById('preview-sms').textContent.includes('문자')")
    assert info.inner_text().startswith("보내는 방법: 문자 · SMS 1건")
    assert "(번역 없이 한국어로)" in agent.locator("#preview-source").inner_text()

    agent.fill("#phrasebook-q", "운영시간")
    agent.locator("button.phrase").first.wait_for()
    agent.locator("button.phrase").first.click()
    agent.wait_for_function(
        "document.getElementById('preview-source').textContent.includes('상용구')"
        " && document.getElementById('preview-sms').textContent.includes('SMS')"
    )
    assert info.inner_text().startswith("보내는 방법: 문자 · SMS")
    screenshot(agent, f"reply-korean-{viewport['width']}.png", tmp_path)
    agent.click("#send")
    sent = agent.locator(".message.outbound", has_text="상용구").first
    sent.wait_for()
    assert "보낸 방법: 문자" in sent.inner_text() and "· kim" in sent.inner_text()


@pytest.mark.parametrize("viewport", SCREENS)
def test_the_queue_filters_narrow_the_waiting_list(
    chromium: Any, live_relay: LiveRelay, tiny_models: TinyModels, viewport: Screen, tmp_path: Path
) -> None:
    wallet, thanks = tiny_models.phrase("wallet"), tiny_models.phrase("thanks")
    agent = sign_in(chromium, live_relay, live_relay.user("lee"), screen=viewport)
    live(agent)
    resident_texts(chromium, live_relay, thanks["en"], "+821055517001")
    resident_texts(chromium, live_relay, wallet["vi"], "+821055517002")
    agent.locator("#waiting li.row").nth(1).wait_for(timeout=3000)
    agent.select_option('#queue-filters select[name="language"]', "vi")
    agent.click("#queue-filters button[type=submit]")
    agent.wait_for_url("**/agent/?*language=vi*")
    rows = agent.locator("#waiting li.row")
    assert rows.count() == 1 and wallet["ko"] in rows.first.inner_text()
    assert agent.locator("#queue-filters", has_text="필터 지우기").is_visible()
    screenshot(agent, f"queue-filters-{viewport['width']}.png", tmp_path)
    resident_texts(chromium, live_relay, tiny_models.phrase("received")["en"], "+821055517003")
    agent.wait_for_timeout(800)  # the live refresh keeps the filter
    assert agent.locator("#waiting li.row").count() == 1
