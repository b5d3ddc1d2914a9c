"""How replies leave is a choice someone made: Twilio, or the outbox on purpose.

A production instance with neither refuses to start (the web app and `flask worker`), naming
both settings; in debug and testing it starts, and a reply fails with that reason rather than
look sent. The outbox, when chosen, wins over an account, and texts nobody.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from relay.delivery import DeliveryNotConfiguredError
from tests.support.app_fixtures import (
    ACCOUNT_SID,
    RecordingHttpClient,
    Webhooks,
    create_user,
    drain,
)
from tests.support.modelkit import TinyModels

RESIDENT = "+821055501234"


def reply_to_resident(app: Flask, tiny_models: TinyModels) -> dict[str, Any]:
    """A resident's text, an agent's reply through the API, the jobs run; the reply as stored."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {create_user(app)}"}
    assert Webhooks(client).sms(tiny_models.phrase("thanks")["en"]).status_code == 200
    drain(app)
    [summary] = client.get("/api/conversations", headers=headers).json["conversations"]
    cid = summary["id"]
    assert client.post(f"/api/conversations/{cid}/claim", headers=headers).status_code == 200
    text = tiny_models.phrase("received")["ko"]
    sent = client.post(f"/api/conversations/{cid}/replies", json={"text": text}, headers=headers)
    assert sent.status_code == 202, sent.json
    drain(app)
    messages = client.get(f"/api/conversations/{cid}", headers=headers).json["messages"]
    reply: dict[str, Any] = messages[-1]
    assert reply["direction"] == "outbound"
    return reply


def test_production_without_an_account_or_the_outbox_refuses_to_start(
    app_factory: Any,
) -> None:
    with pytest.raises(DeliveryNotConfiguredError) as refused:
        app_factory(TESTING=False, OUTBOX=False)
    assert "RELAY_TWILIO_ACCOUNT_SID" in str(refused.value)
    assert "RELAY_OUTBOX" in str(refused.value)


def test_production_starts_with_either_choice(
    app_factory: Any, twilio_http: RecordingHttpClient
) -> None:
    outbox = app_factory(TESTING=False, OUTBOX=True)
    assert outbox.test_client().get("/healthz").json["delivery"] == "outbox"
    twilio = app_factory(
        TESTING=False, TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_HTTP_CLIENT=twilio_http
    )
    assert "delivery" not in twilio.test_client().get("/healthz").json


def test_the_worker_refuses_to_start_in_production_without_a_choice(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`flask worker` is what sends; a production worker with nowhere to send must not run."""
    started: list[int] = []

    class Consumer:
        def run(self) -> None:
            started.append(1)  # the real one would run until stopped

    monkeypatch.setattr("relay.job_queue.make_consumer", lambda huey, threads: Consumer())
    app.config.update(TESTING=False, DEBUG=False, OUTBOX=False)
    result = app.test_cli_runner().invoke(args=["worker"])
    assert result.exit_code != 0
    assert "RELAY_TWILIO_ACCOUNT_SID" in result.output
    assert "RELAY_OUTBOX" in result.output
    assert started == []
    app.config.update(OUTBOX=True)  # the outbox, chosen: it works
    assert app.test_cli_runner().invoke(args=["worker"]).exit_code == 0
    assert started == [1]


def test_in_testing_without_a_choice_a_reply_fails_with_the_reason(
    app_factory: Any, tiny_models: TinyModels
) -> None:
    app = app_factory(OUTBOX=False)
    reply = reply_to_resident(app, tiny_models)
    assert reply["status"] == "failed"
    assert "RELAY_OUTBOX" in reply["status_reason"]
    assert reply["provider_sid"] is None


def test_the_chosen_outbox_holds_replies_even_with_an_account(
    app_factory: Any, twilio_http: RecordingHttpClient, tiny_models: TinyModels
) -> None:
    app = app_factory(TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_HTTP_CLIENT=twilio_http, OUTBOX=True)
    reply = reply_to_resident(app, tiny_models)
    assert reply["status"] == "held"
    assert twilio_http.requests == []  # nothing went to Twilio
