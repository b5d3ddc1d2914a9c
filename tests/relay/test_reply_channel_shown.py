"""The preview names the way a reply will go (relay/voice/channel.py decides), phrasebook
answers get the same preview as typed replies, and the thread says which way each reply went."""

from __future__ import annotations

from flask import Flask

from relay.services import services
from tests.relay.agent_helpers import csrf_from, post_form, sign_in
from tests.support.app_fixtures import Webhooks, drain
from tests.support.modelkit import TinyModels
from tests.support.recording_server import TwilioCall
from transcripts.models import Call, Message

CALLER = "+821055503333"
TEXTER = "+821055504444"


def voice_thread(app: Flask) -> int:
    """A caller who chose English in the menu and hung up."""
    call = TwilioCall(Webhooks(app.test_client()), from_number=CALLER)
    call.start()
    call.press("1")
    call.status("completed", 9)
    with services(app).sessions() as session:
        [stored] = session.query(Call).all()
        assert stored.conversation_id is not None
        return stored.conversation_id


def test_on_a_call_thread_the_preview_says_call_back_and_the_thread_says_it_went_so(
    app: Flask, tiny_models: TinyModels
) -> None:
    cid = voice_thread(app)
    agent = sign_in(app, "kim")
    post_form(agent, "/agent/", f"/agent/conversations/{cid}/claim")
    page = agent.get(f"/agent/conversations/{cid}").get_data(as_text=True)
    headers = {"X-CSRFToken": csrf_from(page)}
    typed = agent.post(
        f"/api/conversations/{cid}/replies/preview",
        json={"text": tiny_models.phrase("received")["ko"]},
        headers=headers,
    )
    assert typed.status_code == 200, typed.json
    assert (typed.json["channel"], typed.json["channel_label"]) == ("voice", "전화 회신")
    texted = agent.post(
        f"/api/conversations/{cid}/replies/preview",
        json={"text": tiny_models.phrase("received")["ko"], "channel": "sms"},
        headers=headers,
    )
    assert (texted.json["channel"], texted.json["channel_label"]) == ("sms", "문자")

    phrase = agent.post(
        f"/agent/conversations/{cid}/phrasebook/preview",
        data={"entry_id": "courtesy.greeting", "channel": ""},
        headers=headers,
    )
    assert phrase.status_code == 200, phrase.get_data(as_text=True)
    assert (phrase.json["channel"], phrase.json["channel_label"]) == ("voice", "전화 회신")
    assert phrase.json["translated_text"].startswith("Hello, this is the 120 call centre")

    post_form(
        agent, f"/agent/conversations/{cid}", f"/agent/conversations/{cid}/phrasebook",
        entry_id="courtesy.greeting",
    )  # fmt: skip
    drain(app)
    with services(app).sessions() as session:
        reply = session.query(Message).filter_by(direction="outbound").one()
        assert reply.channel.value == "voice"  # the way the preview named
    thread = agent.get(f"/agent/conversations/{cid}").get_data(as_text=True)
    assert "보낸 방법: 전화 회신" in thread
    assert "SMS 1건" not in thread


def test_a_phrasebook_answer_by_sms_is_previewed_like_a_typed_reply(
    app: Flask, tiny_models: TinyModels
) -> None:
    assert (
        Webhooks(app.test_client())
        .sms(tiny_models.phrase("thanks")["en"], from_number=TEXTER)
        .status_code
        == 200
    )
    drain(app)
    with services(app).sessions() as session:
        cid = session.query(Message).one().conversation_id
    agent = sign_in(app, "lee")
    post_form(agent, "/agent/", f"/agent/conversations/{cid}/claim")
    page = agent.get(f"/agent/conversations/{cid}").get_data(as_text=True)
    answer = agent.post(
        f"/agent/conversations/{cid}/phrasebook/preview",
        data={"entry_id": "centre.hours"},
        headers={"X-CSRFToken": csrf_from(page)},
    )
    data = answer.json
    assert (data["channel"], data["channel_label"]) == ("sms", "문자")
    assert data["uses_link"] is False and data["undeliverable"] == []
    assert data["encoding"] == "GSM-7" and data["segments"] == 2
    assert data["delivered_body"] == data["translated_text"]
    post_form(
        agent, f"/agent/conversations/{cid}", f"/agent/conversations/{cid}/phrasebook",
        entry_id="centre.hours",
    )  # fmt: skip
    drain(app)
    thread = agent.get(f"/agent/conversations/{cid}").get_data(as_text=True)
    assert "보낸 방법: 문자" in thread and "SMS 2건" in thread
    assert "상용구 (사람이 쓴 번역) · lee" in thread  # names the agent who sent it
