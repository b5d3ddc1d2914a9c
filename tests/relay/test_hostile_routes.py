"""Every route, walked from the app's URL map with hostile values in each path parameter, query
argument, form field and JSON field its view reads: no answer is a 500, none shows a traceback,
and every error under /api is a JSON object with an `error`.

Which arguments a view reads is found by asking it: the walk sends a request, notes every key the
view looked up (in `request.args`, `request.form` and the JSON object), and sends again with
plausible values for those keys until no new key turns up. Then each key, and each path
parameter, gets every hostile value in turn while the others stay plausible, signed in (with a
valid CSRF token) or signed as Twilio signs, so each request reaches its view.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import pytest
from flask import Flask, current_app
from flask.testing import FlaskClient
from sqlalchemy import select
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from relay.services import services
from tests.relay.agent_helpers import csrf_from, sign_in
from tests.support.app_fixtures import AUTH_TOKEN, PUBLIC_BASE_URL, create_user
from tests.support.voice_seed import seed_voice_message, seg
from transcripts.models import User

pytestmark = pytest.mark.slow

# Hostile values as they travel in a path, a query string or a form body (percent-encoded).
HOSTILE_WIRE = {
    "huge integer": "9" * 40,
    "2^63": str(2**63),
    "negative": "-7",
    "huge negative": "-" + "9" * 40,
    "non-digits": "abc",
    "superscript two": "%C2%B2",  # str.isdigit() says yes, int() says no
    "full-width one": "%EF%BC%91",
    "10,000 characters": "x" * 10_000,
    "NUL byte": "a%00b",
    "invalid UTF-8": "%FF%FE%C0%AF",
    "lone surrogate": "%ED%A0%80",
    "0000-00-00": "0000-00-00",
    "9999-99-99": "9999-99-99",
    "9999-12-31": "9999-12-31",
    "0001-01-01": "0001-01-01",
    "empty": "",
    "1e309": "1e309",
    "NaN": "nan",
}
# Hostile values for one field of a JSON object.
HOSTILE_JSON: dict[str, Any] = {
    "huge integer": 2**70,
    "negative": -1,
    "float": 1e308,
    "10,000 characters": "x" * 10_000,
    "NUL byte": "a\x00b",
    "lone surrogate": "\ud800",
    "array": [1, 2],
    "object": {"a": 1},
    "null": None,
    "true": True,
    "0000-00-00": "0000-00-00",
    "9999-99-99": "9999-99-99",
}
# Whole JSON bodies that are not the object a view expects.
HOSTILE_BODIES = {
    "array": b"[]",
    "array of objects": b'[{"text": "x"}]',
    "null": b"null",
    "number": b"123",
    "string": b'"text"',
    "cut short": b'{"text": ',
    "invalid UTF-8": b'{"text": "\xff\xfe"}',
    "lone surrogate": b'{"text": "\\ud800"}',
}
# What a well-meaning client would send for a key; anything else gets "1".
PLAUSIBLE_WIRE = {
    "page": "1",
    "q": "bus",
    "phone": "010",
    "language": "en",
    "channel": "sms",
    "status": "open",
    "interpreter": "1",
    "since": "2026-01-01",
    "until": "2026-01-31",
    "after": "1",
    "limit": "10",
    "offset": "0",
    "field": "translation",
    "text": "%EC%95%88%EB%85%95%ED%95%98%EC%84%B8%EC%9A%94",
    "korean": "%EC%95%88%EB%85%95%ED%95%98%EC%84%B8%EC%9A%94",
    "disposition": "resolved",
    "format": "csv",
    "masked": "1",
    "block_hours": "24",
    "body": "Hello",
    "say": "Hello",
    "next": "/agent/",
    "From": "%2B821012345678",
    "To": "%2B8215880120",
    "Body": "Hello",
    "Digits": "1",
    "RecordingStatus": "completed",
    "CallStatus": "completed",
    "MessageStatus": "delivered",
}
PLAUSIBLE_JSON: dict[str, Any] = {
    "text": "안녕하세요",
    "language": "en",
    "channel": "sms",
    "disposition": "resolved",
}
TRACEBACK_MARKS = (b"Traceback (most recent call last)", b'File "/', b"werkzeug.debug")
# Logging out would end the walk's own session; static files take no input.
SKIPPED_ENDPOINTS = {"static", "auth.logout"}
PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


class _SeenKeys(ImmutableMultiDict[str, str]):
    """`request.args` and `request.form` that note every key a view looks up."""

    def __getitem__(self, key: str) -> str:
        _note(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None, type: Any = None) -> Any:
        _note(key)
        return super().get(key, default, type)

    def getlist(self, key: str, type: Any = None) -> list[Any]:
        _note(key)
        return super().getlist(key, type)

    def __contains__(self, key: object) -> bool:
        _note(str(key))
        return super().__contains__(key)


class _SeenJson(dict[str, Any]):
    """A JSON object that notes every key a view looks up."""

    def __getitem__(self, key: str) -> Any:
        _note(key, json_key=True)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        _note(key, json_key=True)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        _note(str(key), json_key=True)
        return super().__contains__(key)


@dataclass
class Seen:
    """What the views of the request being sent looked up."""

    keys: set[str] = field(default_factory=set)
    json_keys: set[str] = field(default_factory=set)
    reads_json: bool = False


def _seen() -> Seen:
    found: Seen = current_app.extensions["hostile_walk"]
    return found


def _note(key: str, *, json_key: bool = False) -> None:
    (_seen().json_keys if json_key else _seen().keys).add(key)


def _watch_lookups(app: Flask) -> None:
    """Swap in a request class that reports the keys views look up (the app's own caps kept)."""
    base = app.request_class

    class WatchedRequest(base):  # type: ignore[misc, valid-type]
        parameter_storage_class = _SeenKeys

        def get_json(self, *args: Any, **kwargs: Any) -> Any:
            _seen().reads_json = True
            value = super().get_json(*args, **kwargs)
            return _SeenJson(value) if type(value) is dict else value

    app.request_class = WatchedRequest
    app.extensions["hostile_walk"] = Seen()


@dataclass
class Walk:
    """Sends requests for one signed-in client and collects what went wrong.

    Each request goes to a conversation seeded for it alone: a plausible close, block or
    transfer sent before must not stop a later request short of the code it is meant to reach.
    """

    app: Flask
    client: FlaskClient
    seed: Callable[[], dict[str, str]]
    problems: list[str] = field(default_factory=list)
    sent: int = 0

    def send(
        self,
        rule: Rule,
        method: str,
        reads: Seen,
        label: str,
        *,
        path: dict[str, str] | None = None,
        wire: dict[str, str] | None = None,
        json_fields: dict[str, Any] | None = None,
        raw_json: bytes | None = None,
    ) -> Seen:
        """One request: plausible values for what the view `reads`, the given ones over them.
        Returns what the view looked up; a failure is kept with `label`."""
        ids = {**self.seed(), "csrf_token": self.csrf}
        values = {name: ids.get(name, "1") for name in rule.arguments} | (path or {})
        url = PARAMETER.sub(lambda m: values[m.group(1)], rule.rule)
        fields = {k: ids.get(k, PLAUSIBLE_WIRE.get(k, "1")) for k in reads.keys | {"csrf_token"}}
        query = "&".join(f"{k}={v}" for k, v in (fields | (wire or {})).items())
        headers = {"X-CSRFToken": ids["csrf_token"]}
        seen = Seen()
        self.app.extensions["hostile_walk"] = seen
        if method == "GET":
            response = self.client.get(url, query_string=query, headers=headers)
        else:
            body, content_type = query.encode(), "application/x-www-form-urlencoded"
            if raw_json is not None or reads.reads_json:
                plausible = {"walk": 1} | {k: PLAUSIBLE_JSON.get(k, "1") for k in reads.json_keys}
                # "walk" keeps the object truthy, so `get_json() or {}` still hands it over.
                body = raw_json or json.dumps(plausible | (json_fields or {})).encode()
                content_type = "application/json"
            if rule.rule.startswith("/twilio/"):
                signed = body if content_type != "application/json" else b""
                headers["X-Twilio-Signature"] = _twilio_signature(url, query, signed)
            response = self.client.open(
                url,
                method=method,
                query_string=query,
                data=body,
                content_type=content_type,
                headers=headers,
            )
        self.sent += 1
        self._check(response, f"{method} {rule.rule} {label}")
        return seen

    @property
    def csrf(self) -> str:
        return csrf_from(self.client.get("/login").get_data(as_text=True))

    def _check(self, response: TestResponse, where: str) -> None:
        data = response.get_data()
        if response.status_code >= 500:
            self.problems.append(f"{where}: {response.status_code}")
        if any(mark in data for mark in TRACEBACK_MARKS):
            self.problems.append(f"{where}: the answer shows a traceback")
        api = (response.request.path or "").startswith("/api/")
        if api and response.status_code >= 400:
            payload = response.get_json(silent=True)
            if not isinstance(payload, dict) or not isinstance(payload.get("error"), str):
                self.problems.append(f"{where}: {response.status_code} is not a JSON error")


def _twilio_signature(url: str, query: str, body: bytes) -> str:
    """Sign as Twilio does: the public URL with its query, and the form as the app decodes it."""
    # The same decoding as Werkzeug's form parser: undecodable bytes stay percent-escaped.
    params = MultiDict(
        parse_qsl(body.decode(), keep_blank_values=True, errors="werkzeug.url_quote")
    )
    full = f"{PUBLIC_BASE_URL}{url}" + (f"?{query}" if query else "")
    return str(RequestValidator(AUTH_TOKEN).compute_signature(full, params))


def _rules(app: Flask, prefixes: tuple[str, ...]) -> Iterator[tuple[Rule, str]]:
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED_ENDPOINTS or not rule.rule.startswith(prefixes):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method


def _discover(walk: Walk, rule: Rule, method: str) -> Seen:
    """Send plausible requests until the view looks up no key it has not looked up before."""
    found = Seen()
    for _ in range(6):
        seen = walk.send(rule, method, found, "(plausible)")
        before = (len(found.keys), len(found.json_keys), found.reads_json)
        found.keys |= seen.keys
        found.json_keys |= seen.json_keys
        found.reads_json = found.reads_json or seen.reads_json
        if (len(found.keys), len(found.json_keys), found.reads_json) == before:
            break
    return found


def walk_routes(walk: Walk, prefixes: tuple[str, ...]) -> None:
    """Walk every route under `prefixes` with every hostile value."""
    for rule, method in _rules(walk.app, prefixes):
        reads = _discover(walk, rule, method)
        for label, value in HOSTILE_WIRE.items():
            for name in rule.arguments:
                walk.send(rule, method, reads, f"<{name}> = {label}", path={name: value})
            for key in reads.keys:
                walk.send(rule, method, reads, f"{key}={label}", wire={key: value})
        if not reads.reads_json:
            continue
        for label, value in HOSTILE_JSON.items():
            for key in reads.json_keys:
                walk.send(rule, method, reads, f'{{"{key}": {label}}}', json_fields={key: value})
        for label, raw in HOSTILE_BODIES.items():
            walk.send(rule, method, reads, f"body {label}", raw_json=raw)


def seeder(app: Flask) -> Callable[[], dict[str, str]]:
    """Makes, on each call, a voice conversation with a translated, segmented message from a new
    resident; returns the values the walk puts in paths and forms for it."""
    create_user(app, "other-agent")
    with services(app).sessions() as session:
        other = session.scalars(select(User.id).where(User.username == "other-agent")).one()
    residents = itertools.count(1)

    def seed() -> dict[str, str]:
        phone = f"+8210{next(residents):08d}"
        segments = [seg(0.0, 2.0, "Hello", "안녕하세요")]
        cid, mid = seed_voice_message(services(app).sessions, segments, phone=phone)
        return {
            "conversation_id": str(cid),
            "message_id": str(mid),
            "index": "0",
            "token": "x" * 22,
            "language": "en",
            "name": "greeting.wav",
            "to_user_id": str(other),
        }

    return seed


@pytest.fixture
def walked_app(app_factory: Any) -> Flask:
    # Errors become 500 answers (as in production) instead of exceptions, so the walk goes on.
    app: Flask = app_factory(
        PROPAGATE_EXCEPTIONS=False, AGENT_SSE_MAX_SECONDS=0.05, AGENT_SSE_POLL_SECONDS=0.01
    )
    _watch_lookups(app)
    return app


def _report(walk: Walk) -> str:
    shown = "\n".join(p[:300] for p in walk.problems)
    return f"{len(walk.problems)} of {walk.sent} requests went wrong:\n{shown}"


def test_no_route_answers_an_admin_with_a_500(walked_app: Flask) -> None:
    walk = Walk(walked_app, sign_in(walked_app, "chief", "admin"), seeder(walked_app))
    walk_routes(walk, ("/",))
    assert walk.sent > 1000  # the walk reached every route, not just the first
    assert not walk.problems, _report(walk)


def test_no_route_answers_an_agent_with_a_500(walked_app: Flask) -> None:
    walk = Walk(walked_app, sign_in(walked_app, "kim", "agent"), seeder(walked_app))
    walk_routes(walk, ("/agent/", "/api/", "/admin/", "/dev/"))
    assert not walk.problems, _report(walk)
