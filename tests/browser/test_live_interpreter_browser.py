"""A live caller flagged by the spoken-language check: the agent's open thread puts up the
3자 통역 연결 offer without a reload, brought by the live feed.

The check's outcome is recorded through the same use case the speech lane calls (the Whisper
part is tested with real speech in tests/relay/test_live_spoken_language.py); what this test
adds is the real browser, the real feed and the real page refresh.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask

from languages.speech import LanguageGuess
from languages.spoken import judge
from relay.services import services
from relay.twilio.security import sign
from tests.browser.conftest import running_relay, sign_in
from tests.support.app_fixtures import ACCOUNT_SID, AUTH_TOKEN
from transcripts.live_calls import UtteranceAudio
from transcripts.models import Call
from transcripts.voice_messages import HeardLanguage

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CALL_SID = "CA" + "c" * 32


def post(app: Flask, base: str, path: str, params: dict[str, str]) -> None:
    signature = sign(f"{base}{path}", params, AUTH_TOKEN)
    answer = app.test_client().post(path, data=params, headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 200, answer.data


def test_a_flagged_live_caller_brings_up_the_interpreter_offer_without_a_reload(
    chromium: Any, app_factory: Any
) -> None:
    with running_relay(app_factory, VOICE_LIVE=True, INTERPRETER_NUMBER="+8221200120") as relay:
        params = {"CallSid": CALL_SID, "From": "+821055509999", "AccountSid": ACCOUNT_SID}
        post(relay.app, relay.url, "/twilio/voice", params)
        post(relay.app, relay.url, "/twilio/voice/menu", {**params, "Digits": "1"})
        svc = services(relay.app)
        with svc.sessions() as session:
            conversation = session.query(Call).one().conversation_id
        agent = sign_in(chromium, relay, relay.user("yoon"))
        agent.goto(f"{relay.url}/agent/conversations/{conversation}")
        agent.wait_for_function("document.getElementById('live').className === 'live on'")
        assert "상담원 연결 대기 중" in agent.locator("#live-call").inner_text()
        agent.click("text=이 상담 맡기")
        agent.locator("#live-call", has_text="통화 중").wait_for()
        assert agent.locator("#interpreter-offer").count() == 0

        # The speech lane stores the first utterance, then records what the check heard.
        message = svc.record.live.store_utterance(
            CALL_SID,
            UtteranceAudio("recordings/none.wav", 0.0, 4.0, 4.0, "silence", datetime.now(UTC)),
        )
        guess = LanguageGuess((("fr", 0.81), ("en", 0.06), ("it", 0.03)), seconds=0.9)
        check = judge(guess, "en")
        svc.record.voice.record_spoken_language(
            message, HeardLanguage(check.to_json_dict(), check.differs, check.notice)
        )

        offer = agent.locator("#interpreter-offer")
        offer.wait_for(timeout=5000)  # no reload: the live feed refreshed the thread
        assert "프랑스어로 들립니다 (확률 0.81)" in offer.inner_text()
        # This relay holds calls in the outbox, as `make run` does: the conference is kept,
        # not placed, and the thread says the caller is in it.
        offer.locator("button", has_text="3자 통역 연결").click()
        agent.locator(".flash", has_text="3자 통화로 연결했습니다").wait_for()
        assert "3자 통역 통화 중" in agent.locator("#live-call").inner_text()
        assert agent.locator("#interpreter-offer").count() == 0
