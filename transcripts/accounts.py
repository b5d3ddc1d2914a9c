"""Agent and admin accounts: creation, roles and API tokens (stored only as hashes)."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy.exc import IntegrityError

from transcripts.models import Role, User
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
        """Replace a user's password hash."""
        with self._uow.write() as session:
            user = user_by_name(session, username)
            if user is None:
                raise AccountError(f"no user named {username!r}")
            user.password_hash = password_hash
