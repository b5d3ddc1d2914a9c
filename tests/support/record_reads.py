"""Small reads and writes of the record that many tests need: an admin account, a message as
stored now, the kinds of event a conversation's live feed carried."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from transcripts.accounts import Accounts
from transcripts.models import Event, Message, Role


def new_admin(sessions: sessionmaker[Session], name: str = "chief") -> int:
    """A new admin account's id."""
    return Accounts(sessions).create(name, Role.ADMIN, "x").id


def stored_message(sessions: sessionmaker[Session], message_id: int) -> Message:
    """The message as the database holds it now (read in a session of its own)."""
    with sessions() as session:
        message = session.get(Message, message_id)
        assert message is not None
        return message


def event_kinds(sessions: sessionmaker[Session], conversation_id: int) -> list[str]:
    """The kinds of the conversation's events, oldest first: what its live feeds were told."""
    with sessions() as session:
        query = select(Event.kind).where(Event.conversation_id == conversation_id)
        return [str(kind) for kind in session.scalars(query.order_by(Event.id))]
