"""Every way into an account ends together: signing out, a password change and disabling end
every session and the API token (copied cookies and remember-me cookies included), and a
disabled account is refused at once, by session or by token."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from flask_login.utils import encode_cookie

from relay.services import services
from tests.relay.agent_helpers import PASSWORD, csrf_from, sign_in
from tests.support.app_fixtures import create_user
from transcripts.repository import user_by_name

NEW_PASSWORD = "a brand new passphrase"


def _run(app: Flask, *args: str, input: str | None = None) -> Any:
    result = app.test_cli_runner().invoke(args=list(args), input=input)
    assert result.exit_code == 0, result.output
    return result


def _signed_in(client: FlaskClient) -> bool:
    response = client.get("/agent/")
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 200


def _token_works(app: Flask, token: str) -> bool:
    headers = {"Authorization": f"Bearer {token}"}
    status = app.test_client().get("/api/conversations", headers=headers).status_code
    assert status in (200, 401), status
    return status == 200


def _copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of `client`'s session cookie (stolen, or a second tab
    saved to disk)."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    copy = app.test_client()
    copy.set_cookie("session", cookie.value)
    return copy


def _remember_me(app: Flask, client: FlaskClient) -> FlaskClient:
    """A browser with only a Flask-Login remember-me cookie for `client`'s account."""
    with client.session_transaction() as session:
        session_id = session["_user_id"]
    with app.test_request_context():
        cookie = encode_cookie(session_id)
    remembered = app.test_client()
    remembered.set_cookie(app.config.get("REMEMBER_COOKIE_NAME", "remember_token"), cookie)
    return remembered


def _sign_out(client: FlaskClient) -> None:
    token = csrf_from(client.get("/agent/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def test_signing_out_ends_every_session_and_the_api_token_of_the_account(
    app: Flask,
) -> None:
    token = create_user(app, "kim", "agent", PASSWORD)
    browser = sign_in(app, "kim", create=False)
    other_browser = sign_in(app, "kim", create=False)
    copied = _copy_of(app, browser)
    remembered = _remember_me(app, browser)
    assert all(_signed_in(c) for c in (browser, other_browser, copied, remembered))

    _sign_out(browser)

    assert not any(_signed_in(c) for c in (browser, other_browser, copied, remembered))
    assert not _token_works(app, token)
    assert _signed_in(sign_in(app, "kim", create=False))  # signing in again works


def test_a_password_change_ends_every_session_and_the_api_token(app: Flask) -> None:
    token = create_user(app, "kim", "agent", PASSWORD)
    browser = sign_in(app, "kim", create=False)
    remembered = _remember_me(app, browser)
    assert _signed_in(browser) and _signed_in(remembered) and _token_works(app, token)

    changed = _run(app, "users", "password", "kim", input=f"{NEW_PASSWORD}\n")

    assert "sessions and API token have ended" in changed.output
    assert not _signed_in(browser)
    assert not _signed_in(remembered)
    assert not _signed_in(_remember_me(app, browser))  # a fresh remember-me copy, too
    assert not _token_works(app, token)
    new_token = services(app).record.accounts.issue_token("kim")
    assert _token_works(app, new_token)


def test_the_password_change_use_case_itself_ends_sessions(app: Flask) -> None:
    # Any code path that sets a password goes through Accounts.set_password.
    from relay.auth import hash_password

    create_user(app, "kim", "agent", PASSWORD)
    browser = sign_in(app, "kim", create=False)
    services(app).record.accounts.set_password("kim", hash_password(NEW_PASSWORD))
    assert not _signed_in(browser)


def test_disabling_an_account_ends_sessions_and_token_and_enabling_needs_a_new_sign_in(
    app: Flask,
) -> None:
    token = create_user(app, "kim", "agent", PASSWORD)
    browser = sign_in(app, "kim", create=False)
    remembered = _remember_me(app, browser)

    _run(app, "users", "disable", "kim")

    assert not _signed_in(browser)
    assert not _signed_in(remembered)
    assert not _token_works(app, token)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    refused = client.post(
        "/login", data={"username": "kim", "password": PASSWORD, "csrf_token": csrf_from(page)}
    )
    assert refused.status_code == 401

    _run(app, "users", "enable", "kim")
    assert not _signed_in(browser)  # the old session stays ended
    assert not _token_works(app, token)
    assert _signed_in(sign_in(app, "kim", create=False))


def test_an_account_disabled_in_the_database_is_refused_at_once(app: Flask) -> None:
    token = create_user(app, "kim", "agent", PASSWORD)
    browser = sign_in(app, "kim", create=False)
    with services(app).sessions() as session, session.begin():
        user = user_by_name(session, "kim")
        assert user is not None
        user.active = False  # no epoch change: the active flag alone refuses it
    assert not _signed_in(browser)
    assert not _token_works(app, token)


def test_a_session_without_an_epoch_is_refused(app: Flask) -> None:
    create_user(app, "kim", "agent", PASSWORD)
    with services(app).sessions() as session:
        user = user_by_name(session, "kim")
        assert user is not None
        user_id = user.id
    client = app.test_client()
    with client.session_transaction() as cookie_session:
        cookie_session["_user_id"] = str(user_id)  # the form sessions had before epochs
        cookie_session["_fresh"] = True
    assert not _signed_in(client)


def test_unknown_commands_name_the_missing_user(app: Flask) -> None:
    for command in ("disable", "enable"):
        result = app.test_cli_runner().invoke(args=["users", command, "nobody"])
        assert result.exit_code != 0
        assert "no user named 'nobody'" in result.output
