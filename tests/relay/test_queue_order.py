"""The waiting queue is ordered by each resident's oldest unanswered message: writing "hello?"
again keeps a resident's place, and an agent's answer is what ends the wait."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from relay.services import services
from tests.relay.agent_helpers import post_form, sign_in
from tests.support.app_fixtures import Webhooks, drain
from transcripts.db import utcnow
from transcripts.models import Author, Conversation, Message

FIRST, SECOND = "+821055501111", "+821055502222"


def _text(app: Flask, phone: str, body: str) -> int:
    assert Webhooks(app.test_client()).sms(body, from_number=phone).status_code == 200
    drain(app)
    with services(app).sessions() as session:
        message = session.scalars(select(Message).order_by(Message.id.desc())).first()
        assert message is not None
        return message.conversation_id


def _age(app: Flask, conversation_id: int, minutes: int) -> None:
    """Move a conversation's messages and wait back in time, as if sent `minutes` ago."""
    with services(app).sessions() as session, session.begin():
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        then = utcnow() - timedelta(minutes=minutes)
        conversation.awaiting_since = conversation.last_message_at = then
        for message in session.scalars(
            select(Message).where(Message.conversation_id == conversation_id)
        ):
            message.created_at = then


def _queue_order(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-conversation="(\d+)"', page)]


def test_writing_again_keeps_the_residents_place(app: Flask) -> None:
    first = _text(app, FIRST, "Hello, I need help with my visa.")
    _age(app, first, 10)
    second = _text(app, SECOND, "Where do I pay a fine?")
    _age(app, second, 5)
    _text(app, FIRST, "hello?")  # the first resident again: still first
    agent = sign_in(app, "kim")
    page = agent.get("/agent/").get_data(as_text=True)
    order = [c for c in dict.fromkeys(_queue_order(page)) if c in (first, second)]
    assert order == [first, second]
    with services(app).sessions() as session:
        conversation = session.get(Conversation, first)
        assert conversation is not None and conversation.awaiting_since is not None
        # the wait shown is the oldest unanswered message's, ten minutes, not the latest's
        assert utcnow() - conversation.awaiting_since >= timedelta(minutes=9)
        assert f'data-since="{conversation.awaiting_since.isoformat()}"' in page


@pytest.mark.parametrize(
    ("action", "data", "ends_wait"),
    [
        ("phrasebook", {"entry_id": "courtesy.greeting"}, True),  # a person's answer
        ("abuse", {"block_hours": "0"}, False),  # a warning is not an answer
    ],
)
def test_only_a_persons_answer_ends_the_wait(
    app: Flask, action: str, data: dict[str, str], ends_wait: bool
) -> None:
    cid = _text(app, FIRST, "Hello, I need help with my visa.")
    with services(app).sessions() as session:
        conversation = session.get(Conversation, cid)
        assert conversation is not None and conversation.awaiting_since is not None
    url = f"/agent/conversations/{cid}"
    kim = sign_in(app, "kim")
    assert post_form(kim, "/agent/", f"{url}/claim").status_code == 303
    assert post_form(kim, url, f"{url}/{action}", **data).status_code == 303
    drain(app)
    with services(app).sessions() as session:
        conversation = session.get(Conversation, cid)
        assert conversation is not None
        assert (conversation.awaiting_since is None) is ends_wait
        authors = set(session.scalars(select(Message.author).where(Message.conversation_id == cid)))
        assert (Author.PHRASEBOOK in authors) is ends_wait
