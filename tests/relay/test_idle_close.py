"""The hourly job closes an answered conversation the resident left, as configured; the
agent's own list lets it go. A reply held in the outbox answered nobody, so it closes nothing."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from relay.jobs import close_idle_conversations
from relay.services import services
from tests.relay.agent_helpers import post_form, sign_in
from tests.support.app_fixtures import Webhooks, drain
from transcripts.db import utcnow
from transcripts.models import Conversation, Message


def answer_and_wait(app: Flask) -> FlaskClient:
    """A resident's text, an agent's phrasebook answer, the jobs run; then 73 hours of silence.
    Returns the agent's signed-in client."""
    Webhooks(app.test_client()).sms("I lost my wallet on the bus.")
    drain(app)
    agent = sign_in(app, "kim")
    svc = services(app)
    with svc.sessions() as session:
        cid = session.query(Conversation.id).scalar()
    thread = f"/agent/conversations/{cid}"
    post_form(agent, thread, f"{thread}/claim")
    post_form(agent, thread, f"{thread}/phrasebook", entry_id="courtesy.closing")
    drain(app)
    assert "내가 맡은 상담" in agent.get("/agent/").get_data(as_text=True)

    assert close_idle_conversations(svc, 72) == 0  # answered just now
    then = utcnow() - timedelta(hours=73)
    with svc.sessions() as session, session.begin():
        session.execute(update(Message).values(created_at=then))
        session.execute(update(Conversation).values(last_message_at=then))
    return agent


def test_an_answered_silent_conversation_leaves_the_agents_list(twilio_app: Flask) -> None:
    assert twilio_app.config["IDLE_CLOSE_HOURS"] == 72
    agent = answer_and_wait(twilio_app)  # the answer was handed to Twilio
    svc = services(twilio_app)
    assert close_idle_conversations(svc, 0) == 0  # switched off
    assert close_idle_conversations(svc, 72) == 1
    assert "내가 맡은 상담" not in agent.get("/agent/").get_data(as_text=True)


def test_an_answer_held_in_the_outbox_closes_nothing(app: Flask) -> None:
    """The resident never got the answer (RELAY_OUTBOX sends nothing): still owed one."""
    agent = answer_and_wait(app)
    assert close_idle_conversations(services(app), 72) == 0
    assert "내가 맡은 상담" in agent.get("/agent/").get_data(as_text=True)
