"""Texts that arrive while the write lock is taken share the next turn on it (SQLite), and each
caller still gets its own outcome: stored once, a redelivery known, a blocked text held."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select

from transcripts.db import make_engine, make_session_factory, utcnow
from transcripts.inbound import InboundSms, Recorded
from transcripts.models import Contact, Conversation, Message, MessageStatus, WebhookReceipt
from transcripts.record import Record


@pytest.fixture
def sqlite_engine(tmp_path: Path, migrated_template: Path) -> Engine:
    path = tmp_path / "record.db"
    path.write_bytes(migrated_template.read_bytes())
    return make_engine(f"sqlite:///{path}")


def sms(number: int, *, sid: str | None = None, phone: str | None = None) -> InboundSms:
    return InboundSms(
        sid=sid or f"SM{number:032d}",
        from_number=phone or f"+8210{number:08d}",
        to_number="+8215880120",
        body=f"text {number}",
        payload={"Body": f"text {number}"},
    )


def transactions(engine: Engine) -> list[str]:
    begun: list[str] = []

    def keep(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement == "BEGIN IMMEDIATE":
            begun.append(statement)

    event.listen(engine, "before_cursor_execute", keep)
    return begun


def burst_while_the_lock_is_taken(record: Record, texts: list[InboundSms]) -> list[Any]:
    """Submit every text from a thread of its own while this thread holds the writer's turn;
    release it once all of them wait. Each thread's result or error, in order."""
    outcomes: list[Any] = [None] * len(texts)

    def one(index: int) -> None:
        try:
            outcomes[index] = record.inbound.record_sms(texts[index])
        except Exception as error:  # the assertions read it
            outcomes[index] = error

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(texts))]
    with record.uow.writer_turn():
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        while record.inbound.intake.waiting < len(texts) and time.monotonic() < deadline:
            time.sleep(0.01)
    for thread in threads:
        thread.join(10)
    return outcomes


def test_texts_that_wait_together_are_stored_in_one_transaction(sqlite_engine: Engine) -> None:
    record = Record.build(make_session_factory(sqlite_engine))
    begun = transactions(sqlite_engine)
    outcomes = burst_while_the_lock_is_taken(record, [sms(n) for n in range(24)])
    assert all(isinstance(o, Recorded) and not o.duplicate and o.needs_work for o in outcomes)
    assert len(begun) == 1
    with make_session_factory(sqlite_engine)() as session:
        assert session.scalar(select(func.count(Message.id))) == 24
        assert session.scalar(select(func.count(WebhookReceipt.id))) == 24
        assert session.scalar(select(func.count(Conversation.id))) == 24
    assert len({o.message_id for o in outcomes}) == 24


def test_a_redelivery_in_the_same_turn_is_known_and_the_others_are_kept(
    sqlite_engine: Engine,
) -> None:
    record = Record.build(make_session_factory(sqlite_engine))
    texts = [sms(n) for n in range(6)]
    texts.insert(3, sms(1))  # Twilio delivered text 1 twice, at the same moment
    outcomes = burst_while_the_lock_is_taken(record, texts)
    assert all(isinstance(o, Recorded) for o in outcomes)
    assert sum(o.duplicate for o in outcomes) == 1
    assert {o.message_id for o in outcomes if o.duplicate} <= {
        o.message_id for o in outcomes if not o.duplicate
    }
    with make_session_factory(sqlite_engine)() as session:
        assert session.scalar(select(func.count(Message.id))) == 6


def test_one_residents_texts_in_one_turn_share_their_conversation_and_a_block_holds(
    sqlite_engine: Engine,
) -> None:
    sessions = make_session_factory(sqlite_engine)
    record = Record.build(sessions)
    record.inbound.record_sms(sms(0, phone="+821099990000"))
    with sessions() as session, session.begin():
        contact = session.scalars(select(Contact)).one()
        contact.blocked_until = utcnow() + timedelta(hours=1)
    texts = [sms(n, phone="+821099990000") for n in range(1, 5)] + [sms(9)]
    outcomes = burst_while_the_lock_is_taken(record, texts)
    blocked = [o for o in outcomes[:4] if isinstance(o, Recorded)]
    assert len(blocked) == 4 and all(o.blocked and not o.needs_work for o in blocked)
    assert len({o.conversation_id for o in blocked}) == 1
    assert isinstance(outcomes[4], Recorded) and outcomes[4].needs_work
    with sessions() as session:
        held = session.scalars(
            select(Message.status).where(Message.from_number == "+821099990000")
        ).all()
    assert sorted(held) == sorted([MessageStatus.RECEIVED] + [MessageStatus.BLOCKED] * 4)
