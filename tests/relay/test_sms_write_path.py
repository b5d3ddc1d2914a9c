"""What an inbound SMS costs the record: one short write transaction, none for a redelivery.

On the embedded default every writer takes turns on SQLite's one write lock, so the webhook's
acknowledgement time under load is set by how long and how often it holds that lock. These
tests count what reaches the database, through the real engine, for real webhooks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import event, select

from relay.services import services
from tests.support.app_fixtures import Webhooks
from transcripts.db import utcnow
from transcripts.models import Contact, Event, Message, MessageStatus


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app's engine sends while the block runs."""
    seen: list[str] = []
    engine = services(app).engine

    def keep(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def writes_in(seen: list[str]) -> list[str]:
    return [s for s in seen if s.split(" ", 1)[0] in ("INSERT", "UPDATE", "DELETE")]


def test_a_redelivered_sms_is_answered_without_taking_the_write_lock(
    app: Flask, webhooks: Webhooks
) -> None:
    params = webhooks.sms_params("Where is the district office?")
    assert webhooks.post("/twilio/sms", params).status_code == 200
    with statements(app) as seen:
        assert webhooks.post("/twilio/sms", params).status_code == 200
    assert "BEGIN IMMEDIATE" not in seen
    assert writes_in(seen) == []
    with services(app).sessions() as session:
        assert len(session.scalars(select(Message.id)).all()) == 1


def test_a_first_sms_is_one_transaction_of_few_statements(app: Flask, webhooks: Webhooks) -> None:
    with statements(app) as seen:
        assert webhooks.sms("I lost my wallet on the bus.").status_code == 200
    assert seen.count("BEGIN IMMEDIATE") == 1
    transaction = seen[seen.index("BEGIN IMMEDIATE") + 1 :]
    # receipt, contact (look up, create), conversation (look up, create), message, its events
    assert len(transaction) <= 7
    assert not any(s.startswith("SAVEPOINT") for s in seen)


def test_a_text_in_an_open_conversation_moves_it_up_in_one_update(
    app: Flask, webhooks: Webhooks
) -> None:
    webhooks.sms("First text")
    with statements(app) as seen:
        webhooks.sms("Second text")
    updates = [s for s in writes_in(seen) if s.startswith("UPDATE")]
    assert len(updates) == 1 and updates[0].startswith("UPDATE conversations")
    with services(app).sessions() as session:
        [conversation_id] = set(session.scalars(select(Message.conversation_id)).all())
        kinds = session.scalars(
            select(Event.kind).where(Event.conversation_id == conversation_id).order_by(Event.id)
        ).all()
    assert kinds == ["conversation.opened", "message.received", "message.received"]


def test_a_blocked_contacts_text_is_held_in_the_same_transaction(
    app: Flask, webhooks: Webhooks
) -> None:
    webhooks.sms("First text")
    with services(app).sessions() as session, session.begin():
        contact = session.scalars(select(Contact)).one()
        contact.blocked_until = utcnow() + timedelta(days=1)
    with statements(app) as seen:
        webhooks.sms("Another text")
    assert seen.count("BEGIN IMMEDIATE") == 1
    assert services(app).huey.pending_count() == 1  # only the first text's translation
    with services(app).sessions() as session:
        held = session.scalars(select(Message).order_by(Message.id.desc())).first()
        assert held is not None and held.status is MessageStatus.BLOCKED
        kinds = session.scalars(
            select(Event.kind).where(Event.message_id == held.id).order_by(Event.id)
        ).all()
    assert kinds == ["message.received", "message.blocked"]
