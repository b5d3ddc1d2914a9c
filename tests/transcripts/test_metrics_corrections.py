"""The correction rate is a share of translated messages: a correction of a message that has no
machine translation (an interpreter's Korean, a failed recording's transcript) cannot push it
past 100%; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from languages.memory import normalise
from transcripts.accounts import Accounts
from transcripts.corrections import Corrections
from transcripts.db import utcnow
from transcripts.inbound import InboundSms, InboundTranslation
from transcripts.metrics import service_figures
from transcripts.models import MessageStatus, Role
from transcripts.record import Record


def _sms(record: Record, sid: str, phone: str) -> int:
    stored = record.inbound.record_sms(
        InboundSms(sid, phone, "+8215880120", "Bonjour", {"MessageSid": sid})
    )
    return stored.message_id


def test_corrections_of_untranslated_messages_do_not_exceed_the_translated_ones(
    sessions: sessionmaker[Session], record: Record
) -> None:
    admin = Accounts(sessions).create("chief", Role.ADMIN, "x").id
    corrections = Corrections(sessions, normalise)
    translated = _sms(record, "SM1", "+821011110000")
    record.inbound.save_translation(
        translated, InboundTranslation("en", 0.9, "안녕", "argos", "m", None, 1.0, 1.0)
    )
    for index in range(2):  # French: relay cannot translate it, an interpreter can
        message_id = _sms(record, f"SM{index + 2}", f"+82102222000{index}")
        record.inbound.mark(message_id, MessageStatus.NEEDS_INTERPRETER, "not served")
        corrections.correct_translation(message_id, "안녕하세요 (통역)", admin)

    now = utcnow()
    figures = service_figures(sessions, now - timedelta(hours=1), now + timedelta(hours=1))

    assert figures.correction_rate is not None and figures.correction_rate <= 1
    assert figures.corrected_translations == 0
    assert figures.correction_rate == 0.0
