"""Times staff read on the thread and the admin list are the centre's (Asia/Seoul), with the
date when not today; before, the thread showed UTC as if it were local (18:07 for 03:07)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import select, update

from relay.services import services
from tests.relay.agent_helpers import sign_in
from tests.support.app_fixtures import Webhooks, drain
from transcripts.models import Conversation, Message


def test_the_thread_and_the_admin_list_show_the_centres_time_with_its_date(app: Flask) -> None:
    Webhooks(app.test_client()).sms("I lost my wallet on the bus.")
    drain(app)
    evening_utc = datetime(2026, 11, 27, 18, 7, tzinfo=UTC)  # 2026-11-28 03:07 in Seoul
    with services(app).sessions() as session, session.begin():
        session.execute(update(Message).values(created_at=evening_utc))
        session.execute(update(Conversation).values(last_message_at=evening_utc))
        cid = session.scalar(select(Conversation.id))
    admin = sign_in(app, "boss", "admin")
    thread = admin.get(f"/agent/conversations/{cid}").get_data(as_text=True)
    listing = admin.get("/admin/conversations").get_data(as_text=True)
    for page in (thread, listing):
        assert ">2026-11-28 03:07<" in page
        assert ">18:07<" not in page and "2026-11-27 18:07" not in page
