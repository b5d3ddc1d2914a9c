"""Who may act on a conversation is one rule, the same for the API and the pages: the agent
who claimed it, or an admin. Before it was one rule, the API let any agent reply to a waiting
conversation, retry messages in another agent's thread and close one nobody held."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from relay.services import services
from tests.relay.agent_helpers import post_form, sign_in
from tests.support.app_fixtures import Webhooks, create_user, drain
from transcripts.models import Conversation, ConversationStatus, Event, Message, MessageStatus


def _bearer(app: Flask, name: str, role: str = "agent") -> dict[str, str]:
    return {"Authorization": f"Bearer {create_user(app, name, role)}"}


def _waiting(app: Flask, phone: str = "+821012345678") -> tuple[int, int]:
    """A resident's text, translated: its conversation and message ids."""
    Webhooks(app.test_client()).sms("I lost my wallet on the bus.", From=phone)
    drain(app)
    with services(app).sessions() as session:
        message = session.scalars(
            select(Message).where(Message.from_number == phone).order_by(Message.id)
        ).first()
        assert message is not None
        return message.conversation_id, message.id


def _failed(app: Flask, message_id: int) -> None:
    with services(app).sessions() as session, session.begin():
        message = session.get(Message, message_id)
        assert message is not None
        message.status = MessageStatus.FAILED
        message.status_reason = "the model was missing"


def _acts(client: FlaskClient, headers: dict[str, str], cid: int, mid: int) -> dict[str, int]:
    """Every API action on a conversation, with the status each answered."""
    base = f"/api/conversations/{cid}"
    return {
        "reply": client.post(f"{base}/replies", json={"text": "네"}, headers=headers).status_code,
        "escalate": client.post(f"{base}/escalate", headers=headers).status_code,
        "retry": client.post(f"/api/messages/{mid}/retry", headers=headers).status_code,
        "close": client.post(f"{base}/close", json={}, headers=headers).status_code,
    }


def test_the_api_refuses_every_action_on_a_waiting_conversation_until_it_is_claimed(
    app: Flask,
) -> None:
    cid, mid = _waiting(app)
    _failed(app, mid)
    client, kim = app.test_client(), _bearer(app, "kim")
    refused = _acts(client, kim, cid, mid)
    assert refused == {"reply": 409, "escalate": 409, "retry": 409, "close": 409}
    answer = client.post(f"/api/conversations/{cid}/replies", json={"text": "네"}, headers=kim)
    assert "claim" in answer.get_json()["detail"]  # "error" is in Korean
    with services(app).sessions() as session:
        assert session.scalars(select(Message).where(Message.direction == "outbound")).all() == []
        conversation = session.get(Conversation, cid)
        assert conversation is not None and conversation.status is ConversationStatus.OPEN

    claimed = client.post(f"/api/conversations/{cid}/claim", headers=kim)
    assert claimed.status_code == 200 and claimed.get_json()["claimed_by_id"] is not None
    assert _acts(client, kim, cid, mid) == {
        "reply": 202,
        "escalate": 200,
        "retry": 202,
        "close": 200,
    }


def test_the_api_refuses_actions_in_another_agents_conversation_and_names_the_holder(
    app: Flask,
) -> None:
    cid, mid = _waiting(app)
    _failed(app, mid)
    client = app.test_client()
    kim, lee = _bearer(app, "kim"), _bearer(app, "lee")
    assert client.post(f"/api/conversations/{cid}/claim", headers=kim).status_code == 200
    lost = client.post(f"/api/conversations/{cid}/claim", headers=lee)
    assert lost.status_code == 409 and "kim" in lost.get_json()["error"]
    assert _acts(client, lee, cid, mid) == {
        "reply": 409,
        "escalate": 409,
        "retry": 409,
        "close": 409,
    }
    transfer = client.post(
        f"/api/conversations/{cid}/transfer", json={"to_user_id": 1}, headers=lee
    )
    assert transfer.status_code == 409
    with services(app).sessions() as session:
        message = session.get(Message, mid)
        assert message is not None and message.status is MessageStatus.FAILED


def test_an_admin_acts_on_any_conversation_and_the_api_transfers(app: Flask) -> None:
    cid, _mid = _waiting(app)
    client = app.test_client()
    kim = _bearer(app, "kim")
    boss = _bearer(app, "boss", "admin")
    assert client.post(f"/api/conversations/{cid}/claim", headers=kim).status_code == 200
    lee_token = create_user(app, "lee")
    with services(app).sessions() as session:
        from transcripts.models import User

        lee_id = session.scalar(select(User.id).where(User.username == "lee"))
    moved = client.post(
        f"/api/conversations/{cid}/transfer", json={"to_user_id": lee_id}, headers=kim
    )
    assert moved.status_code == 200 and moved.get_json()["claimed_by_id"] == lee_id
    lee = {"Authorization": f"Bearer {lee_token}"}
    sent = client.post(f"/api/conversations/{cid}/replies", json={"text": "네"}, headers=lee)
    assert sent.status_code == 202
    bad = client.post(f"/api/conversations/{cid}/transfer", json={"to_user_id": "x"}, headers=lee)
    assert bad.status_code == 400 and "to_user_id" in bad.get_json()["error"]
    closed = client.post(
        f"/api/conversations/{cid}/close", json={"disposition": "transferred"}, headers=boss
    )
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    again = client.post(f"/api/conversations/{cid}/close", json={}, headers=boss)
    assert again.status_code == 409
    missing = client.post("/api/conversations/999999/close", json={}, headers=boss)
    assert missing.status_code == 404 and "not found" in missing.get_json()["detail"]


def test_the_pages_answer_a_refusal_in_korean_on_the_thread(app: Flask) -> None:
    cid, _mid = _waiting(app)
    kim = sign_in(app, "kim")
    thread = f"/agent/conversations/{cid}"
    refused: Any = post_form(kim, thread, f"{thread}/escalate")
    assert refused.status_code == 303 and refused.location.endswith(thread)
    page = kim.get(thread).get_data(as_text=True)
    assert "먼저 이 대화를 맡아 주세요." in page
    with services(app).sessions() as session:
        kinds = session.scalars(select(Event.kind).where(Event.conversation_id == cid)).all()
        assert "conversation.escalated" not in kinds
