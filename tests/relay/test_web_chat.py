"""The resident web chat through the real app: pages in the resident's language, access only
by the secret, the bad inputs the issue lists, replies on the page, and an SMS conversation
continuing as a chat."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from languages.sms import Sender
from relay.channels.web import send_nudges
from relay.services import services
from tests.relay.agent_helpers import csrf_from, post_form, sign_in
from tests.support.app_fixtures import Webhooks, create_user, drain
from tests.support.modelkit import TinyModels
from transcripts.db import utcnow
from transcripts.models import Channel, Conversation, Direction, Message, MessageStatus

CENTRE = Sender("Seoul Dasan Call Centre", "02-120")
VI_HEADERS = {"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"}


def start_chat(client: FlaskClient, text: str, language: str = "vi", **form: str) -> Any:
    page = client.get(f"/chat?lang={language}").get_data(as_text=True)
    return client.post(
        "/chat",
        data={"csrf_token": csrf_from(page), "language": language, "text": text, **form},
    )


def write(client: FlaskClient, text: str, headers: dict[str, str] | None = None) -> Any:
    page = client.get("/chat/c").get_data(as_text=True)
    return client.post(
        "/chat/c/messages", data={"csrf_token": csrf_from(page), "text": text}, headers=headers
    )


def bearer(app: Flask, name: str = "kim") -> dict[str, str]:
    return {"Authorization": f"Bearer {create_user(app, name)}"}


def only_conversation(app: Flask) -> Conversation:
    with services(app).sessions() as session:
        return session.scalars(select(Conversation)).one()


def test_the_start_page_speaks_the_browsers_language_and_names_each_in_its_own_script(
    app: Flask,
) -> None:
    html = app.test_client().get("/chat", headers=VI_HEADERS).get_data(as_text=True)
    assert '<html lang="vi">' in html
    assert "Trò chuyện với Tổng đài 120" in html and "112" in html and "119" in html
    assert "Quyền riêng tư" in html  # the privacy notice
    for code, name in [("en", "English"), ("zh", "中文"), ("ja", "日本語"), ("vi", "Tiếng Việt"),
                       ("mn", "Монгол")]:  # fmt: skip
        assert f'lang="{code}"' in html and name in html
    assert 'name="csrf_token"' in html and 'method="post"' in html
    mongolian = app.test_client().get("/chat", headers={"Accept-Language": "mn"})
    assert '<html lang="mn">' in mongolian.get_data(as_text=True)


def test_a_vietnamese_chat_is_translated_answered_on_the_page_and_read(
    app: Flask, tiny_models: TinyModels
) -> None:
    wallet, received = tiny_models.phrase("wallet"), tiny_models.phrase("received")
    resident = app.test_client()
    started = start_chat(resident, wallet["vi"])
    assert started.status_code == 303 and started.headers["Location"].endswith("/chat/c")
    cookie = started.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/chat" in cookie
    drain(app)
    conversation = only_conversation(app)
    assert conversation.channel is Channel.WEB
    with services(app).sessions() as session:
        first = session.scalars(select(Message)).one()
        assert first.translated_text == wallet["ko"] and first.channel is Channel.WEB
    kim = bearer(app)
    client = app.test_client()
    client.post(f"/api/conversations/{conversation.id}/claim", headers=kim)
    preview = client.post(
        f"/api/conversations/{conversation.id}/replies/preview",
        json={"text": received["ko"]},
        headers=kim,
    ).get_json()
    assert preview["channel"] == "web" and preview["segments"] == 0
    assert preview["delivered_body"] == received["vi"]  # whole, no notice and link
    sent = client.post(
        f"/api/conversations/{conversation.id}/replies", json={"text": received["ko"]}, headers=kim
    )
    assert sent.status_code == 202
    drain(app)
    reply_id = sent.get_json()["message"]["id"]
    page = resident.get("/chat/c").get_data(as_text=True)
    assert received["vi"] in page and wallet["vi"] in page  # every diacritic, both sides
    assert received["ko"] not in page  # the resident never sees the Korean
    token = csrf_from(page)
    resident.post(
        "/chat/c/seen", json={"delivered": [reply_id], "read": [reply_id]},
        headers={"X-CSRFToken": token},
    )  # fmt: skip
    with services(app).sessions() as session:
        reply = session.get(Message, reply_id)
        assert reply is not None and reply.status is MessageStatus.DELIVERED
        assert reply.read_at is not None


def test_bad_messages_get_a_friendly_answer_in_the_residents_language(app: Flask) -> None:
    resident = app.test_client()
    assert start_chat(resident, "   ").status_code == 400
    too_long = start_chat(resident, "x" * 20_000)
    assert too_long.status_code == 400
    assert "Tin nhắn quá dài" in too_long.get_data(as_text=True)
    start_chat(resident, "Xin chào")
    accented = write(
        resident, "ệ" * 20_000, VI_HEADERS
    )  # over the body cap: refused before parsing
    assert accented.status_code == 413
    assert "Tin nhắn quá dài" in accented.get_data(as_text=True)
    assert "Traceback" not in accented.get_data(as_text=True)
    answers = [write(resident, f"tin nhắn {n}").status_code for n in range(100)]
    assert answers.count(303) == 12 and set(answers[12:]) == {429}  # 12 a minute per page
    flooded = write(resident, "again")
    assert "Bạn gửi tin nhắn quá nhanh" in flooded.get_data(as_text=True)


def test_forged_and_other_secrets_open_nothing_and_say_so_in_the_residents_language(
    app: Flask,
) -> None:
    mine, theirs = app.test_client(), app.test_client()
    start_chat(mine, "Tôi bị mất ví")
    start_chat(theirs, "Where can I pay a fine?", "en")
    forged = app.test_client()
    forged.set_cookie("relay_chat", "A" * 22, path="/chat")
    for answer in (forged.get("/chat/c", headers=VI_HEADERS),
                   forged.get("/chat/c/" + "B" * 22, headers=VI_HEADERS)):  # fmt: skip
        html = answer.get_data(as_text=True)
        assert answer.status_code == 404 and '<html lang="vi">' in html
        assert "Đường liên kết trò chuyện này không còn hiệu lực" in html
    assert "pay a fine" not in mine.get("/chat/c").get_data(as_text=True)
    assert "mất ví" not in theirs.get("/chat/c").get_data(as_text=True)
    assert app.test_client().get("/chat/c/events").status_code == 404


def test_hostile_text_is_kept_exactly_and_escaped_on_the_page(app: Flask) -> None:
    hostile = "<script>alert(1)</script>\u202egnp.exe\u200b\u200dXin chào"
    resident = app.test_client()
    start_chat(resident, hostile)
    html = resident.get("/chat/c").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'dir="auto"' in html  # isolated, so an override cannot turn the page around it
    with services(app).sessions() as session:
        assert session.scalars(select(Message.original_text)).one() == hostile


def test_an_unserved_language_is_kept_with_the_interpreter_notice_in_english_and_korean(
    app: Flask,
) -> None:
    resident = app.test_client()
    german = "Ich habe meine Geldbörse im Bus verloren und brauche dringend Hilfe."
    start_chat(resident, german, "en")
    drain(app)
    html = resident.get("/chat/c").get_data(as_text=True)
    assert german in html
    assert "arrange an interpreter" in html and "통역을 연결합니다" in html
    with services(app).sessions() as session:
        message = session.scalars(select(Message)).one()
        assert message.status is MessageStatus.NEEDS_INTERPRETER


def test_a_closed_or_purged_conversation_gets_a_friendly_page(app: Flask) -> None:
    from transcripts.retention import purge_before

    resident = app.test_client()
    start_chat(resident, "Xin chào")
    conversation = only_conversation(app)
    kim, client = bearer(app), app.test_client()
    client.post(f"/api/conversations/{conversation.id}/claim", headers=kim)
    client.post(f"/api/conversations/{conversation.id}/close", json={}, headers=kim)
    ended = resident.get("/chat/c", headers=VI_HEADERS)
    assert ended.status_code == 410 and "đã kết thúc" in ended.get_data(as_text=True)
    purge_before(services(app).sessions, utcnow() + timedelta(days=1))
    gone = resident.get("/chat/c", headers=VI_HEADERS)
    assert gone.status_code == 404 and "không còn hiệu lực" in gone.get_data(as_text=True)


def test_an_sms_reply_link_opens_the_same_conversation_as_a_chat(
    app_factory: Any, tiny_models: TinyModels
) -> None:
    app = app_factory(CENTRE_NAME=CENTRE.name, CENTRE_NUMBER=CENTRE.number)
    wallet, received = tiny_models.phrase("wallet"), tiny_models.phrase("received")
    Webhooks(app.test_client()).sms(wallet["vi"])
    drain(app)
    conversation = only_conversation(app)
    kim, client = bearer(app), app.test_client()
    client.post(f"/api/conversations/{conversation.id}/claim", headers=kim)
    sent = client.post(
        f"/api/conversations/{conversation.id}/replies", json={"text": received["ko"]}, headers=kim
    ).get_json()
    assert sent["preview"]["channel"] == "sms" and sent["preview"]["uses_link"]
    drain(app)
    notice = sent["message"]["sms"]["delivered_body"]
    # Who sent it, in words the resident can check: the centre's name and number.
    assert notice.startswith("Seoul Dasan Call Centre (02-120) da tra loi ban")
    link = re.search(r"https://relay\.example\.org(/r/[\w-]+)", notice)
    assert link is not None and len(link.group(0)) <= 50  # short, on the centre's domain
    resident = app.test_client()
    opened = resident.get(link.group(1))
    assert opened.status_code == 303 and "relay_chat=" in opened.headers["Set-Cookie"]
    page = resident.get("/chat/c").get_data(as_text=True)
    assert wallet["vi"] in page and received["vi"] in page
    assert "Seoul Dasan Call Centre" in page and 'href="tel:02-120"' in page  # the same name
    assert write(resident, tiny_models.phrase("thanks")["vi"]).status_code == 303
    drain(app)
    with services(app).sessions() as session:
        inbound = session.scalars(
            select(Message.channel).where(Message.direction == Direction.INBOUND)
        ).all()
        assert inbound == [Channel.SMS, Channel.WEB]
        assert session.scalar(select(Conversation.id)) == conversation.id  # the same one
    again = client.post(
        f"/api/conversations/{conversation.id}/replies/preview",
        json={"text": received["ko"]},
        headers=kim,
    ).get_json()
    assert again["channel"] == "web"  # the resident last wrote on the page
    agent = sign_in(app, "lee", "admin")
    html = agent.get(f"/agent/conversations/{conversation.id}").get_data(as_text=True)
    assert "문자" in html and "웹 채팅" in html  # both channels shown to the agent


def test_the_abuse_button_revokes_the_page(app: Flask) -> None:
    resident = app.test_client()
    start_chat(resident, "Xin chào")
    drain(app)
    conversation = only_conversation(app)
    agent = sign_in(app, "kim")
    thread = f"/agent/conversations/{conversation.id}"
    post_form(agent, "/agent/", f"/agent/conversations/{conversation.id}/claim")
    post_form(agent, thread, f"{thread}/abuse", block_hours="24")
    answer = resident.get("/chat/c", headers=VI_HEADERS)
    assert answer.status_code == 404
    with services(app).sessions() as session:
        warning = session.scalars(
            select(Message).where(Message.direction == Direction.OUTBOUND)
        ).one()
        assert warning.channel is Channel.WEB


def test_an_unread_web_reply_is_nudged_by_sms_with_the_chat_link(
    app: Flask, tiny_models: TinyModels
) -> None:
    received = tiny_models.phrase("received")
    resident = app.test_client()
    start_chat(resident, tiny_models.phrase("wallet")["vi"], callback="010-1234-5678")
    drain(app)
    conversation = only_conversation(app)
    kim, client = bearer(app), app.test_client()
    client.post(f"/api/conversations/{conversation.id}/claim", headers=kim)
    client.post(
        f"/api/conversations/{conversation.id}/replies", json={"text": received["ko"]}, headers=kim
    )
    drain(app)
    with app.app_context():
        assert send_nudges(services(app), 15, "https://relay.example.org", CENTRE) == 0  # not yet
        with services(app).sessions() as session, session.begin():
            session.execute(update(Message).values(created_at=utcnow() - timedelta(minutes=20)))
        assert send_nudges(services(app), 15, "https://relay.example.org", CENTRE) == 1
        assert send_nudges(services(app), 15, "https://relay.example.org", CENTRE) == 0  # once
    drain(app)
    with services(app).sessions() as session:
        nudge = session.scalars(select(Message).order_by(Message.id.desc())).first()
        assert nudge is not None and nudge.channel is Channel.SMS
        assert nudge.to_number == "+821012345678"
        assert nudge.status is MessageStatus.HELD  # this app keeps replies in the outbox
        assert nudge.delivered_body and "/r/" in nudge.delivered_body
        assert "Seoul Dasan Call Centre (02-120)" in nudge.delivered_body


def test_staff_pages_name_a_web_visitor_in_words_not_by_the_internal_key(app: Flask) -> None:
    start_chat(app.test_client(), "Tôi bị mất ví trên xe buýt.")
    drain(app)
    admin = sign_in(app, "boss", "admin")
    for url in ("/admin/conversations", "/admin/conversations/1/audit", "/agent/conversations/1"):
        page = admin.get(url).get_data(as_text=True)
        assert "웹 방문자" in page, url
        assert "web:" not in page, url


def test_a_short_or_unclear_text_keeps_the_language_the_resident_chose(
    app: Flask, tiny_models: TinyModels
) -> None:
    resident = app.test_client()
    start_chat(resident, "xxxx")  # lingua: a few percent for some language, not Vietnamese
    for text in ("ok", "Hello"):  # lingua: English, at 7% and 14%
        write(resident, text)
    drain(app)
    conversation = only_conversation(app)
    assert conversation.language == "vi"
    with services(app).sessions() as session:
        languages = session.scalars(select(Message.original_language).order_by(Message.id)).all()
    assert languages[-3:] == ["vi", "vi", "vi"]
    kim, client = bearer(app), app.test_client()
    client.post(f"/api/conversations/{conversation.id}/claim", headers=kim)
    received = tiny_models.phrase("received")
    sent = client.post(
        f"/api/conversations/{conversation.id}/replies", json={"text": received["ko"]}, headers=kim
    )
    assert sent.get_json()["preview"]["language"] == "vi"
    drain(app)
    assert received["vi"] in resident.get("/chat/c").get_data(as_text=True)


def test_a_clear_text_in_another_served_language_is_taken_as_that_language(app: Flask) -> None:
    resident = app.test_client()
    start_chat(resident, "I lost my wallet on the bus yesterday, where can I ask for it?")
    drain(app)
    with services(app).sessions() as session:
        message = session.scalars(select(Message)).one()
    assert message.original_language == "en"


NOT_FOUND = {
    "en": "This chat link is not valid any more",
    "zh": "此聊天链接已失效",
    "ja": "このチャットのリンクは無効です",
    "vi": "Đường liên kết trò chuyện này không còn hiệu lực",
    "mn": "Энэ чатын холбоос хүчингүй болсон",
    "ko": "이 채팅 링크는 더 이상 쓸 수 없습니다",
}


def assert_in_all_five(answer: Any, status: int) -> None:
    html = answer.get_data(as_text=True)
    assert answer.status_code == status and '<html lang="mul">' in html
    for code, text in NOT_FOUND.items():
        assert f'<section class="note" lang="{code}">' in html and text in html, code
    assert "Not Found" not in html and "Traceback" not in html


def test_a_bad_chat_address_or_link_answers_in_the_residents_language_or_all_five(
    app: Flask,
) -> None:
    client = app.test_client()
    for path in ("/chat/" + "Z" * 22, "/chat/c/x/y", "/r/not-a-reply-link"):
        known = client.get(path, headers=VI_HEADERS)
        html = known.get_data(as_text=True)
        assert known.status_code == 404 and '<html lang="vi">' in html, path
        assert NOT_FOUND["vi"] in html and "Not Found" not in html, path
        # A browser naming none of the five (German here) gets the page in all five and Korean.
        assert_in_all_five(client.get(path, headers={"Accept-Language": "de-DE"}), 404)
    forged = app.test_client()
    forged.set_cookie("relay_chat", "A" * 22, path="/chat")
    assert_in_all_five(forged.get("/chat/c"), 404)
    wrong_method = client.put("/chat/c", headers=VI_HEADERS)  # a method no chat page takes
    assert wrong_method.status_code == 405
    assert NOT_FOUND["vi"] in wrong_method.get_data(as_text=True)


def test_a_closed_conversation_says_so_in_its_own_language_whatever_the_browser_asks(
    app: Flask,
) -> None:
    resident = app.test_client()
    start_chat(resident, "Xin chào")
    conversation = only_conversation(app)
    kim, client = bearer(app), app.test_client()
    client.post(f"/api/conversations/{conversation.id}/claim", headers=kim)
    client.post(f"/api/conversations/{conversation.id}/close", json={}, headers=kim)
    ended = resident.get("/chat/c", headers={"Accept-Language": "en-US"})
    html = ended.get_data(as_text=True)
    assert ended.status_code == 410 and '<html lang="vi">' in html
    assert "Cuộc trò chuyện này đã kết thúc" in html


def test_a_flood_from_the_start_page_is_refused_in_the_residents_language(app: Flask) -> None:
    resident = app.test_client()
    answers = [start_chat(resident, f"Xin chào {n}") for n in range(31)]
    assert [a.status_code for a in answers].count(303) == 30
    refused = answers[-1]
    assert refused.status_code == 429 and '<html lang="vi">' in refused.get_data(as_text=True)
    assert "Bạn gửi tin nhắn quá nhanh" in refused.get_data(as_text=True)


def test_the_residents_open_page_is_told_when_the_agent_is_typing(app_factory: Any) -> None:
    app = app_factory(AGENT_SSE_POLL_SECONDS=0.05, AGENT_SSE_MAX_SECONDS=5.0)
    resident = app.test_client()
    start_chat(resident, "Xin chào")
    drain(app)
    conversation = only_conversation(app)
    agent = sign_in(app, "kim")
    thread = f"/agent/conversations/{conversation.id}"
    post_form(agent, "/agent/", f"{thread}/claim")
    post_form(agent, thread, f"{thread}/typing")
    feed = resident.get("/chat/c/events")
    frames = b""
    for chunk in feed.iter_encoded():
        frames += chunk
        if b"event: typing" in frames:
            break
    feed.close()
    assert b'event: typing\ndata: {"typing": true}' in frames
