"""The web chat for a resident who reads Korean: the page, its problems, the reply link and its
notices in Korean, written by people, when the conversation's language is Korean or the browser
asks for Korean and names none of the five; `<html lang>` says so."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html import unescape
from typing import Any

from flask import Flask
from sqlalchemy import select, update

from relay.channels.web import send_nudges
from relay.chat.wording import WORDS
from relay.services import services
from tests.relay.agent_helpers import post_form, sign_in
from tests.relay.test_web_chat import CENTRE, bearer, only_conversation, start_chat, write
from tests.support.app_fixtures import Webhooks, drain
from transcripts.db import utcnow
from transcripts.models import Direction, Message
from transcripts.policy import MAX_CHAT_MESSAGE_CHARS

KOREAN_ONLY = {"Accept-Language": "ko-KR,ko;q=0.9"}
LOST_CARD = "외국인등록증을 잃어버렸는데 어디에서 다시 발급받을 수 있나요?"
ANSWER = "가까운 출입국·외국인청에 여권과 사진 한 장을 가지고 방문하시면 됩니다."


def _html_lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)">', html)
    assert match, html[:200]
    return match.group(1)


def test_the_korean_words_are_complete_and_korean() -> None:
    assert set(WORDS["ko"]) == set(WORDS["en"])
    hangul = re.compile(r"[\uac00-\ud7a3]")
    for key, text in WORDS["ko"].items():
        assert hangul.search(text), key
        shown = text.replace("{limit}", "")
        assert not re.search(r"[A-Za-z]{3,}", shown), key  # no English left in the Korean
    assert "{limit}" in WORDS["ko"]["too_long"]


def test_a_browser_asking_for_korean_and_none_of_the_five_gets_the_start_page_in_korean(
    app: Flask,
) -> None:
    client = app.test_client()
    html = client.get("/chat", headers=KOREAN_ONLY).get_data(as_text=True)
    assert _html_lang(html) == "ko"
    for key in ("title", "intro", "emergency", "privacy", "start", "callback"):
        assert WORDS["ko"][key] in html, key
    assert '<option value="ko" lang="ko" selected>한국어</option>' in html
    assert 'hreflang="ko" aria-current="page">한국어</a>' in html
    # One of the five named anywhere wins over Korean: a phone bought in Korea is set to Korean.
    both = client.get("/chat", headers={"Accept-Language": "ko-KR,ko;q=0.9,vi;q=0.5"})
    assert _html_lang(both.get_data(as_text=True)) == "vi"
    asked = client.get("/chat?lang=ko", headers={"Accept-Language": "en-US"})
    assert _html_lang(asked.get_data(as_text=True)) == "ko"
    english = client.get("/chat", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert _html_lang(english) == "en" and 'hreflang="ko">한국어</a>' in english


def test_a_chat_started_in_korean_is_korean_throughout(app_factory: Any) -> None:
    app = app_factory(SMS_ACKNOWLEDGEMENT=True)
    resident = app.test_client()
    start_chat(resident, LOST_CARD, "ko")
    drain(app)
    conversation = only_conversation(app)
    assert conversation.language == "ko"
    page = resident.get("/chat/c", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert _html_lang(page) == "ko" and WORDS["ko"]["title"] in page
    assert "120 콜센터입니다. 메시지를 받았습니다." in page  # the receipt, in Korean
    assert LOST_CARD in page and WORDS["ko"]["send"] in page
    found = re.search(r'data-labels="([^"]+)"', page)
    assert found is not None
    labels = json.loads(unescape(found.group(1)))  # what chat.js shows for live lines
    assert (labels["you"], labels["received"], labels["read"]) == ("나", "접수됨", "읽음")
    with services(app).sessions() as session:
        message = session.scalars(
            select(Message).where(Message.direction == Direction.INBOUND)
        ).one()
        assert message.original_language == "ko" and message.translated_text == LOST_CARD

    kim, client = bearer(app), app.test_client()
    client.post(f"/api/conversations/{conversation.id}/claim", headers=kim)
    client.post(f"/api/conversations/{conversation.id}/replies", json={"text": ANSWER}, headers=kim)
    drain(app)
    page = resident.get("/chat/c").get_data(as_text=True)
    assert ANSWER in page and f'lang="ko">{ANSWER}' in page


def test_a_conversation_set_to_korean_shows_its_page_and_problems_in_korean(app: Flask) -> None:
    resident = app.test_client()
    start_chat(resident, "Xin chào")
    drain(app)
    conversation = only_conversation(app)
    assert _html_lang(resident.get("/chat/c").get_data(as_text=True)) == "vi"
    agent = sign_in(app, "kim")
    thread = f"/agent/conversations/{conversation.id}"
    post_form(agent, "/agent/", f"{thread}/claim")
    post_form(agent, thread, f"{thread}/language", language="ko")

    vietnamese = {"Accept-Language": "vi-VN,vi;q=0.9"}
    page = resident.get("/chat/c", headers=vietnamese).get_data(as_text=True)
    assert _html_lang(page) == "ko" and WORDS["ko"]["privacy"] in page
    assert 'lang="vi">Xin chào</p>' in page  # the resident's own words keep their language

    empty = write(resident, "   ", headers=vietnamese)
    assert empty.status_code == 400
    assert WORDS["ko"]["empty"] in empty.get_data(as_text=True)
    too_long = write(resident, "가" * (MAX_CHAT_MESSAGE_CHARS + 1), headers=vietnamese)
    limit = WORDS["ko"]["too_long"].format(limit=MAX_CHAT_MESSAGE_CHARS)
    assert too_long.status_code == 400 and limit in too_long.get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    as_json = resident.post(
        "/chat/c/messages",
        data={"csrf_token": token, "text": ""},
        headers={**vietnamese, "Accept": "application/json"},
    )
    assert as_json.status_code == 400 and as_json.get_json() == {"error": WORDS["ko"]["empty"]}

    topic = next(iter(app.config["TOPICS"]))
    post_form(agent, thread, f"{thread}/close", disposition="resolved", topic=topic)
    ended = resident.get("/chat/c", headers=vietnamese)
    html = ended.get_data(as_text=True)
    assert ended.status_code == 410 and _html_lang(html) == "ko"
    assert WORDS["ko"]["ended"] in html and WORDS["ko"]["start_new"] in html


def test_problem_pages_speak_korean_to_a_browser_that_asks_for_it(app: Flask) -> None:
    client = app.test_client()
    for path in ("/chat/" + "Z" * 22, "/chat/c/x/y", "/r/not-a-reply-link", "/chat/c"):
        answer = client.get(path, headers=KOREAN_ONLY)
        html = answer.get_data(as_text=True)
        assert answer.status_code == 404 and _html_lang(html) == "ko", path
        assert WORDS["ko"]["not_found"] in html and "Not Found" not in html, path
    english = client.get("/chat/c/x/y", headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.8"})
    assert _html_lang(english.get_data(as_text=True)) == "en"


def test_a_korean_speakers_reply_link_opens_their_chat_in_korean_and_later_the_reply(
    app_factory: Any,
) -> None:
    app = app_factory()
    Webhooks(app.test_client()).sms(LOST_CARD)
    drain(app)
    conversation = only_conversation(app)
    assert conversation.language == "ko"
    kim, client = bearer(app), app.test_client()
    client.post(f"/api/conversations/{conversation.id}/claim", headers=kim)
    long_answer = " ".join([ANSWER] * 20)  # more than ten SMS parts: it goes as a link
    sent = client.post(
        f"/api/conversations/{conversation.id}/replies", json={"text": long_answer}, headers=kim
    ).get_json()
    assert sent["preview"]["uses_link"], sent["preview"]
    notice = sent["message"]["sms"]["delivered_body"]
    assert re.search(r"[\uac00-\ud7a3]", notice)  # the SMS notice itself is in Korean
    link = re.search(r"(/r/[\w-]+)", notice)
    assert link is not None
    drain(app)

    resident = app.test_client()
    english = {"Accept-Language": "en-US"}
    assert resident.get(link.group(1), headers=english).status_code == 303
    page = resident.get("/chat/c", headers=english).get_data(as_text=True)
    assert _html_lang(page) == "ko" and WORDS["ko"]["title"] in page and LOST_CARD in page

    client.post(f"/api/conversations/{conversation.id}/close", json={}, headers=kim)
    reply = app.test_client().get(link.group(1), headers=english)
    html = reply.get_data(as_text=True)
    assert reply.status_code == 200 and _html_lang(html) == "ko"
    assert ANSWER in html and "120 · 한국어" in html


def test_an_unread_korean_web_reply_is_nudged_by_a_korean_sms(app: Flask) -> None:
    resident = app.test_client()
    start_chat(resident, LOST_CARD, "ko", callback="010-1234-5678")
    drain(app)
    conversation = only_conversation(app)
    kim, client = bearer(app), app.test_client()
    client.post(f"/api/conversations/{conversation.id}/claim", headers=kim)
    client.post(f"/api/conversations/{conversation.id}/replies", json={"text": ANSWER}, headers=kim)
    drain(app)
    with app.app_context():
        with services(app).sessions() as session, session.begin():
            session.execute(update(Message).values(created_at=utcnow() - timedelta(minutes=20)))
        assert send_nudges(services(app), 15, "https://relay.example.org", CENTRE) == 1
    with services(app).sessions() as session:
        nudge = session.scalars(select(Message).order_by(Message.id.desc())).first()
        assert nudge is not None and nudge.delivered_body is not None
    assert nudge.delivered_body.startswith("Seoul Dasan Call Centre(☎02-120): 새 답변이")
    assert "/r/" in nudge.delivered_body


def test_an_expired_form_on_a_korean_chat_is_answered_in_korean(app: Flask) -> None:
    resident = app.test_client()
    start_chat(resident, LOST_CARD, "ko")
    english = {"Accept-Language": "en-US"}
    stale = resident.post("/chat/c/messages", data={"text": "다시 보냅니다"}, headers=english)
    html = stale.get_data(as_text=True)
    assert stale.status_code == 400 and _html_lang(html) == "ko"
    assert WORDS["ko"]["expired"] in html and "CSRF" in html
    started = app.test_client().post(
        "/chat", data={"language": "ko", "text": LOST_CARD}, headers=english
    )
    assert started.status_code == 400 and _html_lang(started.get_data(as_text=True)) == "ko"
