"""Residents' numbers are masked on every staff page; one message is revealed on request,
by its holder or an admin only, and the reveal is in the audit trail."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from sqlalchemy import select

from relay.agent.audit_view import EVENT_LABELS
from relay.services import services
from tests.relay.agent_helpers import post_form, sign_in
from tests.support.app_fixtures import Webhooks, drain
from transcripts.models import Event, Message
from transcripts.policy import EventKind

PHONE = "+821055507788"
TEXT = "My alien registration number is 900101-5123456, call me at 010-9876-5432 please."
SECRETS = ("900101-5123456", "5123456", "9876-5432", "010-9876", PHONE)


def _seed(app: Flask) -> tuple[int, int]:
    assert Webhooks(app.test_client()).sms(TEXT, from_number=PHONE).status_code == 200
    drain(app)
    with services(app).sessions() as session:
        message = session.scalars(select(Message).order_by(Message.id.desc())).first()
        assert message is not None and message.original_text == TEXT
        return message.conversation_id, message.id


def _shows_no_secret(page: str) -> None:
    for secret in SECRETS:
        assert secret not in page, secret


def test_queue_thread_list_and_audit_mask_numbers(app: Flask) -> None:
    cid, _ = _seed(app)
    agent = sign_in(app, "kim")
    _shows_no_secret(agent.get("/agent/").get_data(as_text=True))
    thread = agent.get(f"/agent/conversations/{cid}").get_data(as_text=True)
    _shows_no_secret(thread)
    assert "******-*******" in thread and "***-****-5432" in thread
    assert "개인정보 가림" in thread
    admin = sign_in(app, "chief", "admin")
    _shows_no_secret(admin.get("/admin/conversations").get_data(as_text=True))
    _shows_no_secret(admin.get(f"/admin/conversations/{cid}/audit").get_data(as_text=True))
    review = admin.get(f"/agent/conversations/{cid}").get_data(as_text=True)
    _shows_no_secret(review)  # not even in the correction form's fields
    assert "고치려면 먼저 개인정보 보기" in review


def test_the_holder_reveals_one_message_and_the_trail_says_who(app: Flask) -> None:
    cid, mid = _seed(app)
    url = f"/agent/conversations/{cid}"
    kim = sign_in(app, "kim")
    assert post_form(kim, "/agent/", f"{url}/claim").status_code == 303
    assert "개인정보 보기" in kim.get(url).get_data(as_text=True)
    response = post_form(kim, url, f"{url}/messages/{mid}/reveal")
    assert response.status_code == 303
    page = kim.get(url).get_data(as_text=True)
    assert "900101-5123456" in page and "010-9876-5432" in page
    assert "개인정보 표시 중" in page
    with services(app).sessions() as session:
        event = session.scalars(
            select(Event).where(Event.kind == EventKind.PERSONAL_DATA_REVEALED.value)
        ).one()
        assert event.message_id == mid and event.conversation_id == cid
    trail = sign_in(app, "chief", "admin").get(f"/admin/conversations/{cid}/audit")
    text = trail.get_data(as_text=True)
    assert "가려진 개인정보 보기" in text and "kim" in text
    # another sign-in of the same agent starts masked again
    _shows_no_secret(sign_in(app, "kim", create=False).get(url).get_data(as_text=True))


def test_an_agent_who_does_not_hold_the_conversation_cannot_reveal(app: Flask) -> None:
    cid, mid = _seed(app)
    url = f"/agent/conversations/{cid}"
    kim = sign_in(app, "kim")
    assert post_form(kim, "/agent/", f"{url}/claim").status_code == 303
    lee = sign_in(app, "lee")
    page = lee.get(url).get_data(as_text=True)
    assert "개인정보 보기</button>" not in page
    refused = post_form(lee, url, f"{url}/messages/{mid}/reveal")
    assert refused.status_code in (302, 303, 403)
    _shows_no_secret(lee.get(url).get_data(as_text=True))
    with services(app).sessions() as session:
        kinds = session.scalars(select(Event.kind)).all()
        assert EventKind.PERSONAL_DATA_REVEALED.value not in kinds


def test_an_admin_reveals_and_may_then_correct(app: Flask) -> None:
    cid, mid = _seed(app)
    url = f"/agent/conversations/{cid}"
    admin = sign_in(app, "chief", "admin")
    assert post_form(admin, url, f"{url}/messages/{mid}/reveal").status_code == 303
    page = admin.get(url).get_data(as_text=True)
    assert "900101-5123456" in page and 'name="field" value="translation"' in page


def test_every_event_kind_reads_in_korean_on_the_audit_page() -> None:
    missing = [kind for kind in EventKind if kind not in EVENT_LABELS]
    assert not missing
    assert all(any("\uac00" <= ch <= "\ud7a3" for ch in label) for label in EVENT_LABELS.values())


def test_log_lines_carry_no_resident_number_or_text(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _seed(app)  # stored, translated, receipt held in the outbox
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "translate_inbound" in logged  # the work was logged, without the resident
    for secret in (*SECRETS, "55507788"):
        assert secret not in logged, secret
