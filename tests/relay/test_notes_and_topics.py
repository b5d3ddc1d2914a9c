"""Internal notes on a conversation and the topic category (민원 유형) chosen at close: notes
show in the thread, escaped and audited, and never reach the resident; the topic is required
by the close form, checked by the API, and reported in the metrics and the export."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from relay.services import services
from tests.relay.agent_helpers import post_form, sign_in
from tests.relay.test_web_chat import start_chat
from tests.support.app_fixtures import Webhooks, create_user, drain
from transcripts.export import export_rows
from transcripts.metrics import service_figures
from transcripts.models import Conversation, ConversationNote, Direction, Event, Message

NOTE = '주민이 다음 주 월요일에 다시 연락 예정 <script>alert("x")</script>'


def _waiting(app: Flask, phone: str = "+821012345678") -> int:
    Webhooks(app.test_client()).sms("I lost my wallet on the bus.", From=phone)
    drain(app)
    with services(app).sessions() as session:
        return session.scalars(select(Conversation.id).order_by(Conversation.id.desc())).first()


def test_a_note_shows_in_the_thread_is_audited_and_never_sent(app: Flask) -> None:
    cid = _waiting(app)
    kim = sign_in(app, "kim")
    url = f"/agent/conversations/{cid}"
    with services(app).sessions() as session:
        outbound_before = session.query(Message).filter_by(direction=Direction.OUTBOUND).count()
    assert post_form(kim, url, f"{url}/note", body=f"  {NOTE}\n").status_code == 303
    page = kim.get(url).get_data(as_text=True)
    notes = page[page.index('id="notes"') :]
    assert "내부 메모" in notes and "주민에게 보내지 않습니다" in notes
    assert html.escape(NOTE, quote=False) in notes or "&lt;script&gt;" in notes
    assert "<script>alert" not in page
    assert "kim" in notes[: notes.index("</ol>")]
    # a resident's number written into a note is masked on the page like everywhere else
    post_form(kim, url, f"{url}/note", body="외국인등록번호 900101-5123456 확인함")
    shown = kim.get(url).get_data(as_text=True)
    assert "900101-5123456" not in shown and "확인함" in shown
    # an empty note is refused in Korean, nothing stored
    refused = post_form(kim, url, f"{url}/note", body="   ")
    assert "메모 내용을 적어 주세요" in kim.get(refused.headers["Location"]).get_data(as_text=True)
    with services(app).sessions() as session:
        stored = [n.body for n in session.scalars(select(ConversationNote))]
        assert stored == [NOTE, "외국인등록번호 900101-5123456 확인함"]
        kinds = [e.kind for e in session.query(Event).filter_by(conversation_id=cid)]
        assert "conversation.noted" in kinds
        outbound_after = session.query(Message).filter_by(direction=Direction.OUTBOUND).count()
        assert outbound_after == outbound_before  # nothing went to the resident
        bodies = [m.original_text or "" for m in session.query(Message)]
        assert not any("다시 연락 예정" in b for b in bodies)
    chief = sign_in(app, "chief", "admin")
    audit = chief.get(f"/admin/conversations/{cid}/audit").get_data(as_text=True)
    assert "내부 메모" in audit


def test_close_form_requires_a_topic_and_metrics_and_export_report_it(app: Flask) -> None:
    cid = _waiting(app)
    kim = sign_in(app, "kim")
    url = f"/agent/conversations/{cid}"
    post_form(kim, "/agent/", f"{url}/claim")
    page = kim.get(url).get_data(as_text=True)
    assert '<select name="topic" id="close-topic" required>' in page
    for topic in ("체류·비자", "외국인등록", "건강보험", "생활·쓰레기", "기타"):
        assert f'<option value="{topic}">{topic}</option>' in page
    missing = post_form(kim, url, f"{url}/close", disposition="resolved")
    assert "민원 유형을 고르세요" in kim.get(missing.headers["Location"]).get_data(as_text=True)
    made_up = post_form(kim, url, f"{url}/close", disposition="resolved", topic="우주여행")
    assert made_up.status_code == 303
    with services(app).sessions() as session:
        conversation = session.get(Conversation, cid)
        assert conversation is not None and conversation.disposition is None
    post_form(kim, url, f"{url}/close", disposition="resolved", topic="건강보험")
    assert "건강보험" in kim.get(url).get_data(as_text=True)
    sessions = services(app).sessions
    with sessions() as session:
        conversation = session.get(Conversation, cid)
        assert conversation is not None and conversation.topic == "건강보험"
        closed = session.query(Event).filter_by(kind="conversation.closed").one()
        assert closed.data["topic"] == "건강보험"
        opened = conversation.created_at
    figures = service_figures(sessions, opened, opened + timedelta(seconds=1))
    assert figures.closed_by_topic == {"건강보험": 1}
    assert {row.topic for row in export_rows(sessions)} == {"건강보험"}


def test_the_api_close_takes_a_topic_from_the_list(app: Flask) -> None:
    cid = _waiting(app)
    token = create_user(app, "lee", "agent")
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    client.post(f"/api/conversations/{cid}/claim", headers=headers)
    bad = client.post(
        f"/api/conversations/{cid}/close", json={"topic": "우주여행"}, headers=headers
    )
    assert bad.status_code == 400 and "topic(민원 유형)은 다음 중 하나" in bad.get_json()["error"]
    done = client.post(
        f"/api/conversations/{cid}/close",
        json={"disposition": "resolved", "topic": "교통"},
        headers=headers,
    )
    assert done.status_code == 200, done.get_data(as_text=True)
    assert done.get_json()["topic"] == "교통"


def test_topics_are_configurable(app_factory: object) -> None:
    app = app_factory(TOPICS="비자,기타")  # type: ignore[operator]
    cid = _waiting(app)
    kim = sign_in(app, "kim")
    url = f"/agent/conversations/{cid}"
    post_form(kim, "/agent/", f"{url}/claim")
    page = kim.get(url).get_data(as_text=True)
    assert '<option value="비자">비자</option>' in page and "건강보험" not in page


def _feed(client: FlaskClient, url: str, until: bytes) -> bytes:
    """A live feed read from its first event (Last-Event-ID 0) until `until` or its end."""
    feed = client.get(url, headers={"Last-Event-ID": "0"})
    frames = b""
    for chunk in feed.iter_encoded():
        frames += chunk
        if until in frames:
            break
    feed.close()
    return frames


def test_a_note_reaches_every_open_view_through_the_live_feed(app_factory: Any) -> None:
    app = app_factory(AGENT_SSE_POLL_SECONDS=0.05, AGENT_SSE_MAX_SECONDS=2.0)
    cid = _waiting(app)
    kim, chief = sign_in(app, "kim"), sign_in(app, "chief", "admin")
    url = f"/agent/conversations/{cid}"
    post_form(kim, url, f"{url}/note", body=NOTE)
    with services(app).sessions() as session:
        noted = session.scalars(select(Event).filter_by(kind="conversation.noted")).one()
    # the feed every agent view holds names the note's event and its thread...
    frames = _feed(chief, "/agent/events", b'"conversation.noted"')
    assert f'"id": {noted.id}, "kind": "conversation.noted", "conversation_id": {cid}'.encode() in (
        frames
    )
    assert b"alert" not in frames  # ...never the note itself
    # ...and the thread's notes are drawn again from this fragment, escaped and masked
    page = chief.get(url).get_data(as_text=True)
    assert f'hx-get="{url}/notes"' in page
    assert 'hx-trigger="relay:notes from:body' in page
    fragment = chief.get(f"{url}/notes").get_data(as_text=True)
    assert "&lt;script&gt;alert" in fragment and "<script>" not in fragment
    assert "kim ·" in fragment
    assert chief.get("/agent/conversations/999999/notes").status_code == 404


def test_the_state_line_shows_the_topic_once_closed_for_every_viewer(app: Flask) -> None:
    cid = _waiting(app)
    kim, chief = sign_in(app, "kim"), sign_in(app, "chief", "admin")
    url = f"/agent/conversations/{cid}"
    assert "이 상담 맡기" in chief.get(f"{url}/state").get_data(as_text=True)
    post_form(kim, "/agent/", f"{url}/claim")
    assert "kim 상담원이 맡음" in chief.get(f"{url}/state").get_data(as_text=True)
    post_form(kim, url, f"{url}/close", disposition="resolved", topic="건강보험")
    state = chief.get(f"{url}/state").get_data(as_text=True)
    assert "종료됨" in state and "건강보험" in state and "<html" not in state
    assert 'hx-trigger="relay:state from:body' in chief.get(url).get_data(as_text=True)


def test_a_note_never_reaches_the_residents_chat_page_or_its_feed(app_factory: Any) -> None:
    app = app_factory(AGENT_SSE_POLL_SECONDS=0.05, AGENT_SSE_MAX_SECONDS=1.0)
    resident = app.test_client()
    start_chat(resident, "Xin chào")
    drain(app)
    with services(app).sessions() as session:
        cid = session.scalars(select(Conversation.id)).one()
    kim = sign_in(app, "kim")
    url = f"/agent/conversations/{cid}"
    post_form(kim, "/agent/", f"{url}/claim")
    post_form(kim, url, f"{url}/note", body=NOTE)
    assert "다시 연락 예정" not in resident.get("/chat/c").get_data(as_text=True)
    frames = _feed(resident, "/chat/c/events", b"never")  # the whole feed, to its end
    assert "다시 연락 예정".encode() not in frames and b"alert" not in frames
    with services(app).sessions() as session:
        noted = session.scalars(select(Event).filter_by(kind="conversation.noted")).one()
    assert f"id: {noted.id}\nevent: skip\ndata: {{}}".encode() in frames
