"""Queue filters and search for agents: language, channel, quality warning and interpreter
needed narrow both the waiting list and the agent's own threads; a word or a number finds them."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from relay.services import services
from tests.relay.agent_helpers import post_form, sign_in
from tests.support.app_fixtures import Webhooks, drain
from tests.support.modelkit import TinyModels
from transcripts.models import Message

ENGLISH, VIETNAMESE, GERMAN = "+821055511111", "+821055522222", "+821055533333"


def texts(app: Flask, text: str, phone: str) -> str:
    """The resident's conversation id, as the queue rows carry it."""
    assert Webhooks(app.test_client()).sms(text, from_number=phone).status_code == 200
    drain(app)
    with services(app).sessions() as session:
        last = session.query(Message).order_by(Message.id.desc()).first()
        assert last is not None
        return str(last.conversation_id)


def waiting_rows(agent: FlaskClient, **args: str) -> set[str]:
    page = agent.get("/agent/", query_string=args).get_data(as_text=True)
    waiting = page.split('id="waiting"', 1)[1]
    return set(re.findall(r'data-conversation="(\d+)"', waiting))


def test_filters_and_search_narrow_the_queue(app: Flask, tiny_models: TinyModels) -> None:
    wallet, thanks = tiny_models.phrase("wallet"), tiny_models.phrase("thanks")
    en = texts(app, thanks["en"], ENGLISH)
    vi = texts(app, wallet["vi"], VIETNAMESE)
    de = texts(app, "Guten Tag, ich habe meinen Ausweis verloren und brauche Hilfe.", GERMAN)
    agent = sign_in(app, "kim")

    assert waiting_rows(agent) == {en, vi, de}
    assert waiting_rows(agent, language="vi") == {vi}
    assert waiting_rows(agent, interpreter="1") == {de}
    # The same conversations the queue marks "품질 주의" (the German one at least).
    page = agent.get("/agent/").get_data(as_text=True)
    marked = {
        row_id
        for row_id, row in re.findall(r'data-conversation="(\d+)">(.*?)</li>', page, re.S)
        if "품질 주의" in row
    }
    assert de in marked and waiting_rows(agent, warning="1") == marked
    assert waiting_rows(agent, channel="voice") == set()
    assert "조건에 맞는 대기 상담이 없습니다" in agent.get("/agent/?channel=voice").get_data(
        as_text=True
    )
    assert waiting_rows(agent, channel="sms") == {en, vi, de}
    assert waiting_rows(agent, q=wallet["vi"][:8]) == {vi}
    assert waiting_rows(agent, q="010-5553-3333") == {de}
    assert waiting_rows(agent, language="xx") == {en, vi, de}  # not offered: no filter

    # The agent's own threads are searched too, and the filters survive the live refresh.
    cid = en
    post_form(agent, "/agent/", f"/agent/conversations/{cid}/claim")
    mine = agent.get("/agent/", query_string={"language": "en"}).get_data(as_text=True)
    assert "내가 맡은 상담" in mine
    assert "내가 맡은 상담" not in agent.get("/agent/", query_string={"language": "mn"}).get_data(
        as_text=True
    )
    assert "/agent/queue?page=1&amp;language=en" in mine
    fragment = agent.get("/agent/queue", query_string={"language": "vi"}).get_data(as_text=True)
    assert set(re.findall(r'data-conversation="(\d+)"', fragment)) == {vi}
