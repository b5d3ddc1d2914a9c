"""Admins edit the glossary and the phrasebook on the web, and the next translation and the next
phrasebook search use the edit, with no restart; every change is kept with who made it."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from relay.services import services
from tests.relay.agent_helpers import post_form, sign_in
from tests.support.app_fixtures import Webhooks, drain
from tests.support.inert_html import parse
from tests.support.recording_server import TwilioCall
from transcripts.models import Event
from transcripts.policy import EventKind

RESIDENCE_CARD_FORMS = {
    "ko": "외국인등록증",
    "en": "residence card | alien registration card | ARC",
    "zh": "外国人登录证",
    "ja": "外国人登録証",
    "vi": "thẻ cư trú | thẻ đăng ký người nước ngoài",
    "mn": "гадаад иргэний бүртгэлийн үнэмлэх",
    "note": "the card says RESIDENCE CARD since 2020",
}
ANSWER = {
    "topic": "서류",
    "keywords": "무지개 창구, 무지개",
    "ko": "무지개 창구는 2층에 있습니다.",
    "en": "The rainbow desk is on the second floor.",
    "zh": "彩虹窗口在二楼。",
    "ja": "レインボー窓口は2階にあります。",
    "vi": "Quầy cầu vồng ở tầng hai.",
    "mn": "Солонго цонх хоёрдугаар давхарт байна.",
}


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    return sign_in(app, "editor", "admin")


def save_term(admin: FlaskClient, previous: str | None = None, **fields: str) -> Any:
    form = {**fields, **({"previous": previous} if previous else {})}
    return post_form(admin, "/admin/glossary/edit", "/admin/glossary", **form)


def save_answer(admin: FlaskClient, editing: str | None = None, **fields: str) -> Any:
    form = {**fields, **({"editing": editing} if editing else {})}
    return post_form(admin, "/admin/phrasebook/edit", "/admin/phrasebook", **form)


def answer_id(app: Flask, keyword: str) -> str:
    """The id relay gave an answer added on the web (never shown to staff)."""
    entries = services(app).record.books.edition("phrasebook").entries or ()
    [found] = [e.key for e in entries if keyword in e.content["keywords"]]
    return found


def visible(html: str) -> str:
    """The text a reader sees, without attribute values (links carry internal ids)."""
    return "".join(text for text, _ in parse(html).texts)


def preview(app: Flask, webhooks: Webhooks, headers: dict[str, str], korean: str) -> str:
    assert webhooks.sms("Hello.", from_number="+821055501234").status_code == 200
    drain(app)
    client = webhooks.client
    cid = client.get("/api/conversations", headers=headers).json["conversations"][0]["id"]
    client.post(f"/api/conversations/{cid}/claim", headers=headers)
    response = client.post(
        f"/api/conversations/{cid}/replies/preview", json={"text": korean}, headers=headers
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return str(response.json["translated_text"])


def test_a_translation_uses_the_term_an_admin_just_edited(
    app: Flask,
    admin: FlaskClient,
    webhooks: Webhooks,
    auth_headers: dict[str, str],
    tiny_models: Any,
) -> None:
    # The tiny ko→en model learned "[0]을 가지고 오세요." → "Please bring your [0].": the
    # glossary's approved English for the term is what fills the placeholder.
    reply = "외국인등록증을 가지고 오세요."
    assert (
        preview(app, webhooks, auth_headers, reply) == "Please bring your alien registration card."
    )

    saved = save_term(admin, previous="외국인등록증", **RESIDENCE_CARD_FORMS)
    assert saved.status_code == 303, saved.get_data(as_text=True)

    assert preview(app, webhooks, auth_headers, reply) == "Please bring your residence card."


def test_the_glossary_page_lists_searches_adds_changes_and_deletes(
    app: Flask, admin: FlaskClient
) -> None:
    page = admin.get("/admin/glossary?q=registration").get_data(as_text=True)
    assert "외국인등록증" in page and "건강보험료" not in page
    assert "기본 용어집" in page  # not edited yet: the shipped file is in effect

    added = save_term(admin, ko="무지개센터", en="Rainbow Centre", vi="Trung tâm Cầu vồng")
    assert added.status_code == 303
    listed = admin.get("/admin/glossary?q=rainbow").get_data(as_text=True)
    assert "무지개센터" in listed and "Trung tâm Cầu vồng" in listed
    everything = admin.get("/admin/glossary").get_data(as_text=True)
    assert "건강보험료" in everything, "the first edit copied the shipped terms in"

    renamed = save_term(admin, previous="무지개센터", ko="무지개 센터", en="Rainbow Center")
    assert renamed.status_code == 303
    assert "Rainbow Center" in admin.get("/admin/glossary?q=rainbow").get_data(as_text=True)

    deleted = post_form(admin, "/admin/glossary", "/admin/glossary/delete", term="무지개 센터")
    assert deleted.status_code == 303  # type: ignore[attr-defined]
    assert "맞는 용어가 없습니다" in admin.get("/admin/glossary?q=rainbow").get_data(as_text=True)

    history = admin.get("/admin/glossary/history").get_data(as_text=True)
    text = parse(history).text
    for action in ("추가", "수정", "삭제"):
        assert action in text
    assert "editor" in text and "Rainbow Centre" in text and "Rainbow Center" in text
    one = parse(admin.get("/admin/glossary/history?term=무지개센터").get_data(as_text=True))
    assert "Rainbow Centre" in one.text and "삭제" not in one.text
    with services(app).sessions() as session:
        events = session.scalars(select(Event).where(Event.kind == EventKind.BOOK_CHANGED)).all()
        assert [e.data["action"] for e in events] == ["added", "changed", "deleted"]
        assert all(e.data["book"] == "glossary" and e.data["user_id"] for e in events)


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"ko": "", "en": "card"}, "한국어 용어를 입력해 주세요."),
        ({"ko": "카드"}, "번역할 언어의 용어를 하나 이상 입력해 주세요."),
        ({"ko": "건강보험", "en": "health"}, "이미 다른 용어 '건강보험'에"),
        ({"ko": "건강", "en": "national health insurance"}, "이미 다른 용어 '건강보험'에"),
        ({"ko": "가" * 101, "en": "x"}, "용어가 너무 깁니다"),
        ({"ko": "카드 [0]", "en": "card"}, "자리표시자처럼 보이는 '[0]'"),
    ],
)
def test_a_bad_term_is_refused_with_a_korean_reason(
    admin: FlaskClient, fields: dict[str, str], said: str
) -> None:
    response = save_term(admin, **fields)
    assert response.status_code == 422
    assert said in parse(response.get_data(as_text=True)).text
    history = admin.get("/admin/glossary/history").get_data(as_text=True)
    assert "기록이 없습니다" in history


def test_the_agents_picker_uses_an_answer_an_admin_added_and_changed(
    app: Flask, admin: FlaskClient
) -> None:
    agent = sign_in(app, "agent-picker")
    assert "rainbow" not in agent.get("/agent/phrasebook?q=무지개&language=en").get_data(
        as_text=True
    )
    saved = save_answer(admin, **ANSWER)
    assert saved.status_code == 303, saved.get_data(as_text=True)
    found = agent.get("/agent/phrasebook?q=무지개&language=en").get_data(as_text=True)
    assert "The rainbow desk is on the second floor." in found

    added = answer_id(app, "무지개")
    changed = save_answer(
        admin, editing=added, **{**ANSWER, "en": "The rainbow desk is on floor 3."}
    )
    assert changed.status_code == 303
    found = agent.get("/agent/phrasebook?q=무지개&language=en").get_data(as_text=True)
    assert "floor 3" in found and "second floor" not in found
    listed = admin.get("/admin/phrasebook?q=rainbow").get_data(as_text=True)
    assert "floor 3" in listed
    history = parse(admin.get(f"/admin/phrasebook/history?id={added}").get_data(as_text=True))
    assert "second floor" in history.text and "floor 3" in history.text


def test_punctuation_sms_cannot_carry_is_named_when_an_answer_is_saved(
    admin: FlaskClient,
) -> None:
    dashed = {**ANSWER, "en": "The rainbow desk – second floor.", "ko": "무지개 창구 – 2층"}
    response = save_answer(admin, **dashed)
    assert response.status_code == 303
    page = parse(admin.get(response.headers["Location"]).get_data(as_text=True)).text
    assert (
        "'–' (U+2013)은(는) 한국 휴대전화에 문자로 전달되지 않습니다. '-'(으)로 바꾸세요." in page
    )


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"topic": " "}, "주제를 입력해 주세요."),
        ({"en": ""}, "영어 답변을 입력해 주세요."),
        ({"keywords": " , "}, "검색어를 하나 이상 입력해 주세요."),
        ({"vi": "Xin chào {name}"}, "자리표시자처럼 보이는 '{name}'"),
        ({"ja": "あ" * 1001}, "일본어 답변이 너무 깁니다"),
    ],
)
def test_a_bad_answer_is_refused_with_a_korean_reason(
    admin: FlaskClient, fields: dict[str, str], said: str
) -> None:
    response = save_answer(admin, **{**ANSWER, **fields})
    assert response.status_code == 422
    assert said in parse(response.get_data(as_text=True)).text


def test_only_admins_open_or_change_the_books(app: Flask) -> None:
    agent = sign_in(app, "agent-only")
    for url in ("/admin/glossary", "/admin/phrasebook", "/admin/glossary/history"):
        assert agent.get(url).status_code == 403
    refused = agent.post("/admin/glossary", data={"ko": "카드", "en": "card"})
    assert refused.status_code in (400, 403)


def test_the_phrasebook_pages_name_topics_in_korean_and_show_no_internal_ids(
    admin: FlaskClient,
) -> None:
    listed = visible(admin.get("/admin/phrasebook").get_data(as_text=True))
    assert "인사·응대" in listed and "courtesy" not in listed
    form = visible(admin.get("/admin/phrasebook/edit?id=courtesy.greeting").get_data(as_text=True))
    assert "courtesy" not in form
    page = admin.get("/admin/phrasebook/edit?id=courtesy.greeting").get_data(as_text=True)
    assert 'value="인사·응대"' in page
    saved = save_answer(admin, editing="courtesy.greeting", **{**ANSWER, "topic": "인사·응대"})
    assert saved.status_code == 303
    history = admin.get("/admin/phrasebook/history").get_data(as_text=True)
    assert "courtesy" not in visible(history) and "무지개 창구는 2층에 있습니다." in visible(
        history
    )
    assert "인사·응대" in visible(history)


def test_callers_hear_the_recording_notice_as_edited_and_it_cannot_be_deleted(
    app: Flask, admin: FlaskClient, webhooks: Webhooks
) -> None:
    notice = services(app).languages.books.phrasebook().get("courtesy.recording_notice")
    texts = {**notice.texts, "en": "This call is recorded so that we can help you. Go ahead."}
    form = {**texts, "topic": "인사·응대", "keywords": ", ".join(notice.keywords)}
    assert save_answer(admin, editing=notice.id, **form).status_code == 303
    call = TwilioCall(webhooks, from_number="+821055507777")
    call.start()
    assert "This call is recorded so that we can help you." in call.press("1").get_data(
        as_text=True
    )

    refused = post_form(admin, "/admin/phrasebook", "/admin/phrasebook/delete", id=notice.id)
    assert refused.status_code == 303  # type: ignore[attr-defined]
    page = admin.get("/admin/phrasebook").get_data(as_text=True)
    assert "지울 수 없습니다" in page
    assert services(app).languages.books.phrasebook().get(notice.id)
