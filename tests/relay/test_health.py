"""/healthz: ok or not for anyone, the checks behind it only for admins."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from flask import Flask
from sqlalchemy import create_engine

from relay.services import services
from tests.relay.agent_helpers import sign_in
from tests.support.app_fixtures import create_user


def _bearer(app: Flask, name: str, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_user(app, name, role)}"}


def test_anyone_hears_only_whether_the_service_is_up(app: Flask) -> None:
    for headers in ({}, _bearer(app, "agent1", "agent")):
        response = app.test_client().get("/healthz", headers=headers)
        assert response.status_code == 200
        assert response.json == {"status": "ok", "models": "unloaded"}
        assert response.headers["Cache-Control"] == "no-store"


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
        assert checks["twilio"] == {"outbox_only": True}


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
        assert public.json == {"status": "unavailable", "models": "unloaded"}
        assert "no-such-folder" not in public.get_data(as_text=True)
        detailed = app.test_client().get("/healthz", headers=admin)
        assert detailed.status_code == 503
        database = (detailed.json or {})["checks"]["database"]
        assert database["ok"] is False
        assert "unable to open database file" in database["error"]
    finally:
        broken.dispose()
        app.extensions["relay"] = svc
