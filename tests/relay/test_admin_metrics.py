"""The admin metrics page shows the figures transcripts.metrics computes, for the chosen days."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import update

from relay.services import services
from tests.relay.agent_helpers import sign_in
from tests.support.staff import STAFF
from transcripts.db import utcnow
from transcripts.inbound import InboundSms
from transcripts.models import (
    Call,
    CallStatus,
    Channel,
    Conversation,
    Direction,
    Disposition,
    Message,
    MessageStatus,
)
from transcripts.outbound import ReplyDraft
from transcripts.record import Record

SEOUL = ZoneInfo("Asia/Seoul")  # the centre's clock (RELAY_TIMEZONE), which days follow


def _reply() -> ReplyDraft:
    return ReplyDraft(
        "네", "en", "Yes", "Yes", "네", "argos", "m", None, 1.0, "Yes", "GSM-7", 1, ""
    )


def _seed(app: Flask) -> None:
    """Three contacts today: two answered (after 60 s and 3600 s), one failed; two calls."""
    sessions = services(app).sessions
    record = Record.build(sessions)
    ids = []
    for n, language in enumerate(("en", "vi", "vi")):
        sid = f"SM{n}"
        stored = record.inbound.record_sms(
            InboundSms(sid, f"+82101111000{n}", "+8215880120", "Hello", {"MessageSid": sid})
        )
        ids.append(stored)
        with sessions() as session, session.begin():
            session.execute(
                update(Conversation)
                .where(Conversation.id == stored.conversation_id)
                .values(language=language)
            )
    record.inbound.mark(ids[2].message_id, MessageStatus.FAILED, "no model")
    base = utcnow() - timedelta(hours=2)
    for stored, wait in ((ids[0], 60), (ids[1], 3600)):
        reply = record.outbound.queue(stored.conversation_id, _reply(), Channel.SMS, STAFF)
        with sessions() as session, session.begin():
            session.execute(
                update(Message).where(Message.id == stored.message_id).values(created_at=base)
            )
            session.execute(
                update(Message)
                .where(Message.id == reply.id)
                .values(created_at=base + timedelta(seconds=wait))
            )
    record.agents.close(ids[0].conversation_id, STAFF, Disposition.RESOLVED)
    record.agents.close(ids[1].conversation_id, STAFF, Disposition.CALLBACK_NEEDED)
    with sessions() as session, session.begin():
        session.add_all(
            [
                Call(
                    call_sid="CA1",
                    direction=Direction.INBOUND,
                    status=CallStatus.COMPLETED,
                    started_at=base,
                    answered_at=base + timedelta(seconds=4),
                    duration_seconds=90,
                ),
                Call(
                    call_sid="CA2",
                    direction=Direction.INBOUND,
                    status=CallStatus.ABANDONED,
                    started_at=base,
                ),
            ]
        )


def _cell(page: str, cell_id: str) -> str:
    match = re.search(rf'id="{cell_id}">([^<]*)<', page)
    assert match, f"no {cell_id} on the page"
    return match.group(1)


def test_metrics_page_shows_the_computed_figures(app: Flask) -> None:
    _seed(app)
    admin = sign_in(app, "chief", "admin")
    assert 'href="/admin/metrics"' in admin.get("/admin/conversations").get_data(as_text=True)
    today = datetime.now(SEOUL).date()
    days = {"since": (today - timedelta(days=1)).isoformat(), "until": today.isoformat()}
    page = admin.get("/admin/metrics", query_string=days).get_data(as_text=True)
    assert "첫 상담 해결률" in page and "(first-contact" not in page
    assert _cell(page, "m-contacts") == "3"
    assert _cell(page, "m-replied") == "2"
    assert _cell(page, "m-first-reply") == "30분 30초"  # median of 60 s and 3600 s
    assert _cell(page, "m-within-target") == "33.3%"  # 1 of all 3 contacts
    assert _cell(page, "m-held") == "0"  # replies still queued: neither held nor failed
    assert _cell(page, "m-failed-replies") == "0"
    assert _cell(page, "m-closed") == "2"
    assert _cell(page, "m-fcr") == "50.0%"
    assert _cell(page, "m-failed") == "1"
    assert _cell(page, "m-corrected") == "0 (—)"  # nothing translated, nothing corrected
    assert _cell(page, "m-calls") == "2"
    assert _cell(page, "m-answered") == "0"  # CA1 reached the menu only, no agent
    assert _cell(page, "m-answer-rate") == "0.0%"
    assert _cell(page, "m-abandoned") == "1"
    assert _cell(page, "m-answer-time") == "—"
    assert _cell(page, "m-handle-time") == "1분 30초"
    languages = page[page.index('id="languages"') : page.index('id="channels"')]
    assert re.search(r"베트남어.*?<td class=\"n\">2</td>", languages, re.S)
    assert re.search(r"영어.*?<td class=\"n\">1</td>", languages, re.S)
    assert '문자</th><td class="n">3</td>' in page


def test_metrics_period_is_chosen_and_checked(app: Flask) -> None:
    _seed(app)
    admin = sign_in(app, "chief", "admin")
    last_year = (datetime.now(SEOUL).date() - timedelta(days=365)).isoformat()
    old = admin.get("/admin/metrics", query_string={"since": last_year, "until": last_year})
    page = old.get_data(as_text=True)
    assert _cell(page, "m-contacts") == "0" and _cell(page, "m-fcr") == "—"
    assert "이 기간에 상담이 없습니다" in page
    bad = admin.get("/admin/metrics", query_string={"since": "yesterday"})
    assert bad.status_code == 200
    text = bad.get_data(as_text=True)
    assert "YYYY-MM-DD 형식" in text and _cell(text, "m-contacts") == "3"
    backwards = admin.get(
        "/admin/metrics", query_string={"since": "2026-02-01", "until": "2026-01-01"}
    )
    assert "시작일이 종료일보다 늦습니다" in backwards.get_data(as_text=True)


def test_agents_cannot_see_metrics(app: Flask) -> None:
    agent = sign_in(app, "kim")
    assert agent.get("/admin/metrics").status_code == 403
    assert 'href="/admin/metrics"' not in agent.get("/agent/").get_data(as_text=True)


def test_days_are_the_centres_days(app: Flask) -> None:
    """A text at 01:00 on 27 November in Seoul (16:00 on the 26th in UTC) is the 27th's."""
    record = Record.build(services(app).sessions)
    stored = record.inbound.record_sms(
        InboundSms("SM1", "+821011112222", "+8215880120", "Hello", {"MessageSid": "SM1"})
    )
    seoul_night = datetime(2026, 11, 27, 1, 0, tzinfo=SEOUL)
    with services(app).sessions() as session, session.begin():
        session.execute(
            update(Conversation)
            .where(Conversation.id == stored.conversation_id)
            .values(created_at=seoul_night.astimezone(UTC))
        )
    admin = sign_in(app, "chief", "admin")

    def contacts(day: str) -> str:
        page = admin.get("/admin/metrics", query_string={"since": day, "until": day})
        return _cell(page.get_data(as_text=True), "m-contacts")

    assert (contacts("2026-11-26"), contacts("2026-11-27")) == ("0", "1")
    assert "(한국 시간)" in admin.get("/admin/metrics").get_data(as_text=True)
