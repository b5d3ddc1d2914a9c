"""Counting failed sign-ins per (username, address) across every web process."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Delete, delete, func, select

from transcripts.db import utcnow
from transcripts.models import LoginFailure
from transcripts.uow import UseCases


class LoginFailures(UseCases):
    """The record of recent failed sign-ins, which the sign-in throttle consults."""

    def retry_after(self, username: str, address: str, max_failures: int, window: timedelta) -> int:
        """Seconds until this pair may try again: 0 unless `max_failures` fell within `window`."""
        now = utcnow()
        with self._uow.read() as session:
            count, oldest = session.execute(
                select(func.count(LoginFailure.id), func.min(LoginFailure.failed_at)).where(
                    LoginFailure.username == username.casefold(),
                    LoginFailure.address == address,
                    LoginFailure.failed_at > now - window,
                )
            ).one()
        if count < max_failures or oldest is None:
            return 0
        return max(1, int((oldest + window - now).total_seconds()) + 1)

    def failed(self, username: str, address: str, window: timedelta) -> None:
        """Count a failure, forgetting this pair's failures older than the window."""
        now = utcnow()
        with self._uow.write() as session:
            session.execute(self._pair(username, address, before=now - window))
            session.add(LoginFailure(username=username.casefold(), address=address, failed_at=now))

    def succeeded(self, username: str, address: str) -> None:
        """A successful sign-in clears the pair's count."""
        with self._uow.write() as session:
            session.execute(self._pair(username, address))

    @staticmethod
    def _pair(username: str, address: str, before: datetime | None = None) -> Delete:
        statement = delete(LoginFailure).where(
            LoginFailure.username == username.casefold(), LoginFailure.address == address
        )
        if before is not None:
            statement = statement.where(LoginFailure.failed_at <= before)
        return statement
