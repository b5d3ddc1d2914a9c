"""Sign-in for people: hashed passwords, CSRF, cookie flags, logout, and a slowed guesser."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from relay.services import services
from tests.relay.agent_helpers import PASSWORD, csrf_from, sign_in
from tests.support.app_fixtures import create_user
from transcripts.repository import user_by_name


def _attempt(client: Any, name: str, password: str) -> Any:
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": name, "password": password, "csrf_token": token})


def test_passwords_are_stored_hashed(app: Flask) -> None:
    create_user(app, "kim", "agent", PASSWORD)
    with services(app).sessions() as session:
        user = user_by_name(session, "kim")
        assert user is not None
        assert PASSWORD not in user.password_hash
        assert user.password_hash.startswith("scrypt:")


def test_login_needs_csrf_and_sets_safe_cookies(app: Flask) -> None:
    create_user(app, "kim", "agent", PASSWORD)
    client = app.test_client()
    refused = client.post("/login", data={"username": "kim", "password": PASSWORD})
    assert refused.status_code == 400
    signed = _attempt(client, "kim", PASSWORD)
    assert signed.status_code == 302
    assert signed.headers["Location"].endswith("/agent/")
    cookie = next(v for v in signed.headers.getlist("Set-Cookie") if v.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" in cookie  # the tests' PUBLIC_BASE_URL is https


def test_no_secure_flag_on_plain_http_development(app_factory: Any) -> None:
    app = app_factory(PUBLIC_BASE_URL="http://127.0.0.1:5000")
    create_user(app, "kim", "agent", PASSWORD)
    signed = _attempt(app.test_client(), "kim", PASSWORD)
    cookie = next(v for v in signed.headers.getlist("Set-Cookie") if v.startswith("session="))
    assert "Secure" not in cookie and "HttpOnly" in cookie


def test_repeated_failures_are_slowed_per_username_and_address(app: Flask) -> None:
    create_user(app, "kim", "agent", PASSWORD)
    create_user(app, "lee", "agent", PASSWORD)
    client = app.test_client()
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        assert _attempt(client, "kim", "wrong").status_code == 401
    locked = _attempt(client, "kim", PASSWORD)  # even the right password waits
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert "너무 많습니다" in locked.get_data(as_text=True)
    assert _attempt(client, "lee", PASSWORD).status_code == 302  # another user is unaffected


def test_logout_ends_the_session(app: Flask) -> None:
    client = sign_in(app, "kim")
    assert client.get("/agent/").status_code == 200
    token = csrf_from(client.get("/agent/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/agent/").status_code == 302


def test_open_redirects_are_refused(app: Flask) -> None:
    create_user(app, "kim", "agent", PASSWORD)
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login?next=//evil.example/",
        data={"username": "kim", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"].endswith("/agent/")


@pytest.mark.parametrize("target", ["/\\evil.example/", "/%09/evil.example/", "/\\/evil.example"])
def test_backslash_and_control_character_redirects_are_refused(app: Flask, target: str) -> None:
    # Browsers read "/\evil.example" (and "/<tab>/evil.example") as "//evil.example".
    create_user(app, "kim", "agent", PASSWORD)
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        f"/login?next={target}",
        data={"username": "kim", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"].endswith("/agent/")


def test_an_overlong_username_is_refused_not_a_server_error(app: Flask) -> None:
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"username": "k" * 5000, "password": "x", "csrf_token": token}
    )
    assert response.status_code == 401
