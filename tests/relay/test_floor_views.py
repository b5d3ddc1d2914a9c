"""The floor through the pages: an agent's state in the header, signing out, the admin's
language form, automatic assignment as the app runs it, and the supervisor's live view."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from relay.agent.floor_views import elapsed
from relay.services import services
from tests.relay.agent_helpers import csrf_from, post_form, sign_in
from tests.support.app_fixtures import Webhooks, drain
from transcripts.db import utcnow
from transcripts.models import Availability, Conversation, Event, User
from transcripts.policy import EventKind

QUEUE = "/agent/queue"


def _user(app: Flask, name: str) -> User:
    with services(app).sessions() as session:
        user = session.scalars(select(User).where(User.username == name)).one()
        session.expunge(user)
        return user


def _events(app: Flask, kind: EventKind) -> list[Event]:
    with services(app).sessions() as session:
        return list(session.scalars(select(Event).where(Event.kind == kind.value)).all())


def _pressed(page: str) -> list[str]:
    return re.findall(r'value="(\w+)" class="state[^"]*"\s+aria-pressed="true"', page)


def _set_state(client: FlaskClient, state: str, page: str = QUEUE) -> Any:
    return post_form(client, page, "/agent/availability", availability=state, next=page)


def _text(app: Flask, phone: str, body: str) -> int:
    assert Webhooks(app.test_client()).sms(body, from_number=phone).status_code == 200
    drain(app)
    with services(app).sessions() as session:
        newest = select(Conversation).order_by(Conversation.id.desc())
        conversation = session.scalars(newest).first()
        assert conversation is not None
        return conversation.id


def _holder(app: Flask, conversation_id: int) -> int | None:
    with services(app).sessions() as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        return conversation.claimed_by_id


def _languages(admin: FlaskClient, user_id: int, *codes: str) -> Any:
    token = csrf_from(admin.get("/admin/live").get_data(as_text=True))
    return admin.post(
        f"/admin/live/agents/{user_id}/languages",
        data={"csrf_token": token, "languages": list(codes)},
    )


def test_an_agent_sets_their_state_in_the_header_and_it_is_audited(app: Flask) -> None:
    agent = sign_in(app, "minji")
    assert _pressed(agent.get(QUEUE).get_data(as_text=True)) == ["away"]
    response = _set_state(agent, "after_call")
    assert response.status_code == 303 and response.headers["Location"] == QUEUE
    page = agent.get(QUEUE).get_data(as_text=True)
    assert _pressed(page) == ["after_call"]
    assert "후처리" in page and "대기 가능" in page and "자리 비움" in page
    assert _user(app, "minji").availability is Availability.AFTER_CALL
    (event,) = _events(app, EventKind.AGENT_AVAILABILITY)
    assert event.data["to_state"] == "after_call"
    # Somewhere else is never where the form sends the agent back to.
    response = post_form(agent, QUEUE, "/agent/availability", availability="available",
                         next="//evil.example/")  # fmt: skip
    assert response.headers["Location"] == "/agent/"  # type: ignore[attr-defined]


def test_signing_out_sets_the_agent_away(app: Flask) -> None:
    agent = sign_in(app, "minji")
    _set_state(agent, "available")
    assert _user(app, "minji").availability is Availability.AVAILABLE
    post_form(agent, QUEUE, "/logout")
    assert _user(app, "minji").availability is Availability.AWAY
    assert agent.get(QUEUE).status_code == 302  # and the session is over


def test_a_contact_goes_to_an_available_agent_of_its_language(app_factory: Any) -> None:
    app = app_factory(AUTO_ASSIGN=True, AUTO_ASSIGN_CAP=2)
    admin = sign_in(app, "boss", "admin")
    agent = sign_in(app, "minji")
    minji = _user(app, "minji").id
    assert _languages(admin, minji, "en", "xx").status_code == 303
    assert _user(app, "minji").languages == "en"

    waiting = _text(app, "+821055501111", "Hello, I need help with my visa renewal.")
    assert _holder(app, waiting) is None  # minji is away: the contact waits in the queue
    _set_state(agent, "available")
    drain(app)  # becoming available runs the assignment
    assert _holder(app, waiting) == minji

    second = _text(app, "+821055502222", "Where can I get my alien registration card?")
    assert _holder(app, second) == minji  # assigned as soon as its language was known
    third = _text(app, "+821055503333", "Is the immigration office open on Saturday?")
    assert _holder(app, third) is None  # minji holds the cap (2)
    assigned = _events(app, EventKind.CONVERSATION_ASSIGNED)
    assert [(e.conversation_id, e.data["to_user_id"]) for e in assigned] == [
        (waiting, minji),
        (second, minji),
    ]
    assert f'data-conversation="{second}"' in agent.get(QUEUE).get_data(as_text=True)


def test_nothing_is_assigned_when_the_setting_is_off(app: Flask) -> None:
    admin = sign_in(app, "boss", "admin")
    agent = sign_in(app, "minji")
    _languages(admin, _user(app, "minji").id, "en")
    _set_state(agent, "available")
    waiting = _text(app, "+821055501111", "Hello, I need help with my visa renewal.")
    assert _holder(app, waiting) is None
    assert _events(app, EventKind.CONVERSATION_ASSIGNED) == []


def test_the_live_view_is_for_admins_only(app: Flask) -> None:
    assert sign_in(app, "minji").get("/admin/live").status_code == 403
    assert app.test_client().get("/admin/live").status_code == 302


def test_the_live_view_shows_the_floor_in_korean_and_reassigns_in_one_click(app: Flask) -> None:
    admin = sign_in(app, "boss", "admin")
    minji_client = sign_in(app, "minji")
    sign_in(app, "jisu")
    minji, jisu = _user(app, "minji").id, _user(app, "jisu").id
    _languages(admin, jisu, "en", "vi")
    _set_state(minji_client, "after_call")
    jisu_client = sign_in(app, "jisu", create=False)
    _set_state(jisu_client, "available")
    held = _text(app, "+821055501111", "Hello, I need help with my visa renewal.")
    late = _text(app, "+821055502222", "Xin chào, tôi cần gia hạn thẻ cư trú.")
    with services(app).sessions() as session, session.begin():
        conversation = session.get(Conversation, held)
        assert conversation is not None
        conversation.claimed_by_id, conversation.claimed_at = minji, utcnow()
        conversation.awaiting_since = utcnow() - timedelta(minutes=12)
        waited = session.get(Conversation, late)
        assert waited is not None
        waited.awaiting_since = utcnow() - timedelta(minutes=17, seconds=5)

    page = admin.get("/admin/live").get_data(as_text=True)
    assert "실시간 현황" in page and 'hx-trigger="every 5s"' in page
    assert "후처리" in page and "대기 가능" in page
    assert "목표 초과" in page and "곧 초과" in page and "17분" in page
    assert "베트남어" in page and "영어" in page
    assert "KST" in page  # the moment the view was read, in the centre's time
    # No internal names on the staff page.
    visible = re.sub(r"<[^>]+>", " ", page)
    for word in ("after_call", "available", "away", "vi ", "en "):
        assert word not in visible
    # The suggested agent for the English conversation is jisu (available, serves English).
    form = page.split(f"/admin/live/conversations/{held}/transfer")[1].split("</form>")[0]
    assert re.search(rf'value="{jisu}" selected', form)

    response = post_form(admin, "/admin/live", f"/admin/live/conversations/{held}/transfer",
                         to_user_id=str(jisu))  # fmt: skip
    assert response.headers["Location"] == "/admin/live"  # type: ignore[attr-defined]
    assert _holder(app, held) == jisu
    (event,) = _events(app, EventKind.CONVERSATION_TRANSFERRED)
    assert event.data == {"user_id": _user(app, "boss").id, "from_user_id": minji,
                          "to_user_id": jisu}  # fmt: skip

    fragment = admin.get("/admin/live", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="floor-live"') and "<html" not in fragment


def test_the_audit_trail_reads_the_floor_in_korean(app: Flask) -> None:
    admin = sign_in(app, "boss", "admin")
    sign_in(app, "minji")
    _languages(admin, _user(app, "minji").id, "mn", "ko")
    from relay.agent.audit_view import audit_rows

    rows = audit_rows(_events(app, EventKind.AGENT_LANGUAGES), {_user(app, "minji").id: "minji"})
    (row,) = rows
    assert row.what == "상담원 언어 지정"
    assert ("상담 언어", "한국어, 몽골어") in row.details


def test_a_wait_reads_in_the_largest_units_a_supervisor_counts() -> None:
    now = utcnow()
    assert elapsed(now - timedelta(seconds=40), now) == "40초"
    assert elapsed(now - timedelta(minutes=12), now) == "12분"
    assert elapsed(now - timedelta(hours=1, minutes=5), now) == "1시간 5분"
    assert elapsed(now - timedelta(hours=31, minutes=27), now) == "1일 7시간"
    assert elapsed(None, now) == "—"
