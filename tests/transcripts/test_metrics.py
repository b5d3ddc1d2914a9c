"""Service-level figures computed from the record, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from languages.memory import normalise
from tests.support.staff import STAFF
from transcripts.accounts import Accounts
from transcripts.corrections import Corrections
from transcripts.db import utcnow
from transcripts.inbound import InboundSms, InboundTranslation
from transcripts.metrics import service_figures
from transcripts.models import (
    Call,
    CallStatus,
    Channel,
    Direction,
    Disposition,
    Message,
    MessageStatus,
    Role,
)
from transcripts.outbound import ReplyDraft
from transcripts.record import Record


def sms(sid: str, phone: str) -> InboundSms:
    return InboundSms(sid, phone, "+8215880120", "Hello", {"MessageSid": sid})


def reply() -> ReplyDraft:
    return ReplyDraft(
        "네", "en", "Yes", "Yes", "네", "argos", "m", None, 1.0, "Yes", "GSM-7", 1, ""
    )


def test_first_reply_resolution_interpreters_and_calls(
    sessions: sessionmaker[Session], record: Record
) -> None:
    start = utcnow() - timedelta(minutes=1)
    quick = record.inbound.record_sms(sms("SM1", "+821011110000"))
    slow = record.inbound.record_sms(sms("SM2", "+821022220000"))
    unanswered = record.inbound.record_sms(sms("SM3", "+821033330000"))
    record.inbound.mark(unanswered.message_id, MessageStatus.FAILED, "no model")
    for inbound in (quick, slow):
        record.inbound.save_translation(
            inbound.message_id, InboundTranslation("en", 0.9, "안녕", "argos", "m", None, 1.0, 1.0)
        )
    admin = Accounts(sessions).create("chief", Role.ADMIN, "x").id
    Corrections(sessions, normalise).correct_translation(slow.message_id, "안녕하세요", admin)
    quick_reply = record.outbound.queue(quick.conversation_id, reply(), Channel.SMS, STAFF)
    slow_reply = record.outbound.queue(slow.conversation_id, reply(), Channel.SMS, STAFF)
    with sessions() as session, session.begin():
        for message_id, wait in ((quick_reply.id, 60), (slow_reply.id, 3600)):
            session.execute(
                update(Message)
                .where(Message.id == message_id)
                .values(created_at=utcnow() + timedelta(seconds=wait))
            )
        session.add_all(
            [
                Call(
                    call_sid="CA1",
                    direction=Direction.INBOUND,
                    status=CallStatus.COMPLETED,
                    started_at=start,
                    answered_at=start + timedelta(seconds=4),
                    duration_seconds=90,
                ),
                Call(
                    call_sid="CA2",
                    direction=Direction.INBOUND,
                    status=CallStatus.ABANDONED,
                    started_at=start,
                ),
            ]
        )
    record.agents.close(quick.conversation_id, STAFF, Disposition.RESOLVED)
    record.agents.close(slow.conversation_id, STAFF, Disposition.CALLBACK_NEEDED)

    figures = service_figures(sessions, start, utcnow() + timedelta(minutes=1))
    assert figures.contacts == 3
    assert figures.contacts_by_channel == {"sms": 3}
    assert figures.replied == 2
    assert 1500 < (figures.median_first_reply_seconds or 0) < 2000  # median of ~60 s and ~3600 s
    assert figures.replied_within_target == 0.3333  # 1 of all 3 contacts, the failed one too
    assert figures.closed == 2
    assert figures.resolved_at_first_contact == 0.5
    assert figures.failed_translations == 1
    assert figures.corrected_translations == 1
    assert figures.correction_rate == 0.5
    assert figures.calls is not None
    # CA1's menu picked up after 4 s, but no agent ever answered it (no reply to a message)
    assert (figures.calls.total, figures.calls.answered, figures.calls.abandoned) == (2, 0, 1)
    assert figures.calls.answer_rate == 0.0
    assert figures.calls.median_seconds_to_answer is None
    assert figures.calls.median_handle_seconds == 90.0

    empty = service_figures(sessions, start - timedelta(days=2), start - timedelta(days=1))
    assert empty.contacts == 0
    assert empty.resolved_at_first_contact is None
