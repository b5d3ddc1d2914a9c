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
