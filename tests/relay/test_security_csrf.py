"""Every state-changing route a signed-in browser can reach refuses a request without a CSRF
token, form or JSON alike; the routes are read from the URL map. Bearer-token API calls and
Twilio's signed webhooks are the only exemptions."""

from __future__ import annotations

import re

from flask import Flask

from tests.relay.agent_helpers import sign_in
from tests.support.app_fixtures import Webhooks

_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _path(rule: str) -> str:
    return re.sub(
        r"<(?:(?P<c>[^:<>]+):)?[^<>]+>",
        lambda m: "1" if m.group("c") == "int" else "x",
        rule,
    )


def test_every_unsafe_route_refuses_a_session_without_a_csrf_token(app: Flask) -> None:
    Webhooks(app.test_client()).sms("hello")
    admin = sign_in(app, "boss", "admin")
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/twilio"):
            continue  # signed by Twilio instead (test_security_twilio_routes)
        for method in sorted((rule.methods or set()) & _UNSAFE):
            path = _path(rule.rule)
            for kwargs in ({"data": {"x": "1"}}, {"json": {"text": "안녕하세요"}}):
                response = admin.open(path, method=method, **kwargs)  # type: ignore[arg-type]
                assert response.status_code == 400, (method, path, kwargs, response.status_code)
                assert b"CSRF" in response.data, (method, path, response.data[:200])
                response.close()
            checked += 1
    assert checked >= 10


def test_a_bearer_token_needs_no_csrf_token(app: Flask, auth_headers: dict[str, str]) -> None:
    response = app.test_client().post("/api/conversations/1/close", json={}, headers=auth_headers)
    assert response.status_code != 400 or b"CSRF" not in response.data
