"""Resident text can hold anything: every agent page shows it as text, never as markup."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from relay.services import services
from tests.relay.agent_helpers import post_form, sign_in
from tests.relay.test_agent_views import inbound
from tests.support.voice_seed import seed_voice_message, seg

HOSTILE = [
    '<script>alert("x")</script><img src=x onerror=alert(1)>',
    "&lt;b&gt;bold&lt;/b&gt; &amp; <b>bold</b>",
    "\u202ecod.exe\u202c \u200fمرحبا\u200e right-to-left marks",
    "\"'><svg onload=alert(2)>{{ 7*7 }}",
    "🙂👨‍👩‍👧‍👦🇰🇷 emoji " * 20,
]


@pytest.mark.parametrize("text", HOSTILE, ids=["script", "entities", "rtl", "quotes", "emoji"])
def test_hostile_text_stays_inert_on_every_page(app: Flask, text: str) -> None:
    cid = inbound(app, text)
    admin = sign_in(app, "chief", "admin")
    pages = {
        "queue": admin.get("/agent/").get_data(as_text=True),
        "thread": admin.get(f"/agent/conversations/{cid}").get_data(as_text=True),
        "admin": admin.get("/admin/conversations").get_data(as_text=True),
        "search": admin.get("/admin/conversations", query_string={"q": text[:20]}).get_data(
            as_text=True
        ),
    }
    for name, page in pages.items():
        assert "<script>alert" not in page, name
        assert "<img src=x" not in page, name
        assert "<svg onload" not in page, name
        assert "<b>bold</b>" not in page, name
    assert "49" not in pages["thread"].split("{{")[0][-5:]  # templates never evaluate input
    assert "&lt;script&gt;" in pages["thread"] or "<script>" not in text


def test_five_thousand_characters_render_and_the_thread_stays_usable(app: Flask) -> None:
    long_text = ("Hello, I need help with my residence card. " * 120)[:5000]
    cid = inbound(app, long_text)
    agent = sign_in(app, "kim")
    queue = agent.get("/agent/").get_data(as_text=True)
    assert f'data-conversation="{cid}"' in queue
    assert long_text not in queue  # the queue shows a short preview, never the whole text
    claimed = post_form(agent, "/agent/", f"/agent/conversations/{cid}/claim")
    assert claimed.status_code == 303
    thread = agent.get(f"/agent/conversations/{cid}").get_data(as_text=True)
    assert '<mark class="term" title="한국어: 외국인등록증' in thread  # a glossary term, marked
    assert long_text in re.sub(r"<mark[^>]*>|</mark>", "", thread)
    assert 'id="reply"' in thread


def test_admin_list_shows_a_short_preview_of_a_long_korean_translation(app: Flask) -> None:
    korean = "외국인등록증을 갱신하고 싶어요. " * 300
    seed_voice_message(services(app).sessions, [seg(0.0, 1.0, "Hello.", korean)])
    page = sign_in(app, "chief", "admin").get("/admin/conversations").get_data(as_text=True)
    assert "외국인등록증을 갱신하고 싶어요." in page
    assert korean.strip() not in page  # one row, not 5,000 characters of it
