"""Signing in through the real login form and reading CSRF tokens, for the agent-view tests."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from relay.services import services
from tests.support.app_fixtures import create_user
from transcripts.models import User
from transcripts.repository import user_by_name

PASSWORD = "correct horse battery"


def csrf_from(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(app: Flask, name: str, role: str = "agent", *, create: bool = True) -> FlaskClient:
    """A client with its own cookie jar, signed in as a new (or existing) user."""
    if create:
        create_user(app, name, role, PASSWORD)
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"username": name, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def post_form(client: FlaskClient, page_url: str, action: str, **data: Any) -> Any:
    """Post a form the way the page does: with the CSRF token the page carries."""
    token = csrf_from(client.get(page_url).get_data(as_text=True))
    return client.post(action, data={"csrf_token": token, **data})


def stored_user(app: Flask, name: str) -> User:
    """The account as the record holds it now, detached from its session."""
    with services(app).sessions() as session:
        user = user_by_name(session, name)
        assert user is not None
        session.expunge(user)
        return user
