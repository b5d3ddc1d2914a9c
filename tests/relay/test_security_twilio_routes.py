"""Every route under /twilio answers 403 to a request without a valid Twilio signature.

The routes are read from the app's URL map, so a webhook added later is covered without
anyone remembering to list it here.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from werkzeug.routing import Rule

from relay.twilio.security import sign
from tests.support.app_fixtures import AUTH_TOKEN, PUBLIC_BASE_URL


def _twilio_rules(app: Flask) -> list[Rule]:
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/twilio")]
    assert rules, "no routes under /twilio: the enumeration found nothing to check"
    return rules


def _path(rule: Rule) -> str:
    """The rule with a sample value in each variable (ids are looked up only after the check)."""

    def sample(match: re.Match[str]) -> str:
        return "1" if match.group("converter") == "int" else "x"

    return re.sub(r"<(?:(?P<converter>[^:<>]+):)?[^<>]+>", sample, rule.rule)


def _methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


#: A websocket route matches only an upgrade request (anything else is a 400 before any view),
#: so its signature check is reached, and must refuse, with the headers of a real upgrade.
UPGRADE = {
    "Upgrade": "websocket",
    "Connection": "Upgrade",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version": "13",
}


def _headers(rule: Rule, signature: dict[str, str]) -> dict[str, str]:
    return {**UPGRADE, **signature} if rule.websocket else signature


def test_the_enumeration_sees_the_known_webhooks(app: Flask) -> None:
    paths = {rule.rule for rule in _twilio_rules(app)}
    known = {"/twilio/sms", "/twilio/voice", "/twilio/voice/recording", "/twilio/voice/stream"}
    assert known <= paths


@pytest.mark.parametrize("signature", [None, "", "bm90LWEtc2lnbmF0dXJl", "wrong"])
def test_every_twilio_route_refuses_a_missing_or_wrong_signature(
    app: Flask, signature: str | None
) -> None:
    client = app.test_client()
    headers = {} if signature is None else {"X-Twilio-Signature": signature}
    params = {"CallSid": "CA" + "0" * 32, "MessageSid": "SM" + "0" * 32, "From": "+8210"}
    for rule in _twilio_rules(app):
        path = _path(rule)
        for method in _methods(rule):
            data = params if method != "GET" else None
            response = client.open(path, method=method, data=data, headers=_headers(rule, headers))
            assert response.status_code == 403, f"{method} {path} answered {response.status_code}"
            response.close()


def test_a_signature_for_another_token_is_refused_everywhere(app: Flask) -> None:
    client = app.test_client()
    params = {"CallSid": "CA" + "0" * 32}
    for rule in _twilio_rules(app):
        path = _path(rule)
        for method in _methods(rule):
            body = params if method != "GET" else {}
            forged = sign(f"{PUBLIC_BASE_URL}{path}", body, AUTH_TOKEN + "-not-ours")
            response = client.open(
                path,
                method=method,
                data=body or None,
                headers=_headers(rule, {"X-Twilio-Signature": forged}),
            )
            assert response.status_code == 403, f"{method} {path} answered {response.status_code}"
            response.close()
