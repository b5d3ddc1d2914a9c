"""Odd numbers in URLs and query strings are answered, never a 500."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.relay.agent_helpers import sign_in
from tests.support.app_fixtures import create_user

HUGE = "9" * 25
SUPERSCRIPT_TWO = "%C2%B2"  # "²": str.isdigit() says yes, int() says no


@pytest.mark.parametrize(
    "url",
    [
        f"/agent/?page={SUPERSCRIPT_TWO}",
        f"/agent/?page={HUGE}",
        f"/agent/queue?page={'9' * 5000}",
        f"/admin/conversations?page={SUPERSCRIPT_TWO}",
        f"/admin/conversations?page={HUGE}",
        f"/agent/events?after={SUPERSCRIPT_TWO}",
        f"/agent/conversations/{HUGE}",
        f"/admin/conversations/{HUGE}/audit",
    ],
)
def test_agent_pages_answer_odd_numbers_without_a_server_error(app: Flask, url: str) -> None:
    client = sign_in(app, "boss", "admin")
    response = client.get(url)
    assert response.status_code < 500, url


@pytest.mark.parametrize(
    "url",
    [
        f"/api/conversations?offset={HUGE}",
        f"/api/conversations/{HUGE}",
        f"/api/messages/{HUGE}/audio",
    ],
)
def test_api_answers_odd_numbers_without_a_server_error(app: Flask, url: str) -> None:
    token = create_user(app, "api-admin", "admin")
    response = app.test_client().get(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code < 500, url


def test_huge_offset_is_an_empty_page(app: Flask) -> None:
    token = create_user(app, "api-admin", "admin")
    response = app.test_client().get(
        f"/api/conversations?offset={HUGE}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert response.get_json()["conversations"] == []


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("GET", f"/api/conversations/{2**63}", 404),
        ("POST", f"/api/messages/{HUGE}/retry", 404),
        ("GET", "/api/no-such-thing", 404),
        ("DELETE", "/api/conversations", 405),
        ("GET", "/api/metrics", 403),  # an agent, not an admin
    ],
)
def test_api_errors_outside_its_views_are_json(
    app: Flask, method: str, url: str, status: int
) -> None:
    token = create_user(app, "api-agent")
    response = app.test_client().open(
        url, method=method, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == status
    assert response.is_json and isinstance(response.get_json()["error"], str)


def test_errors_outside_the_api_keep_their_pages(app: Flask) -> None:
    client = sign_in(app, "boss", "admin")
    response = client.get(f"/agent/conversations/{HUGE}")
    assert response.status_code == 404 and response.mimetype == "text/html"
