"""Fixtures for app-level tests: a real app on a real SQLite file, signed Twilio webhooks,
a recording HTTP client for the real twilio library, and a way to run queued jobs."""

from __future__ import annotations

import json
import logging
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from twilio.http import HttpClient
from twilio.http.response import Response as TwilioResponse
from werkzeug.test import TestResponse

from languages.model_store import ModelsLayout
from relay import create_app
from relay.job_queue import run_pending
from relay.services import services
from relay.twilio.security import sign
from tests.support import modelkit

PUBLIC_BASE_URL = "https://relay.example.org"
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
CENTRE_NUMBER = "+8215880120"
ACCOUNT_SID = "AC" + "1" * 32


@dataclass
class RecordingHttpClient(HttpClient):  # type: ignore[misc]
    """Stands in for twilio's HTTP transport: records each request, answers like Twilio's API."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    fail_with: tuple[int, dict[str, Any]] | None = None
    last_request: Any = None
    last_response: Any = None

    def __post_init__(self) -> None:
        super().__init__(logger=logging.getLogger("twilio.http_client"), is_async=False)

    def request(
        self,
        method: str,
        url: str,
        params: Any = None,
        data: Any = None,
        headers: Any = None,
        auth: Any = None,
        timeout: Any = None,
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        self.requests.append({"method": method, "url": url, "data": dict(data or {}), "auth": auth})
        if self.fail_with is not None:
            status, body = self.fail_with
            return TwilioResponse(status, json.dumps(body))
        sid = "SM" + secrets.token_hex(16)
        body = {
            "sid": sid,
            "status": "queued",
            "to": (data or {}).get("To"),
            "from": (data or {}).get("From"),
            "body": (data or {}).get("Body"),
            "account_sid": ACCOUNT_SID,
        }
        return TwilioResponse(201, json.dumps(body))


@dataclass
class Webhooks:
    """Posts Twilio webhooks to the app, signed as Twilio signs them (or not, on purpose)."""

    client: FlaskClient
    token: str = AUTH_TOKEN

    def post(
        self, path: str, params: dict[str, str], *, signature: str | None = None
    ) -> TestResponse:
        if signature is None:
            signature = sign(f"{PUBLIC_BASE_URL}{path}", params, self.token)
        headers = {"X-Twilio-Signature": signature} if signature else {}
        return self.client.post(path, data=params, headers=headers)

    def sms_params(
        self,
        body: str | None,
        *,
        from_number: str = "+821012345678",
        sid: str | None = None,
        to: str = CENTRE_NUMBER,
        **extra: str,
    ) -> dict[str, str]:
        sid = sid or "SM" + secrets.token_hex(16)
        params = {
            "MessageSid": sid,
            "SmsSid": sid,
            "AccountSid": ACCOUNT_SID,
            "From": from_number,
            "To": to,
            "NumMedia": "0",
            **extra,
        }
        if body is not None:
            params["Body"] = body
        return params

    def sms(self, body: str | None, **kwargs: str) -> TestResponse:
        return self.post("/twilio/sms", self.sms_params(body, **kwargs))


def _app_config(tmp_path: Path, template: Path, models_path: Path, **extra: Any) -> dict[str, Any]:
    # Each app its own copy: copying the template over a file another app of the same test
    # still has open (with its WAL beside it) would pull the database from under that app.
    db = tmp_path / "relay.db"
    copies = 1
    while db.exists():
        copies += 1
        db = tmp_path / f"relay-{copies}.db"
    shutil.copyfile(template, db)
    # As `make run` sets them: without an account a test app holds its replies in the outbox
    # (recorded as held, never sent) and shows the development pages; an app given an account
    # (twilio_app) sends through the recording client, with the development pages off.
    development = "TWILIO_ACCOUNT_SID" not in extra
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": f"sqlite:///{db}",
        "QUEUE_URL": "memory://",
        "MODELS_PATH": str(models_path),
        "TRANSLATION_BEAM_SIZE": modelkit.DECODING_BEAM,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_NUMBER": CENTRE_NUMBER,
        # The tests' stand-in for Twilio's media host (tests/support/recording_server.py).
        "VOICE_RECORDING_HOSTS": ["127.0.0.1"],
        # Off, so each test's thread holds only what it sends; test_sms_acknowledgement.py and
        # the `flask run` system test cover the default (on).
        "SMS_ACKNOWLEDGEMENT": False,
        "OUTBOX": development,
        "DEV_PAGES": development,
        # Off, so the voice tests drive the recorded-message path; tests/relay/test_live_calls.py
        # turns it on (the default) for live calls.
        "VOICE_LIVE": False,
        **extra,
    }


@pytest.fixture
def app_factory(tmp_path: Path, migrated_template: Path, relay_models_path: Path) -> Iterator[Any]:
    """Build apps on a fresh copy of the migrated database; extra settings as keyword arguments."""
    built: list[Flask] = []

    def build(**extra: Any) -> Flask:
        app = create_app(_app_config(tmp_path, migrated_template, relay_models_path, **extra))
        built.append(app)
        return app

    yield build
    for app in built:
        services(app).engine.dispose()


@pytest.fixture
def app(app_factory: Any) -> Flask:
    """An app with no Twilio account and the outbox chosen: replies are held, never sent."""
    return app_factory()  # type: ignore[no-any-return]


@pytest.fixture
def twilio_http() -> RecordingHttpClient:
    return RecordingHttpClient()


@pytest.fixture
def twilio_app(app_factory: Any, twilio_http: RecordingHttpClient) -> Flask:
    """An app with a Twilio account whose REST calls land in `twilio_http`."""
    return app_factory(  # type: ignore[no-any-return]
        TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_HTTP_CLIENT=twilio_http
    )


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def webhooks(client: FlaskClient) -> Webhooks:
    return Webhooks(client)


def drain(app: Flask) -> int:
    """Run every queued job of `app` now, in this thread."""
    return run_pending(services(app).huey)


def run_retries(app: Flask, limit: int = 100) -> int:
    """Run every retry Huey has scheduled for `app`, now, and the retries those schedule in
    turn, until none is left: what its scheduler does as each delay passes. Returns how many
    ran. A send's retry comes 30 s after a try, past the send lease (20 s) that keeps two
    workers from texting twice: a test calling this shortens the lease instead of waiting."""
    huey = services(app).huey
    ran = 0
    while ran < limit and (due := huey.read_schedule(datetime.max)):
        for task in due:
            huey.execute(task, task.eta)  # as at the moment it falls due
            ran += 1
    return ran


def create_user(
    app: Flask,
    name: str = "agent1",
    role: str = "agent",
    password: str = "correct horse battery",  # noqa: S107 - a test account
) -> str:
    """Create a user and return an API token for them."""
    from relay.auth import hash_password
    from transcripts.models import Role

    svc = services(app)
    svc.record.accounts.create(name, Role(role), hash_password(password))
    return svc.record.accounts.issue_token(name)


@pytest.fixture
def agent_token(app: Flask) -> str:
    return create_user(app)


@pytest.fixture
def auth_headers(agent_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {agent_token}"}


@pytest.fixture(scope="session")
def relay_models_path(
    session_models: ModelsLayout, argos_models_dir: Path, m2m_model_dir: Path
) -> Path:
    """The session's models folder with the tiny Argos and M2M models installed; every app in
    the session shares it, because argostranslate serves one folder per process."""
    return session_models.root
