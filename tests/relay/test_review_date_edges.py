"""Dates at the edge of the calendar in the admin export and metrics forms are answered with a
sentence, never a 500: the last day a date input accepts has no day after it, and the first one
begins, at the centre's midnight, before the first day UTC can hold."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.relay.agent_helpers import csrf_from, sign_in
from tests.support.app_fixtures import create_user

LAST_DAY = "9999-12-31"
FIRST_DAY = "0001-01-01"  # its midnight in Seoul is still 31 December of year 0 in UTC
EDGES = [
    pytest.param({"until": LAST_DAY}, id="up-to-the-last-day"),
    pytest.param({"since": FIRST_DAY}, id="from-the-first-day"),
]


@pytest.mark.parametrize("dates", EDGES)
def test_export_at_the_calendar_edge_is_refused_politely(app: Flask, dates: dict[str, str]) -> None:
    admin = sign_in(app, "chief", "admin")
    token = csrf_from(admin.get("/admin/conversations").get_data(as_text=True))
    response = admin.post(
        "/admin/conversations/export",
        data={"csrf_token": token, "format": "csv", "masked": "1", **dates},
    )
    assert response.status_code == 303
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "내보낼 수 없습니다" in page


@pytest.mark.parametrize(
    "dates",
    [
        pytest.param({"since": LAST_DAY, "until": LAST_DAY}, id="the-last-day"),
        pytest.param({"since": FIRST_DAY, "until": "2026-01-01"}, id="from-the-first-day"),
    ],
)
def test_metrics_at_the_calendar_edge_are_answered(app: Flask, dates: dict[str, str]) -> None:
    admin = sign_in(app, "chief", "admin")
    response = admin.get("/admin/metrics", query_string=dates)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # The date is well formed; what is wrong is that the calendar ends there.
    assert "0001-01-02부터 9999-12-30까지의 날짜만" in page and "YYYY-MM-DD 형식" not in page


def test_api_metrics_from_the_first_calendar_day_is_answered(app: Flask) -> None:
    headers = {"Authorization": f"Bearer {create_user(app, role='admin')}"}
    response = app.test_client().get(
        "/api/metrics", query_string={"since": FIRST_DAY, "until": "2026-01-01"}, headers=headers
    )
    assert response.status_code == 400
