"""Agents' languages on the accounts page: chosen when an account is made, changed per account,
audited in Korean, the same use case (and so the same stored list) as the supervisor's live
view, and picked up by automatic assignment at once."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from sqlalchemy import select

from relay.services import services
from tests.relay.agent_helpers import post_form, sign_in, stored_user
from tests.support.app_fixtures import Webhooks, drain
from transcripts.models import Conversation, Event
from transcripts.policy import EventKind

PAGE = "/admin/accounts"


def _events(app: Flask, kind: EventKind) -> list[Event]:
    with services(app).sessions() as session:
        found = list(session.scalars(select(Event).where(Event.kind == kind.value)))
        for event in found:
            session.expunge(event)
        return found


def _ticked(page: str, form_action: str) -> list[str]:
    """The language codes ticked in the form posting to `form_action`."""
    start = page.index(f'action="{form_action}"')
    form = page[start : page.index("</form>", start)]
    return re.findall(r'value="(\w+)" checked', form)


def test_an_admin_gives_a_new_agent_languages_and_changes_them_per_account(app: Flask) -> None:
    admin = sign_in(app, "chief", "admin")
    page = admin.get(PAGE).get_data(as_text=True)
    for flag, name in [("🇬🇧", "영어"), ("🇨🇳", "중국어"), ("🇯🇵", "일본어"),
                       ("🇻🇳", "베트남어"), ("🇲🇳", "몽골어"), ("🇰🇷", "한국어")]:  # fmt: skip
        assert f'<span aria-hidden="true">{flag}</span> {name}</label>' in page, name

    languages = ["vi", "ko", "xx", "<b>"]
    created = post_form(admin, PAGE, PAGE, username="nguyen", role="agent",
                    password="nguyen's own passphrase", languages=languages)  # fmt: skip
    assert created.status_code == 303
    nguyen = stored_user(app, "nguyen")
    assert nguyen.languages == "ko vi"  # only languages relay offers, stored as the floor does
    [made] = _events(app, EventKind.ACCOUNT_CREATED)
    assert made.data["languages"] == ["ko", "vi"]
    page = admin.get(PAGE).get_data(as_text=True)
    own_form = f"{PAGE}/{nguyen.id}/languages"
    assert _ticked(page, own_form) == ["vi", "ko"]  # in the page's order: the five, then Korean
    assert "상담 언어: 한국어, 베트남어" in page  # the creation's history line, in Korean

    changed = post_form(admin, PAGE, own_form, languages=["en", "zh"])
    assert changed.status_code == 303
    assert stored_user(app, "nguyen").languages == "en zh"
    page = admin.get(PAGE).get_data(as_text=True)
    assert "상담 언어를 저장했습니다: 영어, 중국어" in page
    assert _ticked(page, own_form) == ["en", "zh"]
    [event] = _events(app, EventKind.AGENT_LANGUAGES)
    assert event.data["agent_id"] == nguyen.id and event.data["languages"] == ["en", "zh"]
    assert event.data["user_id"] == stored_user(app, "chief").id
    history = page[page.index("계정 변경 기록") :]
    assert "상담원 언어 지정" in history and "상담원: nguyen" in history
    assert "상담 언어: 영어, 중국어" in history and "agent.languages" not in history

    # The live view reads the same list: one rule, whichever page wrote it.
    live = admin.get("/admin/live").get_data(as_text=True)
    assert _ticked(live, f"/admin/live/agents/{nguyen.id}/languages") == ["en", "zh"]
    # Nothing ticked: the agent serves no language, said in Korean.
    post_form(admin, PAGE, own_form)
    assert stored_user(app, "nguyen").languages == ""
    assert "상담 언어를 저장했습니다: 없음" in admin.get(PAGE).get_data(as_text=True)


def test_agents_cannot_set_languages_and_unknown_accounts_are_said_in_korean(app: Flask) -> None:
    admin = sign_in(app, "chief", "admin")
    agent = sign_in(app, "kim")
    kim = stored_user(app, "kim")
    refused = post_form(agent, "/agent/", f"{PAGE}/{kim.id}/languages", languages=["en"])
    assert refused.status_code == 403
    assert stored_user(app, "kim").languages == ""
    missing = post_form(admin, PAGE, f"{PAGE}/999999/languages", languages=["en"])
    assert missing.status_code == 303
    assert "상담원을 찾을 수 없습니다." in admin.get(PAGE).get_data(as_text=True)
    assert post_form(admin, PAGE, f"{PAGE}/99999999999999999999/languages").status_code == 404
    assert _events(app, EventKind.AGENT_LANGUAGES) == []


def test_languages_given_on_the_accounts_page_are_used_by_automatic_assignment(
    app_factory: Any,
) -> None:
    app = app_factory(AUTO_ASSIGN=True, AUTO_ASSIGN_CAP=2)
    admin = sign_in(app, "chief", "admin")
    agent = sign_in(app, "minji")
    post_form(agent, "/agent/queue", "/agent/availability", availability="available")
    text = Webhooks(app.test_client()).sms("Xin chào, tôi cần gia hạn thẻ cư trú.")
    assert text.status_code == 200
    drain(app)
    with services(app).sessions() as session:
        waiting = session.scalars(select(Conversation)).one()
    assert waiting.language == "vi" and waiting.claimed_by_id is None  # nobody serves Vietnamese

    minji = stored_user(app, "minji").id
    post_form(admin, PAGE, f"{PAGE}/{minji}/languages", languages=["vi"])
    drain(app)  # the change itself asks the assigner to look again, not the minute's sweep
    with services(app).sessions() as session:
        conversation = session.get(Conversation, waiting.id)
        assert conversation is not None and conversation.claimed_by_id == minji
    [assigned] = _events(app, EventKind.CONVERSATION_ASSIGNED)
    assert assigned.data["to_user_id"] == minji
