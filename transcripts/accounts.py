"""Agent and admin accounts: creation, roles, API tokens (stored only as hashes) and the end of
every way in when a password changes, an account is disabled or its owner signs out.

Each account has a session epoch that every session and remember-me cookie carries (relay/auth.py
compares them); raising it ends all of them at once, wherever they were copied to."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from transcripts.models import Role, User
from transcripts.phones import is_e164, normalise_phone
from transcripts.repository import user_by_name
from transcripts.uow import UseCases


class AccountError(Exception):
    """An account operation failed for a reason the operator can fix."""


def hash_token(token: str) -> str:
    """API tokens are long random strings, so a plain SHA-256 is a sufficient one-way hash."""
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts(UseCases):
    """Creates users and issues tokens; password hashing is the caller's (the web layer's) job."""

    def create(self, username: str, role: Role, password_hash: str) -> User:
        """Create a user; AccountError if the name is taken or empty."""
        username = username.strip()
        if not username:
            raise AccountError("the username is empty")
        try:
            with self._uow.write() as session:
                user = User(username=username, role=role, password_hash=password_hash)
                session.add(user)
                session.flush()
                return user
        except IntegrityError:
            raise AccountError(f"a user named {username!r} already exists") from None

    def issue_token(self, username: str) -> str:
        """A new API bearer token for the user (the previous one stops working)."""
        token = secrets.token_urlsafe(32)
        with self._uow.write() as session:
            user = user_by_name(session, username)
            if user is None:
                raise AccountError(f"no user named {username!r}")
            user.api_token_hash = hash_token(token)
        return token

    def set_password(self, username: str, password_hash: str) -> None:
        """Replace a user's password hash, ending every session and the API token: a password is
        changed when someone else may know the old one, and what they signed in with (or took
        from a signed-in browser) must stop working too."""
        with self._uow.write() as session:
            user_id = self._user_id(session, username)
            end_access(session, user_id, password_hash=password_hash, api_token_hash=None)

    def disable(self, username: str) -> None:
        """Refuse the account from now on: its sessions and its API token end at once."""
        with self._uow.write() as session:
            user_id = self._user_id(session, username)
            end_access(session, user_id, active=False, api_token_hash=None)

    def enable(self, username: str) -> None:
        """Let a disabled account sign in again; an API token must be issued anew."""
        with self._uow.write() as session:
            user_id = self._user_id(session, username)
            session.execute(update(User).where(User.id == user_id).values(active=True))

    def set_agent_phone(self, username: str, phone: str | None) -> str | None:
        """Set (or with None, clear) the phone an interpreter conference dials the agent on;
        returns the number as stored. AccountError for a number that is not international:
        Twilio dials only what it can read, and a failed leg would surface mid-call."""
        number = normalise_phone(phone) if phone else None
        if number is not None and not is_e164(number):
            raise AccountError(f"{phone!r} is not a phone number (e.g. +821012345678)")
        with self._uow.write() as session:
            user_id = self._user_id(session, username)
            session.execute(update(User).where(User.id == user_id).values(agent_phone=number))
        return number

    def end_sessions(self, user_id: int) -> None:
        """Sign the account out everywhere (sign-out): every browser session and the API token.
        A person signing out means nothing signed in as them should keep working; an API
        client is given a new token (`flask users token`)."""
        with self._uow.write() as session:
            end_access(session, user_id, api_token_hash=None)

    def signed_in(self, user_id: int, at: datetime) -> None:
        """Note a sign-in through the login form: the accounts page shows which accounts are
        still used (API calls do not count; they are not a person at a desk)."""
        with self._uow.write() as session:
            session.execute(update(User).where(User.id == user_id).values(last_sign_in_at=at))

    @staticmethod
    def _user_id(session: Session, username: str) -> int:
        user = user_by_name(session, username)
        if user is None:
            raise AccountError(f"no user named {username!r}")
        return user.id


def end_access(session: Session, user_id: int, **values: object) -> None:
    """End every session and (with api_token_hash=None) the API token of an account, setting
    `values` in the same write. The session epoch is raised in the database itself (not read,
    add, write back), so two changes at once both count and a sign-in in between cannot keep
    the old epoch."""
    session.execute(
        update(User)
        .where(User.id == user_id)
        .values(session_epoch=User.session_epoch + 1, **values)
    )
