"""Dates at the edge of the calendar in the admin export and metrics forms are answered with a
sentence, never a 500: the last day a date input accepts has no day after it."""

from __future__ import annotations

from flask import Flask

from tests.relay.agent_helpers import csrf_from, sign_in

LAST_DAY = "9999-12-31"


def test_export_up_to_the_last_calendar_day_is_refused_politely(app: Flask) -> None:
    admin = sign_in(app, "chief", "admin")
    token = csrf_from(admin.get("/admin/conversations").get_data(as_text=True))
    response = admin.post(
        "/admin/conversations/export",
        data={"csrf_token": token, "until": LAST_DAY, "format": "csv", "masked": "1"},
    )
    assert response.status_code == 303
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "내보낼 수 없습니다" in page


def test_metrics_up_to_the_last_calendar_day_is_refused_politely(app: Flask) -> None:
    admin = sign_in(app, "chief", "admin")
    response = admin.get("/admin/metrics", query_string={"since": LAST_DAY, "until": LAST_DAY})
    assert response.status_code == 200
    assert "YYYY-MM-DD" in response.get_data(as_text=True)
