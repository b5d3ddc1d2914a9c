"""/healthz: ok or not for anyone, the checks behind it only for admins."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import create_engine

from relay.services import services
from tests.relay.agent_helpers import sign_in
from tests.support.app_fixtures import create_user


def _bearer(app: Flask, name: str, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_user(app, name, role)}"}


def test_anyone_hears_only_whether_the_service_is_up(twilio_app: Flask) -> None:
    for headers in ({}, _bearer(twilio_app, "agent1", "agent")):
        response = twilio_app.test_client().get("/healthz", headers=headers)
        assert response.status_code == 200
        assert response.json == {"status": "ok", "models": "unloaded"}
        assert response.headers["Cache-Control"] == "no-store"


def test_an_outbox_instance_does_not_claim_to_serve_residents(app: Flask) -> None:
    """Up and taking messages, but every reply is held: a monitor reading only the public
    answer must see that no resident is reached, and an admin why."""
    public = app.test_client().get("/healthz")
    assert public.status_code == 200
    assert public.json == {"status": "ok", "models": "unloaded", "delivery": "outbox"}
    admin = app.test_client().get("/healthz", headers=_bearer(app, "root", "admin"))
    delivery = (admin.json or {})["checks"]["delivery"]
    assert delivery["mode"] == "outbox"
    assert delivery["ready_for_residents"] is False
    assert "not ready for residents" in delivery["note"]


def test_without_an_account_or_the_outbox_health_says_nothing_can_be_sent(
    app_factory: Any,
) -> None:
    app = app_factory(OUTBOX=False)  # allowed only in debug and testing
    public = app.test_client().get("/healthz")
    assert (public.json or {})["delivery"] == "none"


def test_an_admin_gets_the_checks_with_a_token_or_a_session(app: Flask) -> None:
    by_token = app.test_client().get("/healthz", headers=_bearer(app, "root", "admin"))
    by_session = sign_in(app, "boss", "admin").get("/healthz")
    for response in (by_token, by_session):
        assert response.status_code == 200
        checks = (response.json or {})["checks"]
        assert checks["database"] == {"ok": True, "backend": "sqlite"}
        assert checks["queue"]["ok"] is True
        assert checks["queue"]["consumer"] == "external"
        assert "vi-ko" in checks["models"]["pairs"]
        assert checks["models"]["warm_up"] == {"state": "unloaded", "pairs": [], "error": None}
        assert checks["delivery"]["mode"] == "outbox"


def test_a_broken_database_is_a_503_that_names_nothing_but_to_admins(
    app: Flask, tmp_path: Path
) -> None:
    admin = _bearer(app, "root", "admin")  # tokens are read through the session factory
    svc = services(app)
    broken = create_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'relay.db'}")
    app.extensions["relay"] = replace(svc, engine=broken)  # the services are frozen
    try:
        public = app.test_client().get("/healthz")
        assert public.status_code == 503
        assert public.json == {"status": "unavailable", "models": "unloaded", "delivery": "outbox"}
        assert "no-such-folder" not in public.get_data(as_text=True)
        detailed = app.test_client().get("/healthz", headers=admin)
        assert detailed.status_code == 503
        database = (detailed.json or {})["checks"]["database"]
        assert database["ok"] is False
        assert "unable to open database file" in database["error"]
    finally:
        broken.dispose()
        app.extensions["relay"] = svc
