"""Failed sign-ins are counted in the database, shared by every web process."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from transcripts.db import utcnow
from transcripts.login_failures import LoginFailures
from transcripts.models import LoginFailure

WINDOW = timedelta(minutes=15)


def test_pairs_are_throttled_after_the_limit_and_released(
    sessions: sessionmaker[Session],
) -> None:
    one_process, another_process = LoginFailures(sessions), LoginFailures(sessions)
    for attempt in range(3):
        assert one_process.retry_after("Minji", "10.0.0.1", 4, WINDOW) == 0
        (one_process if attempt % 2 else another_process).failed("minji", "10.0.0.1", WINDOW)
    another_process.failed("MINJI", "10.0.0.1", WINDOW)
    wait = one_process.retry_after("minji", "10.0.0.1", 4, WINDOW)
    assert 0 < wait <= WINDOW.total_seconds() + 1
    assert one_process.retry_after("minji", "10.0.0.2", 4, WINDOW) == 0  # another address
    assert one_process.retry_after("jun", "10.0.0.1", 4, WINDOW) == 0  # another user

    with sessions() as session, session.begin():  # the window passes
        session.execute(update(LoginFailure).values(failed_at=utcnow() - WINDOW * 2))
    assert one_process.retry_after("minji", "10.0.0.1", 4, WINDOW) == 0
    one_process.failed("minji", "10.0.0.1", WINDOW)  # forgets the stale rows
    one_process.succeeded("minji", "10.0.0.1")
    with sessions() as session:
        assert session.query(LoginFailure).count() == 0
