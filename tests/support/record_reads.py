"""Small reads and writes of the record that many tests need: an admin account, a message as
stored now."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from transcripts.accounts import Accounts
from transcripts.models import Message, Role


def new_admin(sessions: sessionmaker[Session], name: str = "chief") -> int:
    """A new admin account's id."""
    return Accounts(sessions).create(name, Role.ADMIN, "x").id


def stored_message(sessions: sessionmaker[Session], message_id: int) -> Message:
    """The message as the database holds it now (read in a session of its own)."""
    with sessions() as session:
        message = session.get(Message, message_id)
        assert message is not None
        return message
