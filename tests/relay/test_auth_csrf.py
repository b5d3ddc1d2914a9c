"""CSRF tokens around sign-in: the secret is renewed when someone signs in (a token known before
cannot be used after), and a page left open for hours can still act."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from itsdangerous import TimestampSigner
from sqlalchemy import select

from relay.services import services
from tests.relay.agent_helpers import PASSWORD, csrf_from, sign_in
from tests.support.app_fixtures import Webhooks, create_user
from transcripts.models import Conversation


def test_signing_in_renews_the_csrf_secret(app: Flask) -> None:
    create_user(app, "kim", "agent", PASSWORD)
    client = app.test_client()
    planted = csrf_from(client.get("/login").get_data(as_text=True))
    with client.session_transaction() as session:
        planted_secret = session["csrf_token"]

    signed = client.post(
        "/login", data={"username": "kim", "password": PASSWORD, "csrf_token": planted}
    )
    assert signed.status_code == 302

    with client.session_transaction() as session:
        assert session.get("csrf_token") != planted_secret
    refused = client.post("/logout", data={"csrf_token": planted})
    assert refused.status_code == 400  # the token from before sign-in no longer counts
    assert b"CSRF" in refused.data
    fresh = csrf_from(client.get("/agent/").get_data(as_text=True))
    assert fresh != planted
    assert client.post("/logout", data={"csrf_token": fresh}).status_code == 302


def test_a_page_left_open_for_a_shift_can_still_act(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert Webhooks(app.test_client()).sms("I lost my wallet on the bus.").status_code == 200
    with services(app).sessions() as session:
        conversation_id = session.scalars(select(Conversation.id)).one()
    agent = sign_in(app, "kim")
    thread = f"/agent/conversations/{conversation_id}"
    token = csrf_from(agent.get(thread).get_data(as_text=True))

    # Nine hours later (Flask-WTF's own limit is one), by the clock its signatures are read with.
    later = int(time.time()) + 9 * 3600
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)

    claimed = agent.post(f"{thread}/claim", data={"csrf_token": token})
    assert claimed.status_code == 303, claimed.get_data(as_text=True)[:300]
