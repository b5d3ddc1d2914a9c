"""Figures for a long period of a busy centre: more conversations than a database accepts
parameters in one statement (PostgreSQL: 65,535) still give figures; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from transcripts.db import utcnow
from transcripts.metrics import service_figures
from transcripts.models import Channel, Contact, Conversation, ConversationStatus

MANY = 66_000


def test_a_period_with_more_conversations_than_statement_parameters(
    sessions: sessionmaker[Session],
) -> None:
    now = utcnow()
    with sessions() as session, session.begin():
        contact = Contact(phone="+821012345678", language="en")
        session.add(contact)
        session.flush()
        rows = [
            {
                "contact_id": contact.id,
                "channel": Channel.SMS,
                "status": ConversationStatus.CLOSED,
                "language": "en",
                "created_at": now,
                "last_message_at": now,
            }
            for _ in range(MANY)
        ]
        session.execute(insert(Conversation), rows)

    figures = service_figures(sessions, now - timedelta(hours=1), now + timedelta(hours=1))

    assert figures.contacts == MANY
    assert figures.contacts_by_language == {"en": MANY}
