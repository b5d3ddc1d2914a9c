"""Development pages (outbox, resident simulator, simulated call audio) are unreachable in a
production configuration: every /dev route, read from the URL map, answers 404."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.support.app_fixtures import ACCOUNT_SID


def _dev_requests(app: Flask) -> list[tuple[str, str]]:
    found = [
        (method, rule.rule.replace("<token>", "abcdefghijklmnopqrstuvwx"))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/dev")
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    ]
    assert len(found) >= 4
    return found


@pytest.mark.parametrize(
    "settings",
    [
        {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TESTING": False},  # production: account, no debug
        {"DEV_PAGES": False},  # turned off explicitly, even without an account
    ],
)
def test_every_dev_route_is_404_when_dev_pages_are_off(
    app_factory: Any, settings: dict[str, Any]
) -> None:
    app: Flask = app_factory(**settings)
    assert app.config["DEV_PAGES"] is False
    app.config["WTF_CSRF_ENABLED"] = False  # reach the dev gate itself, not the CSRF check
    client = app.test_client()
    for method, path in _dev_requests(app):
        response = client.open(path, method=method, data={"phone": "+821055501234"})
        assert response.status_code == 404, (method, path, response.status_code)
        response.close()
