"""Admin review in the web UI: reading any thread, correcting translations and transcripts."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from relay.services import services
from tests.relay.agent_helpers import csrf_from, post_form, sign_in
from tests.relay.test_agent_views import inbound
from tests.support.modelkit import TinyModels
from tests.support.voice_seed import seed_voice_message, seg
from transcripts.models import (
    Event,
    MemoryEntry,
    Message,
)

CORRECTED = "버스에서 지갑을 잃어버렸습니다 (검수)."


def _message_of(app: Flask, conversation_id: int) -> Message:
    with services(app).sessions() as session:
        return session.scalars(
            select(Message).where(Message.conversation_id == conversation_id)
        ).one()


def test_admin_corrects_a_translation_and_the_next_same_text_is_translated_that_way(
    app: Flask, tiny_models: TinyModels
) -> None:
    english = tiny_models.phrase("wallet")["en"]
    cid = inbound(app, english)
    machine = _message_of(app, cid)
    assert machine.translated_text and machine.translated_text != CORRECTED
    admin = sign_in(app, "chief", "admin")
    url = f"/agent/conversations/{cid}"
    assert "번역·인식 수정<" in admin.get(url).get_data(as_text=True)

    response = post_form(
        admin, url, f"/admin/messages/{machine.id}/correct", field="translation", text=CORRECTED
    )

    assert response.status_code == 303
    page = admin.get(url).get_data(as_text=True)
    assert CORRECTED in page
    assert "chief 수정" in page
    assert "기계 번역 (수정 전)" in page and machine.translated_text in page
    assert "번역 메모리에 저장했습니다" in page  # the flash
    with services(app).sessions() as session:
        stored = session.get(Message, machine.id)
        assert stored is not None
        assert stored.translated_text == CORRECTED
        assert stored.machine_translation == machine.translated_text
        event = session.scalars(select(Event).where(Event.kind == "message.corrected")).one()
        assert event.data["before"] == machine.translated_text
        assert event.data["after"] == CORRECTED
        assert event.data["user_id"] == stored.corrected_by_id
        entry = session.scalars(select(MemoryEntry)).one()
        assert (entry.source_text, entry.target_text) == (english, CORRECTED)
    trail = admin.get(f"/admin/conversations/{cid}/audit").get_data(as_text=True)
    assert "관리자 수정" in trail and "chief" in trail and "message.corrected" not in trail

    # The same sentence from another resident comes out as the admin wrote it.
    later = inbound(app, english, phone="+821066667777")
    again = _message_of(app, later)
    assert again.translated_text == CORRECTED
    assert again.translation_engine == "memory"


def test_agents_are_refused_and_forms_need_their_csrf_token(
    app: Flask, tiny_models: TinyModels
) -> None:
    cid = inbound(app, tiny_models.phrase("thanks")["en"])
    message = _message_of(app, cid)
    url = f"/agent/conversations/{cid}"
    agent = sign_in(app, "kim")
    post_form(agent, "/agent/", f"{url}/claim")
    page = agent.get(url).get_data(as_text=True)
    assert "번역·인식 수정" not in page  # no correction form for agents
    action = f"/admin/messages/{message.id}/correct"
    refused = post_form(agent, url, action, field="translation", text=CORRECTED)
    assert refused.status_code == 403
    segment = post_form(
        agent, url, f"/admin/messages/{message.id}/segments/0/correct", text="x", korean="y"
    )
    assert segment.status_code == 403
    admin = sign_in(app, "chief", "admin")
    no_token = admin.post(action, data={"field": "translation", "text": CORRECTED})
    assert no_token.status_code == 400
    with services(app).sessions() as session:
        stored = session.get(Message, message.id)
        assert stored is not None and stored.translated_text == message.translated_text
        assert stored.machine_translation is None
        assert session.scalars(select(Event).where(Event.kind == "message.corrected")).all() == []
        assert session.scalars(select(MemoryEntry)).all() == []


def test_admin_reads_threads_claimed_by_others_and_closed_ones(
    app: Flask, tiny_models: TinyModels
) -> None:
    claimed = inbound(app, tiny_models.phrase("thanks")["en"])
    closed = inbound(app, tiny_models.phrase("wallet")["vi"], phone="+821012120000")
    owner = sign_in(app, "owner")
    for cid in (claimed, closed):
        post_form(owner, "/agent/", f"/agent/conversations/{cid}/claim")
    url = f"/agent/conversations/{closed}"
    post_form(owner, url, f"{url}/close", disposition="resolved", topic="교통")
    admin = sign_in(app, "chief", "admin")
    listing = admin.get("/admin/conversations").get_data(as_text=True)
    for cid in (claimed, closed):
        assert f'href="/agent/conversations/{cid}"' in listing
        page = admin.get(f"/agent/conversations/{cid}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "번역·인식 수정<" in text  # corrections work on any thread
    assert "owner 상담원이 맡음" in admin.get(f"/agent/conversations/{claimed}").get_data(
        as_text=True
    )
    closed_page = admin.get(url).get_data(as_text=True)
    assert "종료됨" in closed_page and 'id="reply"' not in closed_page
    message = _message_of(app, closed)
    fixed = post_form(
        admin, url, f"/admin/messages/{message.id}/correct", field="translation", text=CORRECTED
    )
    assert fixed.status_code == 303
    assert CORRECTED in admin.get(url).get_data(as_text=True)


def _voice(app: Flask) -> tuple[int, int]:
    segments = [
        seg(0.0, 2.5, "I lost my wallet on the buzz.", "버즈에서 지갑을 잃어버렸어요."),
        seg(2.5, 3.0, "Help", "도움"),
    ]
    return seed_voice_message(services(app).sessions, segments, audio_path="recordings/x.wav")


def test_admin_corrects_a_voice_segment_and_the_transcript_with_hostile_text_escaped(
    app: Flask,
) -> None:
    cid, message_id = _voice(app)
    admin = sign_in(app, "chief", "admin")
    url = f"/agent/conversations/{cid}"
    page = admin.get(url).get_data(as_text=True)
    assert 'data-start="2.50" data-end="3.00"' in page  # what the player highlights by
    assert f'action="/admin/messages/{message_id}/segments/1/correct"' in page
    fixed = post_form(
        admin,
        url,
        f"/admin/messages/{message_id}/segments/0/correct",
        text="I lost my wallet on the bus.",
        korean="버스에서 지갑을 잃어버렸어요.",
    )
    assert fixed.status_code == 303
    hostile = "<script>alert(1)</script> Help"
    post_form(admin, url, f"/admin/messages/{message_id}/correct", field="original", text=hostile)
    page = admin.get(url).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Help" in page
    assert "수정됨</small>" in page  # the corrected segment is marked
    assert "음성 인식 원래 결과" in page
    with services(app).sessions() as session:
        message = session.get(Message, message_id)
        assert message is not None and message.segments is not None
        assert message.segments[0]["text"] == "I lost my wallet on the bus."
        assert message.translated_text == "버스에서 지갑을 잃어버렸어요. 도움"
        assert message.original_text == hostile
        assert message.machine_original_text == "I lost my wallet on the buzz. Help"
        fields = [
            e.data["field"]
            for e in session.scalars(select(Event).where(Event.kind == "message.corrected"))
        ]
        assert fields == ["segment.0.text", "segment.0.translated_text", "original_text"]
    # A message that does not exist is a 404, not a flash.
    token = csrf_from(page)
    missing = admin.post(
        "/admin/messages/999999/correct",
        data={"csrf_token": token, "field": "translation", "text": "x"},
    )
    assert missing.status_code == 404


def test_a_refused_correction_says_why_in_korean(app: Flask, tiny_models: TinyModels) -> None:
    cid = inbound(app, tiny_models.phrase("wallet")["en"])
    message = _message_of(app, cid)
    admin = sign_in(app, "chief", "admin")
    url = f"/agent/conversations/{cid}"
    action = f"/admin/messages/{message.id}/correct"
    post_form(admin, url, action, field="original", text="I lost my purse.")
    page = admin.get(url).get_data(as_text=True)
    assert "수정할 수 없습니다: 원문은 음성 메시지의 받아쓰기만 고칠 수 있습니다." in page
    post_form(admin, url, action, field="translation", text="   ")
    page = admin.get(url).get_data(as_text=True)
    assert "수정할 수 없습니다: 고친 내용이 비어 있습니다." in page
    assert "transcript can be corrected" not in page and "cannot be empty" not in page
