"""Answering every resident: a Korean speaker is answered in Korean (no translation, SMS rules
still apply) and labelled 한국어; a text in a language relay does not serve can be given a reply
language (or the interpreter mark) by the agent, audited; API errors the agent reads are Korean."""

from __future__ import annotations

import re

from flask import Flask

from relay.services import services
from tests.relay.agent_helpers import csrf_from, post_form, sign_in
from tests.support.app_fixtures import Webhooks, drain
from tests.support.modelkit import TinyModels
from transcripts.models import Conversation, Event, Message

KOREAN_SPEAKER = "+821055507777"
GERMAN_WRITER = "+821055508888"
HANGUL = re.compile("[가-힣]")


def inbound(app: Flask, text: str, phone: str) -> int:
    assert Webhooks(app.test_client()).sms(text, from_number=phone).status_code == 200
    drain(app)
    with services(app).sessions() as session:
        message = session.query(Message).order_by(Message.id.desc()).first()
        assert message is not None
        return message.conversation_id


def api_headers(client: object, page: str) -> dict[str, str]:
    return {"X-CSRFToken": csrf_from(page)}


def test_a_korean_speaker_is_labelled_korean_and_answered_in_korean(
    app: Flask, tiny_models: TinyModels
) -> None:
    cid = inbound(app, "안녕하세요, 쓰레기 버리는 날을 알고 싶어요.", KOREAN_SPEAKER)
    agent = sign_in(app, "kim")
    queue = agent.get("/agent/").get_data(as_text=True)
    assert "🇰🇷" in queue and "언어 미확인" not in queue
    post_form(agent, "/agent/", f"/agent/conversations/{cid}/claim")
    page = agent.get(f"/agent/conversations/{cid}").get_data(as_text=True)
    assert "언어 미확인" not in page and "한국어" in page
    # Nothing translated it, so the thread does not say it was.
    assert "받음 (번역 필요 없음)" in page and "번역됨" not in page
    trail = sign_in(app, "chief", "admin").get(f"/admin/conversations/{cid}/audit")
    assert "한국어 그대로 받음 (번역 필요 없음)" in trail.get_data(as_text=True)
    headers = api_headers(agent, page)
    korean = "월요일과 목요일 저녁 8시 이후에 내놓으세요 – 동주민센터 02-120."
    preview = agent.post(
        f"/api/conversations/{cid}/replies/preview", json={"text": korean}, headers=headers
    )
    assert preview.status_code == 200, preview.json
    assert preview.json["language"] == "ko"
    assert preview.json["translated_text"] == korean  # as written: no engine in between
    assert preview.json["back_translation"] is None
    assert preview.json["channel"] == "sms" and preview.json["uses_link"] is False
    assert preview.json["delivered_body"] == korean.replace("–", "-")
    sent = agent.post(f"/api/conversations/{cid}/replies", json={"text": korean}, headers=headers)
    assert sent.status_code == 202, sent.json
    drain(app)
    with services(app).sessions() as session:
        reply = session.query(Message).filter_by(direction="outbound").one()
        assert reply.translated_language == "ko" and reply.translated_text == korean
        assert reply.delivered_body == korean.replace("–", "-")
        assert reply.sms_encoding == "UCS-2" and reply.sms_segments == 1


def test_the_agent_picks_the_reply_language_of_an_unserved_text_and_it_is_audited(
    app: Flask, tiny_models: TinyModels
) -> None:
    cid = inbound(
        app, "Guten Tag, ich habe meinen Ausweis verloren und brauche Hilfe.", GERMAN_WRITER
    )
    agent = sign_in(app, "lee")
    post_form(agent, "/agent/", f"/agent/conversations/{cid}/claim")
    page = agent.get(f"/agent/conversations/{cid}").get_data(as_text=True)
    assert 'id="reply-language"' in page and "통역 필요 (지원하지 않는 언어)" in page
    headers = api_headers(agent, page)
    refused = agent.post(
        f"/api/conversations/{cid}/replies/preview", json={"text": "안녕하세요"}, headers=headers
    )
    assert refused.status_code == 422
    assert HANGUL.search(refused.json["error"]) and "answer" not in refused.json["error"]

    post_form(
        agent, f"/agent/conversations/{cid}", f"/agent/conversations/{cid}/language",
        language="en",
    )  # fmt: skip
    page = agent.get(f"/agent/conversations/{cid}").get_data(as_text=True)
    assert re.search(r'<option value="en" selected>', page)
    preview = agent.post(
        f"/api/conversations/{cid}/replies/preview",
        json={"text": tiny_models.phrase("thanks")["ko"]},
        headers=headers,
    )
    assert preview.status_code == 200 and preview.json["language"] == "en"

    post_form(
        agent, f"/agent/conversations/{cid}", f"/agent/conversations/{cid}/language",
        language="interpreter",
    )  # fmt: skip
    with services(app).sessions() as session:
        conversation = session.get(Conversation, cid)
        assert conversation is not None and conversation.needs_interpreter
        assert conversation.language == "en"  # the reply language stays
        chosen = [e.data for e in session.query(Event).filter_by(kind="conversation.language")]
        assert [(d["language"], d["interpreter"]) for d in chosen] == [
            ("en", False),
            (None, True),
        ]
        assert all(isinstance(d["user_id"], int) for d in chosen)
    audit = sign_in(app, "boss", "admin").get(f"/admin/conversations/{cid}/audit")
    assert audit.status_code == 200 and "답변 언어 선택" in audit.get_data(as_text=True)


def test_a_language_the_picker_does_not_offer_is_refused(
    app: Flask, tiny_models: TinyModels
) -> None:
    cid = inbound(app, "Guten Tag, wie geht es Ihnen heute?", GERMAN_WRITER)
    agent = sign_in(app, "park")
    post_form(agent, "/agent/", f"/agent/conversations/{cid}/claim")
    answer = post_form(
        agent, f"/agent/conversations/{cid}", f"/agent/conversations/{cid}/language",
        language="de",
    )  # fmt: skip
    assert getattr(answer, "status_code", None) == 303
    with services(app).sessions() as session:
        conversation = session.get(Conversation, cid)
        assert conversation is not None and conversation.language is None


def test_api_errors_the_agent_reads_are_korean(app: Flask, tiny_models: TinyModels) -> None:
    cid = inbound(app, tiny_models.phrase("thanks")["en"], GERMAN_WRITER)
    first, second = sign_in(app, "kim"), sign_in(app, "choi")
    post_form(first, "/agent/", f"/agent/conversations/{cid}/claim")
    headers = api_headers(second, second.get("/agent/").get_data(as_text=True))
    answers = [
        second.post(f"/api/conversations/{cid}/claim", headers=headers),
        second.post(f"/api/conversations/{cid}/replies/preview", json={"text": "네"},
                    headers=headers),
        first.post(f"/api/conversations/{cid}/replies/preview", json={"text": " "},
                   headers=api_headers(first, first.get("/agent/").get_data(as_text=True))),
        second.get("/api/conversations/999999"),
        second.post(f"/api/conversations/{cid}/replies/preview", json={"text": "네"}),
    ]  # fmt: skip
    for answer in answers:
        assert answer.status_code >= 400
        assert HANGUL.search(answer.json["error"]), answer.json
