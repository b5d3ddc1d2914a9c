"""Exporting from the admin review list: the current filters, a date range, CSV and JSON Lines,
masked by default, streamed, audited, admins only."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from relay.services import services
from tests.relay.agent_helpers import csrf_from, sign_in
from tests.relay.test_agent_views import inbound
from tests.support.modelkit import TinyModels
from transcripts.models import Event

LIST = "/admin/conversations"
EXPORT = "/admin/conversations/export"

SEOUL = ZoneInfo("Asia/Seoul")  # the centre's clock (RELAY_TIMEZONE), which days follow


def _export(client: FlaskClient, **fields: str) -> tuple[int, str, dict[str, str]]:
    token = csrf_from(client.get(LIST).get_data(as_text=True))
    response = client.post(EXPORT, data={"csrf_token": token, **fields})
    return response.status_code, response.get_data(as_text=True), dict(response.headers)


def test_export_button_streams_the_filtered_conversations_masked(
    app: Flask, tiny_models: TinyModels
) -> None:
    wallet = tiny_models.phrase("wallet")["en"]
    inbound(app, wallet, "+821011112222")
    inbound(app, tiny_models.phrase("thanks")["vi"], "+821033334444")
    inbound(app, "Call me back on 010-9876-5432 please", "+821011112222")
    admin = sign_in(app, "chief", "admin")
    page = admin.get(LIST, query_string={"phone": "2222"}).get_data(as_text=True)
    assert f'action="{EXPORT}"' in page
    assert '<input type="hidden" name="phone" value="2222">' in page  # filters travel along

    token = csrf_from(page)
    response = admin.post(
        EXPORT, data={"csrf_token": token, "phone": "2222", "format": "csv", "masked": "1"}
    )
    assert response.status_code == 200
    assert response.is_streamed
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert [r["original_text"] for r in rows] == [wallet, "Call me back on ***-****-5432 please"]
    assert {r["phone"] for r in rows} == {"*********2222"}
    assert "3333" not in body and "9876" not in body

    with services(app).sessions() as session:
        event = session.scalars(select(Event).where(Event.kind == "transcripts.exported")).one()
        assert event.data["masked"] is True and event.data["filters"] == {"phone": "2222"}
        assert event.data["format"] == "csv" and event.data["user_id"] is not None


def test_jsonl_unmasked_by_language_and_date_range(app: Flask, tiny_models: TinyModels) -> None:
    inbound(app, tiny_models.phrase("wallet")["en"], "+821011112222")
    inbound(app, tiny_models.phrase("thanks")["vi"], "+821033334444")
    admin = sign_in(app, "chief", "admin")
    today = datetime.now(SEOUL).date()
    status, body, headers = _export(
        admin, language="vi", format="jsonl", since=today.isoformat(), until=today.isoformat()
    )
    assert status == 200
    assert headers["Content-Type"] == "application/x-ndjson; charset=utf-8"
    assert f"relay-transcripts-{today}-{today}-unmasked.jsonl" in headers["Content-Disposition"]
    rows = [json.loads(line) for line in body.splitlines()]
    assert [r["phone"] for r in rows] == ["+821033334444"]  # unticked: not masked
    assert rows[0]["original_language"] == "vi"
    yesterday = (today - timedelta(days=1)).isoformat()
    status, body, _ = _export(admin, format="jsonl", until=yesterday, masked="1")
    assert status == 200 and body == ""  # nothing before today
    status, body, _ = _export(admin, format="xml")
    assert status == 303
    status, _, _ = _export(admin, since=today.isoformat(), until=yesterday)
    assert status == 303
    assert "내보낼 수 없습니다" in admin.get(LIST).get_data(as_text=True)


def test_agents_cannot_export_and_the_form_needs_its_token(app: Flask) -> None:
    agent = sign_in(app, "kim")
    token = csrf_from(agent.get("/agent/").get_data(as_text=True))
    assert agent.post(EXPORT, data={"csrf_token": token, "format": "csv"}).status_code == 403
    admin = sign_in(app, "chief", "admin")
    assert admin.post(EXPORT, data={"format": "csv"}).status_code == 400
    with services(app).sessions() as session:
        exported = select(Event).where(Event.kind == "transcripts.exported")
        assert session.scalars(exported).all() == []


def test_export_masks_numbers_as_chinese_japanese_and_vietnamese_residents_type_them(
    app: Flask,
) -> None:
    typed = {
        "+8613812345678": "我的手机号是１３８１２３４５６７８，护照 E12345678",
        "+819012345678": "電話番号は０９０－１２３４－５６７８です",
        "+84912345678": "Số điện thoại 0912.345.678, hộ chiếu c1234567",
    }
    for phone, text in typed.items():
        inbound(app, text, phone)
    admin = sign_in(app, "chief", "admin")
    status, body, _ = _export(admin, format="jsonl", masked="1")
    assert status == 200
    for secret in ("１２３４５６７８", "E12345678", "１２３４", "345.678", "c1234567", "12345678"):
        assert secret not in body, secret
    rows = [json.loads(line) for line in body.splitlines() if line.strip()]
    assert len(rows) == 3 and all("5678" in row["original_text"] for row in rows[:2])


def test_export_times_are_the_centres_with_their_offset(app: Flask) -> None:
    inbound(app, "Where do I pay a fine?", "+821055501111")
    admin = sign_in(app, "chief", "admin")
    status, body, _ = _export(admin, format="jsonl", masked="1")
    assert status == 200
    [row] = [json.loads(line) for line in body.splitlines() if line.strip()]
    written = datetime.fromisoformat(row["created_at"])
    assert row["created_at"].endswith("+09:00")  # what a person in Seoul reads, and the instant
    assert abs(written - datetime.now(SEOUL)) < timedelta(minutes=5)
