"""A returning resident's earlier conversations show in the thread, newest first, escaped,
with how each ended."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from relay.services import services
from tests.relay.agent_helpers import sign_in
from tests.support.app_fixtures import Webhooks, drain
from tests.support.staff import STAFF
from transcripts.models import Conversation, Disposition

HOSTILE = "<script>alert(1)</script> Guten Tag, ich habe meine Geldbörse im Bus verloren."


def test_the_thread_lists_the_residents_earlier_conversations(app: Flask) -> None:
    webhooks = Webhooks(app.test_client())
    record = services(app).record
    ids = []
    for body in (HOSTILE, "Second question"):
        webhooks.sms(body, from_number="+821055556666")
        drain(app)
        with services(app).sessions() as session:
            ids.append(session.scalars(select(Conversation.id).order_by(Conversation.id)).all()[-1])
        record.agents.close(ids[-1], STAFF, Disposition.NO_RESPONSE)
    webhooks.sms("Third time", from_number="+821055556666")
    webhooks.sms("Someone else", from_number="+821077778888")
    drain(app)
    with services(app).sessions() as session:
        now, other = session.scalars(
            select(Conversation.id).where(Conversation.id.not_in(ids)).order_by(Conversation.id)
        ).all()

    agent = sign_in(app, "kim")
    page = agent.get(f"/agent/conversations/{now}").get_data(as_text=True)
    assert "이 주민의 다른 상담 2건" in page
    earlier = page[page.index('class="earlier"') : page.index("</details>")]
    links = [f'/agent/conversations/{cid}"' for cid in ids]
    assert earlier.index(links[1]) < earlier.index(links[0])  # newest first
    assert earlier.count("무응답") == 2
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in earlier
    assert "다른 상담" not in agent.get(f"/agent/conversations/{other}").get_data(as_text=True)
