"""Request bodies are capped per route: a larger one is refused with 413 before it is parsed or
stored, whether it declares its length or streams it in chunks."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlencode

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from relay.body_limits import DEFAULT_LIMIT, route_limit
from relay.services import services
from relay.twilio.security import sign
from tests.relay.agent_helpers import csrf_from, sign_in
from tests.support.app_fixtures import AUTH_TOKEN, PUBLIC_BASE_URL, Webhooks, create_user
from tests.support.voice_seed import seed_voice_message, seg
from transcripts.models import Message, WebhookReceipt

TEN_MB = 10 * 1024 * 1024


def _stored(app: Flask) -> tuple[int, int]:
    """(messages, raw webhook receipts) in the record."""
    with services(app).sessions() as session:
        messages = session.scalar(select(func.count(Message.id))) or 0
        receipts = session.scalar(select(func.count(WebhookReceipt.id))) or 0
        return messages, receipts


def _chunked_post(client: FlaskClient, path: str, body: bytes, headers: dict[str, str]) -> Any:
    """A POST whose body streams with Transfer-Encoding: chunked and no Content-Length, as a WSGI
    server that de-chunks hands it to the app (`wsgi.input_terminated`)."""
    return client.post(
        path,
        input_stream=io.BytesIO(body),
        headers={
            "Transfer-Encoding": "chunked",
            "Content-Type": "application/x-www-form-urlencoded",
            **headers,
        },
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_a_signed_10_mb_sms_is_refused_and_nothing_is_stored(
    app: Flask, webhooks: Webhooks
) -> None:
    response = webhooks.sms("A" * TEN_MB)
    assert response.status_code == 413
    assert "larger than" in response.get_json()["error"]
    assert _stored(app) == (0, 0)


def test_the_longest_honest_sms_still_arrives_whole(app: Flask, webhooks: Webhooks) -> None:
    body = "👋" * 1600  # Twilio's limit, each character the longest to percent-encode
    assert webhooks.sms(body).status_code == 200
    with services(app).sessions() as session:
        assert session.scalars(select(Message.original_text)).one() == body


def test_a_chunked_sms_without_length_is_capped_too(app: Flask, webhooks: Webhooks) -> None:
    params = webhooks.sms_params("B" * (64 * 1024))
    signature = sign(f"{PUBLIC_BASE_URL}/twilio/sms", params, AUTH_TOKEN)
    body = urlencode(params).encode()
    response = _chunked_post(
        webhooks.client, "/twilio/sms", body, {"X-Twilio-Signature": signature}
    )
    assert response.status_code == 413
    assert "error" in response.get_json()
    assert _stored(app) == (0, 0)


def test_a_chunked_sms_within_the_cap_is_read_whole(app: Flask, webhooks: Webhooks) -> None:
    """Werkzeug alone would stop reading a stream at the cap; within it nothing is cut."""
    params = webhooks.sms_params("Hello from a chunked request " * 100)
    signature = sign(f"{PUBLIC_BASE_URL}/twilio/sms", params, AUTH_TOKEN)
    body = urlencode(params).encode()
    response = _chunked_post(
        webhooks.client, "/twilio/sms", body, {"X-Twilio-Signature": signature}
    )
    assert response.status_code == 200
    with services(app).sessions() as session:
        assert session.scalars(select(Message.original_text)).one() == params["Body"]


def test_an_api_body_over_the_cap_is_refused_in_json_even_where_the_view_reads_none(
    app: Flask,
) -> None:
    token = create_user(app, "api-agent")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    big = {"text": "가" * (64 * 1024)}
    preview = client.post("/api/conversations/1/replies/preview", json=big, headers=headers)
    retry = client.post("/api/messages/1/retry", data=b"x" * (65 * 1024), headers=headers)
    for response in (preview, retry):
        assert response.status_code == 413
        assert response.is_json and "larger than" in response.get_json()["error"]


def test_a_staff_form_over_the_cap_is_refused_in_korean(app: Flask) -> None:
    client = sign_in(app, "kim")
    token = csrf_from(client.get("/agent/").get_data(as_text=True))
    response: TestResponse = client.post(
        "/agent/conversations/1/escalate",
        data={"csrf_token": token, "note": "x" * DEFAULT_LIMIT},
    )
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert "요청 내용이 너무 큽니다" in response.get_data(as_text=True)
    signed_out = app.test_client().post("/login", data={"password": "p" * TEN_MB})
    assert signed_out.status_code == 413


def test_an_admin_correction_of_full_length_fits_its_cap(app: Flask) -> None:
    """The correction use case takes 5,000 characters; Korean percent-encodes to 9 bytes each."""
    cid, mid = seed_voice_message(services(app).sessions, [seg(0.0, 2.0, "Hello", "안녕하세요")])
    admin = sign_in(app, "chief", "admin")
    token = csrf_from(admin.get(f"/agent/conversations/{cid}").get_data(as_text=True))
    response = admin.post(
        f"/admin/messages/{mid}/segments/0/correct",
        data={"csrf_token": token, "text": "Hello " * 833, "korean": "안" * 5000},
    )
    assert response.status_code == 303


def test_a_configured_max_content_length_lowers_every_cap(app_factory: Any) -> None:
    app = app_factory(MAX_CONTENT_LENGTH=1000)
    with app.test_request_context():
        assert route_limit("/twilio/sms") == 1000
        assert route_limit("/admin/conversations/export") == 1000
