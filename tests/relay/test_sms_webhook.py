"""POST /twilio/sms: signatures, storage before anything else, deduplication, bad input."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from relay.services import services
from tests.support.app_fixtures import AUTH_TOKEN, PUBLIC_BASE_URL, Webhooks
from transcripts.models import Message, MessageStatus, WebhookReceipt


def stored_messages(app: Flask) -> list[Message]:
    with services(app).sessions() as session:
        return list(session.scalars(select(Message).order_by(Message.id)).all())


def receipts(app: Flask) -> int:
    with services(app).sessions() as session:
        return session.scalar(select(func.count(WebhookReceipt.id))) or 0


def test_signed_sms_is_stored_acknowledged_with_twiml_and_enqueued(
    app: Flask, webhooks: Webhooks
) -> None:
    response = webhooks.sms("Hello, when does the district office open?")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert response.get_data(as_text=True).strip().endswith("<Response />")
    [message] = stored_messages(app)
    assert message.original_text == "Hello, when does the district office open?"
    assert message.status is MessageStatus.RECEIVED
    assert services(app).huey.pending_count() == 1


def test_missing_signature_is_refused_and_nothing_stored(app: Flask, client: FlaskClient) -> None:
    response = client.post("/twilio/sms", data={"MessageSid": "SM1", "From": "+8210", "Body": "x"})
    assert response.status_code == 403
    assert stored_messages(app) == []


def test_wrong_token_signature_is_refused(app: Flask, client: FlaskClient) -> None:
    forged = Webhooks(client, token="not-the-token")
    assert forged.sms("Hello").status_code == 403
    assert stored_messages(app) == []


def test_signature_replayed_with_altered_body_is_refused(app: Flask, webhooks: Webhooks) -> None:
    params = webhooks.sms_params("Original text")
    from relay.twilio.security import sign

    signature = sign(f"{PUBLIC_BASE_URL}/twilio/sms", params, AUTH_TOKEN)
    tampered = {**params, "Body": "Send money to this account"}
    assert webhooks.post("/twilio/sms", tampered, signature=signature).status_code == 403
    assert webhooks.post("/twilio/sms", params, signature=signature).status_code == 200
    assert [m.original_text for m in stored_messages(app)] == ["Original text"]


def test_signature_for_the_internal_url_is_refused(app: Flask, webhooks: Webhooks) -> None:
    """Behind a proxy Twilio signs the public URL; a signature over another URL must fail."""
    params = webhooks.sms_params("Hello")
    from relay.twilio.security import sign

    signature = sign("http://localhost/twilio/sms", params, AUTH_TOKEN)
    assert webhooks.post("/twilio/sms", params, signature=signature).status_code == 403


def test_redelivered_message_sid_is_stored_once(app: Flask, webhooks: Webhooks) -> None:
    params = webhooks.sms_params("Hello again")
    assert webhooks.post("/twilio/sms", params).status_code == 200
    assert webhooks.post("/twilio/sms", params).status_code == 200
    assert len(stored_messages(app)) == 1
    assert services(app).huey.pending_count() == 1


def test_missing_body_is_stored_as_empty_and_not_enqueued(app: Flask, webhooks: Webhooks) -> None:
    assert webhooks.sms(None).status_code == 200
    assert webhooks.sms("").status_code == 200
    messages = stored_messages(app)
    assert [m.status for m in messages] == [MessageStatus.EMPTY, MessageStatus.EMPTY]
    assert all(m.status_reason for m in messages)
    assert services(app).huey.pending_count() == 0


def test_missing_from_is_a_clear_error_and_the_payload_is_kept(
    app: Flask, webhooks: Webhooks
) -> None:
    params = webhooks.sms_params("Hello")
    del params["From"]
    response = webhooks.post("/twilio/sms", params)
    assert response.status_code == 400
    assert "From" in response.get_json()["error"]
    assert stored_messages(app) == []
    assert receipts(app) == 1  # the raw payload is kept for review


def test_missing_message_sid_is_a_clear_error_and_kept(app: Flask, webhooks: Webhooks) -> None:
    params = webhooks.sms_params("Hello")
    del params["MessageSid"], params["SmsSid"]
    response = webhooks.post("/twilio/sms", params)
    assert response.status_code == 400
    assert receipts(app) == 1


def test_long_body_with_emoji_and_mixed_scripts_is_stored_whole(
    app: Flask, webhooks: Webhooks
) -> None:
    body = ("Xin chào 👋 我的外国人登录证丢了 ありがとう Сайн байна уу " * 120)[:5000]
    assert len(body) == 5000
    assert webhooks.sms(body).status_code == 200
    [message] = stored_messages(app)
    assert message.original_text == body


def test_odd_phone_formats_reach_one_conversation(app: Flask, webhooks: Webhooks) -> None:
    for number in ("+821012345678", "010-1234-5678", "+82 10 1234 5678"):
        assert webhooks.sms("Hello", from_number=number).status_code == 200
    messages = stored_messages(app)
    assert {m.conversation_id for m in messages} == {messages[0].conversation_id}
    assert {m.from_number for m in messages} == {"+821012345678"}


def test_unknown_to_number_is_accepted_and_flagged(app: Flask, webhooks: Webhooks) -> None:
    assert webhooks.sms("Hello", to="+821099990000").status_code == 200
    [message] = stored_messages(app)
    assert message.flag is not None and "+821099990000" in message.flag


def test_media_attachments_are_noted(app: Flask, webhooks: Webhooks) -> None:
    assert webhooks.sms("photo", NumMedia="2").status_code == 200
    [message] = stored_messages(app)
    assert message.flag is not None and "2 media" in message.flag


def test_malformed_form_body_is_refused_without_a_crash(app: Flask, client: FlaskClient) -> None:
    response = client.post(
        "/twilio/sms",
        data=b"\xff\xfe%%%&&&=\x00",
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": "bm90LWEtc2lnbmF0dXJl"},
    )
    assert response.status_code == 403
    assert stored_messages(app) == []


def test_json_instead_of_a_form_is_refused(app: Flask, client: FlaskClient) -> None:
    response = client.post(
        "/twilio/sms", json={"Body": "hi"}, headers={"X-Twilio-Signature": "abc"}
    )
    assert response.status_code == 403


def test_a_media_count_that_is_not_a_number_is_stored_without_a_note(
    app: Flask, webhooks: Webhooks
) -> None:
    assert webhooks.sms("Hello", NumMedia="²").status_code == 200  # "²".isdigit() is True
    [message] = stored_messages(app)
    assert message.original_text == "Hello" and message.flag is None
