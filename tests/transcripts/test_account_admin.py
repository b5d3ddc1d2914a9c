"""The accounts page's rules in the record, on SQLite and PostgreSQL: only admins change
accounts, nobody disables or demotes themselves or the last active admin (not even two admins
demoting each other at the same moment), and every change is one audit event."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from transcripts.account_admin import AccountAdminError, account_history, account_rows
from transcripts.errors import NotFoundError
from transcripts.models import Event, Role, User
from transcripts.policy import Actor
from transcripts.record import Record

HASH = "scrypt:not-a-real-hash"


def _admin(record: Record, name: str) -> Actor:
    user = record.accounts.create(name, Role.ADMIN, HASH)
    return Actor(user_id=user.id, is_admin=True)


def _kinds(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(Event.kind).order_by(Event.id)))


def test_only_admins_change_accounts(record: Record, sessions: sessionmaker[Session]) -> None:
    agent = record.accounts.create("kim", Role.AGENT, HASH)
    as_agent = Actor(user_id=agent.id, is_admin=False)
    with pytest.raises(AccountAdminError):
        record.account_admin.create(as_agent, "park", Role.ADMIN, HASH)
    with pytest.raises(AccountAdminError):
        record.account_admin.set_role(as_agent, agent.id, Role.ADMIN)
    with pytest.raises(NotFoundError):
        record.account_admin.disable(_admin(record, "chief"), 999_999)
    assert _kinds(sessions) == []


def test_the_last_active_admin_and_oneself_stay_admin(
    record: Record, sessions: sessionmaker[Session]
) -> None:
    chief = _admin(record, "chief")
    deputy = _admin(record, "deputy")
    with pytest.raises(AccountAdminError, match="themselves"):
        record.account_admin.disable(chief, chief.user_id)
    record.account_admin.disable(chief, deputy.user_id)
    # The deputy is disabled, so chief is the last active admin, whoever asks.
    with pytest.raises(AccountAdminError, match="last active admin"):
        record.account_admin.set_role(deputy, chief.user_id, Role.AGENT)
    record.account_admin.enable(chief, deputy.user_id)
    record.account_admin.set_role(deputy, chief.user_id, Role.AGENT)
    with sessions() as session:
        rows = {row.username: row for row in account_rows(session)}
    assert rows["chief"].role is Role.AGENT and rows["deputy"].active
    assert _kinds(sessions) == ["account.disabled", "account.enabled", "account.role_changed"]


def test_disabling_ends_access_in_the_same_write(
    record: Record, sessions: sessionmaker[Session]
) -> None:
    chief = _admin(record, "chief")
    agent = record.accounts.create("kim", Role.AGENT, HASH)
    record.accounts.issue_token("kim")
    record.account_admin.disable(chief, agent.id)
    with sessions() as session:
        user = session.get(User, agent.id)
        assert user is not None
        assert (user.active, user.api_token_hash, user.session_epoch) == (False, None, 1)


def test_a_new_account_serves_its_languages_as_the_floor_stores_them(
    record: Record, sessions: sessionmaker[Session]
) -> None:
    chief = _admin(record, "chief")
    row = record.account_admin.create(
        chief, "tuyet", Role.AGENT, HASH, frozenset({"vi", "ko", "X"})
    )
    assert row.languages == frozenset({"ko", "vi"})
    with sessions() as session:
        user = session.get(User, row.id)
        assert user is not None and user.languages == "ko vi"
        [event] = session.scalars(select(Event).where(Event.kind == "account.created")).all()
        assert event.data["languages"] == ["ko", "vi"]
    record.floor.set_languages(chief, row.id, {"en"})  # the live view's and the page's use case
    with sessions() as session:
        assert [r.languages for r in account_rows(session) if r.id == row.id] == [frozenset({"en"})]
        kinds = [event.kind for event in account_history(session)]
    assert kinds == ["agent.languages", "account.created"]  # newest first, in the page's history


def test_two_admins_demoting_each_other_at_once_leave_one_admin(
    record: Record, sessions: sessionmaker[Session]
) -> None:
    first = _admin(record, "first")
    second = _admin(record, "second")
    start = threading.Barrier(2)
    refused: list[AccountAdminError] = []

    def demote(actor: Actor, target: int) -> None:
        start.wait()
        try:
            record.account_admin.set_role(actor, target, Role.AGENT)
        except AccountAdminError as error:
            refused.append(error)

    threads = [
        threading.Thread(target=demote, args=(first, second.user_id)),
        threading.Thread(target=demote, args=(second, first.user_id)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(refused) == 1 and "last active admin" in str(refused[0])
    with sessions() as session:
        admins = session.scalars(
            select(User.id).where(User.role == Role.ADMIN, User.active.is_(True))
        ).all()
    assert len(admins) == 1
