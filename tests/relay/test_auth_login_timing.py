"""Sign-in takes as long for a name that does not exist (or is disabled) as for a real one: the
password is checked with scrypt, at the same cost, either way. Counted, not timed."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from flask import Flask

from tests.relay.agent_helpers import PASSWORD, csrf_from
from tests.support.app_fixtures import create_user

ScryptCall = tuple[tuple[str, Any], ...]


def _attempt(app: Flask, name: str, password: str) -> int:
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"username": name, "password": password, "csrf_token": token}
    )
    return response.status_code


def test_unknown_and_disabled_names_cost_one_scrypt_check_like_a_real_one(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_user(app, "kim", "agent", PASSWORD)
    create_user(app, "lee", "agent", PASSWORD)
    assert app.test_cli_runner().invoke(args=["users", "disable", "lee"]).exit_code == 0
    calls: list[ScryptCall] = []
    real_scrypt = hashlib.scrypt

    def counted(password: bytes, **cost: Any) -> bytes:
        calls.append(tuple(sorted((k, v) for k, v in cost.items() if k != "salt")))
        return real_scrypt(password, **cost)

    monkeypatch.setattr(hashlib, "scrypt", counted)
    # The decoy hash is made once per process, on the first unknown name; make it first.
    assert _attempt(app, "warm-up", "whatever password") == 401

    costs: dict[str, list[ScryptCall]] = {}
    for name in ("kim", "nobody", "lee"):
        calls.clear()
        assert _attempt(app, name, "a wrong password") == 401
        costs[name] = list(calls)
    assert len(costs["kim"]) == 1
    assert costs["nobody"] == costs["kim"]
    assert costs["lee"] == costs["kim"]
    calls.clear()
    assert _attempt(app, "kim", PASSWORD) == 302
    assert calls == costs["kim"]
