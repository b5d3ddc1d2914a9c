"""CSRF tokens around sign-in: the secret is renewed when someone signs in (a token known before
cannot be used after), and a page left open for hours can still act."""

from __future__ import annotations

from flask import Flask

from tests.relay.agent_helpers import PASSWORD, csrf_from
from tests.support.app_fixtures import create_user


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
