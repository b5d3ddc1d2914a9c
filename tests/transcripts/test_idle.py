"""Answered conversations the resident has left close as no_response; waiting ones never do;
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.support.staff import STAFF
from transcripts import idle
from transcripts.calls import CallService
from transcripts.db import utcnow
from transcripts.idle import close_idle
from transcripts.inbound import InboundSms
from transcripts.metrics import service_figures
from transcripts.models import (
    Author,
    Channel,
    Conversation,
    ConversationStatus,
    Disposition,
    Event,
    Message,
    MessageStatus,
)
from transcripts.outbound import ReplyDraft
from transcripts.record import Record


def _sms(record: Record, phone: str, sid: str) -> int:
    return record.inbound.record_sms(
        InboundSms(sid, phone, "+8215880120", "Hello", {"MessageSid": sid})
    ).conversation_id


def _reply(author: Author = Author.AGENT) -> ReplyDraft:
    return ReplyDraft(
        "네", "en", "Yes", "Yes", "네", "argos", "m", None, 1.0, "Yes", "GSM-7", 1, "", author
    )


def _answer(record: Record, conversation_id: int, author: Author = Author.AGENT) -> None:
    """A reply handed to the provider (idle close counts only a reply that left)."""
    reply = record.outbound.queue(conversation_id, _reply(author), Channel.SMS, STAFF)
    record.outbound.mark_sent(reply.id, f"SMout{reply.id}", MessageStatus.SENT)


def _days_ago(sessions: sessionmaker[Session], days: int) -> None:
    then = utcnow() - timedelta(days=days)
    with sessions() as session, session.begin():
        session.execute(update(Message).values(created_at=then))
        session.execute(update(Conversation).values(created_at=then, last_message_at=then))


def test_answered_and_silent_closes_waiting_never_does(
    sessions: sessionmaker[Session], record: Record
) -> None:
    answered = _sms(record, "+821011110000", "SM1")
    _answer(record, answered)
    waiting = _sms(record, "+821022220000", "SM2")
    _answer(record, waiting, Author.AUTOMATIC)  # only the receipt: still waiting
    _days_ago(sessions, 4)
    fresh = _sms(record, "+821033330000", "SM3")
    _answer(record, fresh)

    assert close_idle(sessions, utcnow() - timedelta(days=3)) == [answered]

    with sessions() as session:
        statuses = dict(session.execute(select(Conversation.id, Conversation.status)).all())
        assert statuses == {
            answered: ConversationStatus.CLOSED,
            waiting: ConversationStatus.OPEN,
            fresh: ConversationStatus.OPEN,
        }
        closed = session.get(Conversation, answered)
        assert closed is not None and closed.disposition == Disposition.NO_RESPONSE.value
        event = session.scalars(select(Event).where(Event.kind == "conversation.closed")).one()
        assert event.data["automatic"] is True and event.data["user_id"] is None
    assert close_idle(sessions, utcnow() - timedelta(days=3)) == []  # nothing twice

    # The resident writes again: a new conversation, in the waiting queue.
    assert _sms(record, "+821011110000", "SM4") not in (answered, waiting, fresh)

    # Closed for want of a reply, it is neither resolved nor unresolved at first contact.
    record.agents.close(fresh, STAFF, Disposition.RESOLVED)
    figures = service_figures(sessions, utcnow() - timedelta(days=10), utcnow())
    assert figures.closed == 2 and figures.closed_without_response == 1
    assert figures.resolved_at_first_contact == 1.0


def test_a_message_arriving_after_the_choice_keeps_the_conversation_open(
    sessions: sessionmaker[Session], record: Record, monkeypatch: pytest.MonkeyPatch
) -> None:
    answered = _sms(record, "+821011110000", "SM1")
    _answer(record, answered)
    _days_ago(sessions, 4)
    # The conversation is picked, then the resident writes back before it is closed.
    picked = idle._candidates(sessions, utcnow() - timedelta(days=3))
    assert [cid for cid, _ in picked] == [answered]
    assert _sms(record, "+821011110000", "SM2") == answered
    monkeypatch.setattr(idle, "_candidates", lambda *_: picked)

    assert idle.close_idle(sessions, utcnow() - timedelta(days=3)) == []
    with sessions() as session:
        conversation = session.get(Conversation, answered)
        assert conversation is not None and conversation.status is ConversationStatus.OPEN


@pytest.mark.parametrize("status", [MessageStatus.FAILED, MessageStatus.UNDELIVERED])
def test_a_reply_that_never_reached_the_resident_keeps_the_conversation_open(
    sessions: sessionmaker[Session], record: Record, status: MessageStatus
) -> None:
    # The resident never read the answer (a refused SMS, a call-back nobody picked up): they
    # are still owed one, so their silence is no sign they are done.
    cid = _sms(record, "+821011110000", "SM1")
    reply = record.outbound.queue(cid, _reply(), Channel.SMS, STAFF)
    record.outbound.mark_send_failed(reply.id, "refused", "30006")
    with sessions() as session, session.begin():
        session.execute(update(Message).where(Message.id == reply.id).values(status=status))
    queued = _sms(record, "+821022220000", "SM2")
    record.outbound.queue(queued, _reply(), Channel.SMS, STAFF)  # its send job never ran
    _days_ago(sessions, 4)

    assert close_idle(sessions, utcnow() - timedelta(days=3)) == []


def test_a_reply_held_in_the_outbox_keeps_the_conversation_open(
    sessions: sessionmaker[Session], record: Record
) -> None:
    # The outbox (RELAY_OUTBOX) kept the reply and sent nothing: the resident heard no answer,
    # so their silence says nothing, and no figure may count the contact as answered.
    cid = _sms(record, "+821011110000", "SM1")
    reply = record.outbound.queue(cid, _reply(), Channel.SMS, STAFF)
    record.outbound.mark_sent(reply.id, f"OUTBOX{reply.id}", MessageStatus.HELD)
    _days_ago(sessions, 4)

    assert close_idle(sessions, utcnow() - timedelta(days=3)) == []
    figures = service_figures(sessions, utcnow() - timedelta(days=5), utcnow())
    assert (figures.replied, figures.held_replies) == (0, 1)


def test_a_call_under_way_keeps_an_idle_conversation_open(
    sessions: sessionmaker[Session], record: Record
) -> None:
    # The resident calls back into the answered conversation just as it falls idle: the
    # recording they are leaving must not land in a conversation closed meanwhile.
    cid = _sms(record, "+821011110000", "SM1")
    _answer(record, cid)
    _days_ago(sessions, 4)
    picked = idle._candidates(sessions, utcnow() - timedelta(days=3))
    assert [c for c, _ in picked] == [cid]
    caller = CallService(sessions).start_inbound("CA1", "+821011110000", "+8215880120", {})
    assert caller.conversation_id == cid

    assert close_idle(sessions, utcnow() - timedelta(days=3)) == []
    with sessions() as session:
        conversation = session.get(Conversation, cid)
        assert conversation is not None and conversation.status is ConversationStatus.OPEN
