"""JSON bodies of the wrong shape get a 400 that says what is wrong, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.support.app_fixtures import Webhooks, create_user, drain


@pytest.fixture
def opened(app: Flask) -> tuple[Any, dict[str, str], int]:
    Webhooks(app.test_client()).sms("I lost my wallet on the bus.")
    drain(app)
    headers = {"Authorization": f"Bearer {create_user(app)}"}
    client = app.test_client()
    [conversation] = client.get("/api/conversations", headers=headers).json["conversations"]
    return client, headers, conversation["id"]


@pytest.mark.parametrize("path", ["replies", "replies/preview"])
@pytest.mark.parametrize(
    ("body", "says"),
    [
        ([1, 2], "JSON 객체"),
        ("안녕하세요", "JSON 객체"),
        ({"text": 5}, "text"),
        ({"text": "안녕하세요", "language": ["en"]}, "language 값은 문자열"),
        ({"text": "안녕하세요", "channel": {"sms": True}}, "channel 값은 문자열"),
        ({"text": "안녕하세요", "translated_text": 3}, "translated_text 값은 문자열"),
        # Half a surrogate pair, as JSON may escape it: no database can store it as text.
        ({"text": "\ud800"}, "쓸 수 없는 문자"),
        ({"text": "안녕하세요", "translated_text": "Hi \udc4b"}, "쓸 수 없는 문자"),
    ],
)
def test_reply_bodies_of_the_wrong_shape(
    opened: tuple[Any, dict[str, str], int], path: str, body: Any, says: str
) -> None:
    client, headers, cid = opened
    response = client.post(f"/api/conversations/{cid}/{path}", json=body, headers=headers)
    assert response.status_code == 400, response.json
    assert says in response.json["error"]


@pytest.mark.parametrize("body", [[1], {"disposition": ["resolved"]}, {"disposition": "maybe"}])
def test_close_bodies_of_the_wrong_shape(
    opened: tuple[Any, dict[str, str], int], body: Any
) -> None:
    client, headers, cid = opened
    response = client.post(f"/api/conversations/{cid}/close", json=body, headers=headers)
    assert response.status_code == 400, response.json
    assert "disposition" in response.json["error"]
