"""A resident's first text of a new conversation gets an immediate receipt in their language:
human-written, deliverable to a Korean handset, sent once, never to a blocked number, and not
counted as an agent's reply in the queue or the figures."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from languages import registry, sms
from relay.service_hours import DAYS
from relay.services import services
from tests.relay.agent_helpers import post_form, sign_in
from tests.relay.test_sms_round_trip import conversation, conversations
from tests.support.app_fixtures import Webhooks, create_user, drain
from tests.support.modelkit import TinyModels
from tests.support.staff import STAFF
from transcripts.db import utcnow
from transcripts.metrics import service_figures
from transcripts.models import Disposition


@pytest.mark.parametrize("staffed", [True, False])
@pytest.mark.parametrize("language", [*sorted(registry.RESIDENT_CODES), "ko"])
def test_every_receipt_reaches_a_korean_handset_whole(language: str, staffed: bool) -> None:
    korean, text = sms.acknowledgement(language, staffed=staffed)
    analysis = sms.analyse(text)
    assert analysis.undeliverable == ()
    assert analysis.segments <= 2
    assert "112" in text and "119" in text and "120" in text
    assert "112" in korean and "119" in korean


@pytest.fixture
def acknowledging(app_factory: Any) -> Flask:
    return app_factory(SMS_ACKNOWLEDGEMENT=True)  # type: ignore[no-any-return]


def _messages(app: Flask, headers: dict[str, str]) -> list[dict[str, Any]]:
    client = app.test_client()
    [summary] = conversations(client, headers)
    return conversation(client, headers, summary["id"])["messages"]  # type: ignore[no-any-return]


def test_the_first_text_is_acknowledged_once_in_the_residents_language(
    acknowledging: Flask, tiny_models: TinyModels
) -> None:
    app = acknowledging
    webhooks = Webhooks(app.test_client())
    headers = {"Authorization": f"Bearer {create_user(app)}"}
    wallet, thanks = tiny_models.phrase("wallet"), tiny_models.phrase("thanks")
    webhooks.sms(wallet["vi"])
    webhooks.sms(thanks["vi"])
    drain(app)

    messages = _messages(app, headers)
    assert [(m["direction"], m["author"]) for m in messages] == [
        ("inbound", "resident"),
        ("inbound", "resident"),
        ("outbound", "automatic"),
    ]
    receipt = messages[-1]
    assert receipt["translated_text"] == sms.acknowledgement("vi")[1]
    assert receipt["original_text"] == sms.acknowledgement("vi")[0]
    assert receipt["status"] == "held"  # kept in the outbox: this app has no Twilio account
    assert receipt["sms"]["delivered_body"] == receipt["translated_text"]  # no link needed

    # The queue still shows what the resident wrote, and the wait is theirs, not reset.
    [summary] = conversations(app.test_client(), headers)
    assert summary["last_message"]["direction"] == "inbound"
    agent = sign_in(app, "kim")
    queue = agent.get("/agent/").get_data(as_text=True)
    assert thanks["ko"] in queue and sms.acknowledgement("vi")[0] not in queue
    # An agent's reply, not the receipt, is the first reply the figures count.
    now = utcnow()
    figures = service_figures(services(app).sessions, now - timedelta(hours=1), now)
    assert figures.replied == 0


def test_a_new_conversation_is_acknowledged_again_but_not_a_blocked_number(
    acknowledging: Flask, tiny_models: TinyModels
) -> None:
    app = acknowledging
    webhooks = Webhooks(app.test_client())
    headers = {"Authorization": f"Bearer {create_user(app)}"}
    webhooks.sms(tiny_models.phrase("wallet")["en"])
    drain(app)
    [summary] = conversations(app.test_client(), headers)
    services(app).record.agents.close(summary["id"], STAFF, Disposition.RESOLVED)
    webhooks.sms(tiny_models.phrase("thanks")["en"])
    drain(app)
    receipts = [
        m
        for c in conversations(app.test_client(), headers)
        for m in conversation(app.test_client(), headers, c["id"])["messages"]
        if m["author"] == "automatic"
    ]
    assert len(receipts) == 2

    # The abuse button blocks the number; its texts are kept but never answered automatically.
    [reopened] = [c for c in conversations(app.test_client(), headers) if c["status"] == "open"]
    agent = sign_in(app, "kim")
    thread = f"/agent/conversations/{reopened['id']}"
    post_form(agent, thread, f"{thread}/claim")
    post_form(agent, thread, f"{thread}/abuse", block_hours="24")
    services(app).record.agents.close(reopened["id"], STAFF, Disposition.ABUSIVE)
    webhooks.sms(tiny_models.phrase("wallet")["en"])
    drain(app)
    [blocked] = [c for c in conversations(app.test_client(), headers) if c["status"] == "open"]
    messages = conversation(app.test_client(), headers, blocked["id"])["messages"]
    assert [m["direction"] for m in messages] == ["inbound"]


def test_a_language_relay_does_not_serve_gets_a_receipt_in_english_and_korean(
    acknowledging: Flask,
) -> None:
    headers = {"Authorization": f"Bearer {create_user(acknowledging)}"}
    webhooks = Webhooks(acknowledging.test_client())
    webhooks.sms("Guten Tag, ich habe meine Geldbörse verloren.")
    webhooks.sms("Können Sie mir helfen?")
    drain(acknowledging)
    messages = _messages(acknowledging, headers)
    assert [m["direction"] for m in messages] == ["inbound", "inbound", "outbound"]  # once
    receipt = messages[-1]
    assert receipt["author"] == "automatic"
    text = receipt["translated_text"]
    assert "interpreter" in text and "통역" in text
    assert "112" in text and "119" in text and "120" in text
    assert sms.analyse(text).undeliverable == ()


def test_no_receipt_with_the_setting_off(app: Flask) -> None:
    assert app.config["SMS_ACKNOWLEDGEMENT"] is False
    headers = {"Authorization": f"Bearer {create_user(app)}"}
    Webhooks(app.test_client()).sms("I lost my wallet on the bus.")
    drain(app)
    assert [m["direction"] for m in _messages(app, headers)] == ["inbound"]


def _not_today() -> str:
    """A shift on another day of the week than today in Seoul: nobody is at work now."""
    today = datetime.now(ZoneInfo("Asia/Seoul")).weekday()
    return f"{DAYS[(today + 3) % 7]} 09:00-10:00"


@pytest.mark.parametrize(("hours", "staffed"), [(None, False), ("mon-sun 00:00-24:00", True)])
def test_outside_agents_hours_the_receipt_says_the_answer_comes_later(
    app_factory: Any, tiny_models: TinyModels, hours: str | None, staffed: bool
) -> None:
    app = app_factory(SMS_ACKNOWLEDGEMENT=True, AGENT_HOURS=hours or _not_today())
    headers = {"Authorization": f"Bearer {create_user(app)}"}
    Webhooks(app.test_client()).sms(tiny_models.phrase("wallet")["en"])
    drain(app)
    receipt = _messages(app, headers)[-1]
    assert receipt["author"] == "automatic"
    assert receipt["translated_text"] == sms.acknowledgement("en", staffed=staffed)[1]
    assert ("away" in receipt["translated_text"]) is not staffed


def test_a_picture_first_then_text_still_gets_its_receipt(
    acknowledging: Flask, tiny_models: TinyModels
) -> None:
    app = acknowledging
    headers = {"Authorization": f"Bearer {create_user(app)}"}
    webhooks = Webhooks(app.test_client())
    webhooks.sms("", NumMedia="1")  # a photo with no words
    webhooks.sms(tiny_models.phrase("wallet")["en"])
    drain(app)
    authors = [m["author"] for m in _messages(app, headers)]
    assert authors == ["resident", "resident", "automatic"]


def test_the_receipt_does_not_wait_for_a_translation_that_fails(
    app_factory: Any, tmp_path: Any, relay_models_path: Any, tiny_models: TinyModels
) -> None:
    models = tmp_path / "no-m2m"
    models.mkdir()
    (models / "argos").symlink_to(relay_models_path / "argos")  # nothing translates vi
    app = app_factory(SMS_ACKNOWLEDGEMENT=True, MODELS_PATH=str(models))
    headers = {"Authorization": f"Bearer {create_user(app)}"}
    Webhooks(app.test_client()).sms(tiny_models.phrase("wallet")["vi"])
    drain(app)
    messages = _messages(app, headers)
    assert messages[0]["status"] == "failed"
    assert messages[-1]["translated_text"] == sms.acknowledgement("vi")[1]
