"""The agent relay view: queue, claim races, thread, buttons, live feed, admin review."""

from __future__ import annotations

import json
import re
import threading
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from relay.services import services
from tests.relay.agent_helpers import csrf_from, post_form, sign_in
from tests.support.app_fixtures import Webhooks, drain
from tests.support.modelkit import TinyModels
from tests.support.voice_seed import seed_voice_message, seg
from transcripts.db import utcnow
from transcripts.metrics import service_figures
from transcripts.models import Conversation, Event, Message, MessageStatus

RESIDENT = "+821055501234"


def inbound(app: Flask, text: str, phone: str = RESIDENT) -> int:
    """A signed SMS from a resident, translated; returns its conversation id."""
    assert Webhooks(app.test_client()).sms(text, from_number=phone).status_code == 200
    drain(app)
    with services(app).sessions() as session:
        message = session.query(Message).order_by(Message.id.desc()).first()
        assert message is not None
        return message.conversation_id


def test_queue_shows_waiting_contacts_with_language_channel_korean_and_wait(
    app: Flask, tiny_models: TinyModels
) -> None:
    phrase = tiny_models.phrase("wallet")
    inbound(app, phrase["vi"])
    agent = sign_in(app, "kim")
    page = agent.get("/agent/").get_data(as_text=True)
    assert "Tiếng Việt" in page and "🇻🇳" in page
    assert "문자" in page
    assert phrase["ko"] in page  # the Korean preview
    assert 'class="waited" data-since="' in page


def test_claim_race_has_exactly_one_winner(app: Flask, tiny_models: TinyModels) -> None:
    cid = inbound(app, tiny_models.phrase("thanks")["en"])
    clients = [sign_in(app, f"agent{n}") for n in range(4)]
    tokens = [csrf_from(c.get("/agent/").get_data(as_text=True)) for c in clients]
    barrier = threading.Barrier(len(clients))
    outcomes: list[tuple[int, str, str]] = []

    def claim(index: int) -> None:
        barrier.wait()
        response = clients[index].post(
            f"/agent/conversations/{cid}/claim", data={"csrf_token": tokens[index]}
        )
        location = response.headers.get("Location", "")
        # The loser is sent on to a GET page (reloading it never re-posts) that says why.
        page = clients[index].get(location).get_data(as_text=True) if location else ""
        outcomes.append((response.status_code, location, page))

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _, _ in outcomes] == [303] * 4
    winners = [o for o in outcomes if o[1].endswith(f"/agent/conversations/{cid}")]
    losers = [page for _, location, page in outcomes if location.endswith("/agent/")]
    assert len(winners) == 1 and len(losers) == 3
    assert all("이미" in p and "상담원이 맡았습니다" in p for p in losers)
    with services(app).sessions() as session:
        conversation = session.get(Conversation, cid)
        assert conversation is not None and conversation.claimed_by_id is not None
        claims = session.query(Event).filter_by(kind="conversation.claimed").all()
        assert len(claims) == 1
        assert claims[0].data["user_id"] == conversation.claimed_by_id


def test_agent_cannot_act_on_a_thread_claimed_by_someone_else(
    app: Flask, tiny_models: TinyModels
) -> None:
    cid = inbound(app, tiny_models.phrase("thanks")["en"])
    owner = sign_in(app, "owner")
    other = sign_in(app, "other")
    assert post_form(owner, "/agent/", f"/agent/conversations/{cid}/claim").status_code == 303
    thread_url = f"/agent/conversations/{cid}"
    page = other.get(thread_url).get_data(as_text=True)
    assert "owner 상담원이 맡음" in page
    assert 'id="reply"' not in page  # no reply box for someone else's thread
    for action, data in [
        ("escalate", {}),
        ("abuse", {"block_hours": "24"}),
        ("close", {"disposition": "resolved"}),
        ("phrasebook", {"entry_id": "courtesy.greeting"}),
    ]:
        response = post_form(other, thread_url, f"{thread_url}/{action}", **data)
        assert response.status_code == 303
        assert "owner 상담원이 맡은 대화입니다" in other.get(thread_url).get_data(as_text=True)
    token = csrf_from(other.get(thread_url).get_data(as_text=True))
    api = other.post(
        f"/api/conversations/{cid}/replies",
        json={"text": tiny_models.phrase("thanks")["ko"]},
        headers={"X-CSRFToken": token},
    )
    assert api.status_code == 409
    with services(app).sessions() as session:
        conversation = session.get(Conversation, cid)
        assert conversation is not None
        assert conversation.status.value == "open"
        assert conversation.needs_interpreter is False
        assert conversation.contact.blocked_until is None
        outbound = session.query(Message).filter_by(direction="outbound").count()
        assert outbound == 0


def test_agents_cannot_reach_admin_pages(app: Flask) -> None:
    agent = sign_in(app, "agent")
    assert agent.get("/admin/conversations").status_code == 403
    admin = sign_in(app, "chief", "admin")
    assert admin.get("/admin/conversations").status_code == 200
    assert app.test_client().get("/admin/conversations").status_code == 302  # to sign-in


def test_admin_search_by_text_and_phone(app: Flask, tiny_models: TinyModels) -> None:
    inbound(app, tiny_models.phrase("wallet")["en"], "+821011112222")
    inbound(app, tiny_models.phrase("thanks")["en"], "+821033334444")
    admin = sign_in(app, "chief", "admin")
    by_text = admin.get("/admin/conversations", query_string={"q": "wallet"}).get_data(as_text=True)
    # lists show a resident's number masked but for its last four digits
    assert "*********2222" in by_text and "4444" not in by_text
    assert "+821011112222" not in by_text
    by_phone = admin.get("/admin/conversations", query_string={"phone": "3333"}).get_data(
        as_text=True
    )
    assert "*********4444" in by_phone and "2222" not in by_phone
    by_language = admin.get("/admin/conversations", query_string={"language": "vi"})
    assert "조건에 맞는 대화가 없습니다" in by_language.get_data(as_text=True)


def test_phrasebook_search_and_send_a_human_translation(
    app: Flask, tiny_models: TinyModels
) -> None:
    cid = inbound(app, tiny_models.phrase("thanks")["en"])
    agent = sign_in(app, "kim")
    post_form(agent, "/agent/", f"/agent/conversations/{cid}/claim")
    found = agent.get(
        "/agent/phrasebook", query_string={"q": "인사", "language": "en", "conversation_id": cid}
    ).get_data(as_text=True)
    assert "Hello, this is the 120 call centre." in found
    sent = post_form(
        agent,
        f"/agent/conversations/{cid}",
        f"/agent/conversations/{cid}/phrasebook",
        entry_id="courtesy.greeting",
    )
    assert sent.status_code == 303
    drain(app)
    with services(app).sessions() as session:
        reply = session.query(Message).filter_by(direction="outbound").one()
        assert reply.author.value == "phrasebook"
        assert reply.translated_text.startswith("Hello, this is the 120 call centre.")
        assert reply.machine_translation is None
        assert reply.status is MessageStatus.HELD  # kept in the outbox, never sent
    page = agent.get(f"/agent/conversations/{cid}").get_data(as_text=True)
    # Named as people read it, with the agent who sent it; not by the entry's internal id.
    assert "상용구" in page and "courtesy.greeting" not in page
    assert "상용구 (사람이 쓴 번역) · kim" in page


def test_abuse_button_warns_flags_blocks_and_later_texts_are_held(
    app: Flask, tiny_models: TinyModels
) -> None:
    cid = inbound(app, tiny_models.phrase("thanks")["vi"])
    agent = sign_in(app, "kim")
    post_form(agent, "/agent/", f"/agent/conversations/{cid}/claim")
    url = f"/agent/conversations/{cid}"
    assert post_form(agent, url, f"{url}/abuse", block_hours="24").status_code == 303
    drain(app)
    with services(app).sessions() as session:
        warning = session.query(Message).filter_by(direction="outbound").one()
        assert warning.author.value == "system"
        assert warning.translated_language == "vi"
        assert "pháp luật" in warning.translated_text
        conversation = session.get(Conversation, cid)
        assert conversation is not None
        assert conversation.contact.blocked_until is not None
        assert conversation.contact.flag_reason
        flagged = session.query(Event).filter_by(kind="contact.flagged").one()
        assert flagged.data["user_id"] is not None
    # A text from the blocked number is stored but not queued for translation.
    text = tiny_models.phrase("wallet")["vi"]
    Webhooks(app.test_client()).sms(text, from_number=RESIDENT)
    assert drain(app) == 0
    with services(app).sessions() as session:
        held = session.query(Message).filter_by(original_text=text).one()
        assert held.status is MessageStatus.BLOCKED  # kept, not a failure
        assert held.translated_text is None
        held_id = held.id
    # The thread says so, with a way to read it anyway, and the admin's way to unblock.
    page = agent.get(url).get_data(as_text=True)
    held_row = page[page.index(f'id="message-{held_id}"') :]
    held_row = held_row[: held_row.index("</li>")]
    assert "차단된 번호 (번역 안 함)" in held_row and "그래도 번역" in held_row
    assert "실패" not in held_row and "다시 번역" not in held_row
    admin = sign_in(app, "chief", "admin")
    assert "차단 해제</button>" in admin.get(url).get_data(as_text=True)
    figures = service_figures(services(app).sessions, utcnow() - timedelta(days=1), utcnow())
    assert figures.failed_translations == 0  # a blocked text is not a failed translation
    assert post_form(agent, url, f"{url}/messages/{held_id}/retry").status_code == 303
    drain(app)
    with services(app).sessions() as session:
        read = session.get(Message, held_id)
        assert read is not None and read.status is MessageStatus.TRANSLATED


def test_escalate_transfer_and_close_are_audited(app: Flask, tiny_models: TinyModels) -> None:
    cid = inbound(app, tiny_models.phrase("thanks")["mn"])
    kim = sign_in(app, "kim")
    lee = sign_in(app, "lee")
    url = f"/agent/conversations/{cid}"
    post_form(kim, "/agent/", f"{url}/claim")
    post_form(kim, url, f"{url}/escalate")
    with services(app).sessions() as session:
        lee_id = session.query(Event).count() and _user_id(session, "lee")
    assert post_form(kim, url, f"{url}/transfer", to_user_id=str(lee_id)).status_code == 303
    assert 'id="reply"' not in kim.get(url).get_data(as_text=True)
    assert 'id="reply"' in lee.get(url).get_data(as_text=True)
    assert post_form(lee, url, f"{url}/close", disposition="callback_needed").status_code == 303
    with services(app).sessions() as session:
        conversation = session.get(Conversation, cid)
        assert conversation is not None
        assert conversation.needs_interpreter is True
        assert conversation.disposition == "callback_needed"
        kinds = [e.kind for e in session.query(Event).filter_by(conversation_id=cid)]
        for kind in (
            "conversation.claimed",
            "conversation.escalated",
            "conversation.transferred",
            "conversation.closed",
        ):
            assert kind in kinds
    admin = sign_in(app, "chief", "admin")
    trail = admin.get(f"/admin/conversations/{cid}/audit").get_data(as_text=True)
    assert "이관" in trail and "이전 담당</span> kim" in trail and "새 담당</span> lee" in trail
    assert "conversation.transferred" not in trail and "user_id" not in trail
    assert re.search(r"<td>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d KST</td>", trail)  # Korea's clock


def _user_id(session: Any, name: str) -> int:
    from transcripts.models import User

    user = session.query(User).filter_by(username=name).one()
    return int(user.id)


def _sse(app: Flask, client: Any, **headers: str) -> list[dict[str, Any]]:
    response = client.get("/agent/events", headers=headers, buffered=True)
    assert response.mimetype == "text/event-stream"
    frames = []
    for block in response.get_data(as_text=True).split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "id" in lines:
            frames.append({"id": int(lines["id"]), **json.loads(lines["data"])})
    return frames


def test_event_stream_sends_ids_and_resumes_after_last_event_id(
    app_factory: Any, tiny_models: TinyModels
) -> None:
    app = app_factory(AGENT_SSE_MAX_SECONDS=0.3, AGENT_SSE_POLL_SECONDS=0.05)
    inbound(app, tiny_models.phrase("thanks")["en"])
    agent = sign_in(app, "kim")
    everything = _sse(app, agent, **{"Last-Event-ID": "0"})
    assert [f["id"] for f in everything] == sorted(f["id"] for f in everything)
    assert "message.received" in [f["kind"] for f in everything]
    middle = everything[1]["id"]
    resumed = _sse(app, agent, **{"Last-Event-ID": str(middle)})
    assert [f["id"] for f in resumed] == [f["id"] for f in everything if f["id"] > middle]
    assert _sse(app, agent) == []  # a fresh connection starts from now
    assert app.test_client().get("/agent/events").status_code == 302  # signed-in only


def test_voice_message_shows_player_segments_and_weak_recognition(app: Flask) -> None:
    segments = [
        seg(0.0, 1.5, "I lost", "잃어버렸", avg_logprob=-0.2),
        seg(61.25, 63.0, "<b>help</b>", "도움", avg_logprob=-1.7),
    ]
    cid, _ = seed_voice_message(
        services(app).sessions,
        segments,
        original_text="I lost my wallet. <b>help</b>",
        language_probability=0.41,
        translated_text="지갑을 잃어버렸어요.",
        audio_path="recordings/x.wav",
    )
    agent = sign_in(app, "kim")
    queue = agent.get("/agent/").get_data(as_text=True)
    assert "전화" in queue and "품질 주의" in queue
    page = agent.get(f"/agent/conversations/{cid}").get_data(as_text=True)
    assert '<audio controls preload="none" src="/api/messages/' in page
    assert 'data-start="61.25"' in page and "1:01" in page
    assert 'class="segment weak"' in page
    assert page.count('class="weak-mark"') == 1  # said, not only coloured
    assert "언어 판별 불확실 (41%)" in page
    assert "음성 인식 불확실한 구간 1개" in page
    assert "<b>help</b>" not in page


def test_idle_stream_sends_keep_alive_comments_and_ends(app: Flask) -> None:
    from relay.agent.stream import event_stream

    frames = list(
        event_stream(services(app).sessions, None, poll=0.01, heartbeat=0.0, max_seconds=0.05)
    )
    assert frames[0].startswith("retry: ")
    assert ": keep-alive\n\n" in frames


def test_admin_lifts_a_block(app: Flask, tiny_models: TinyModels) -> None:
    cid = inbound(app, tiny_models.phrase("thanks")["en"])
    agent = sign_in(app, "kim")
    url = f"/agent/conversations/{cid}"
    post_form(agent, "/agent/", f"{url}/claim")
    post_form(agent, url, f"{url}/abuse", block_hours="24")
    assert post_form(agent, url, f"/admin/conversations/{cid}/unblock").status_code == 403
    admin = sign_in(app, "chief", "admin")
    assert "차단 해제" in admin.get(url).get_data(as_text=True)
    assert post_form(admin, url, f"/admin/conversations/{cid}/unblock").status_code == 303
    with services(app).sessions() as session:
        conversation = session.get(Conversation, cid)
        assert conversation is not None and conversation.contact.blocked_until is None
        assert session.query(Event).filter_by(kind="contact.unblocked").count() == 1


def test_reply_box_offers_the_channel_and_knows_which_languages_can_be_spoken(
    app: Flask, tiny_models: TinyModels
) -> None:
    english = inbound(app, tiny_models.phrase("wallet")["en"])
    mongolian = inbound(app, tiny_models.phrase("wallet")["mn"], phone="+821077770000")
    agent = sign_in(app, "kim")
    for cid in (english, mongolian):
        post_form(agent, "/agent/", f"/agent/conversations/{cid}/claim")
    spoken = agent.get(f"/agent/conversations/{english}").get_data(as_text=True)
    assert 'id="reply-channel"' in spoken
    assert '<option value="voice">' in spoken  # English can be read out on a call-back
    unspoken = agent.get(f"/agent/conversations/{mongolian}").get_data(as_text=True)
    assert '<option value="voice" disabled>' in unspoken  # Twilio has no Mongolian voice
    assert "이 언어 음성 없음" in unspoken


@pytest.mark.parametrize("hours", ["²", "abc", "-24", "9" * 40])
def test_a_block_length_the_form_does_not_offer_is_refused_and_nothing_is_sent(
    app: Flask, tiny_models: TinyModels, hours: str
) -> None:
    cid = inbound(app, tiny_models.phrase("thanks")["en"])
    admin = sign_in(app, "chief", "admin")
    url = f"/agent/conversations/{cid}"
    response = post_form(admin, url, f"{url}/abuse", block_hours=hours)
    assert response.status_code == 303
    assert "허용되지 않은 차단 기간입니다." in admin.get(url).get_data(as_text=True)
    with services(app).sessions() as session:
        assert session.query(Message).filter_by(direction="outbound").count() == 0
        conversation = session.get(Conversation, cid)
        assert conversation is not None and conversation.contact.blocked_until is None


@pytest.mark.parametrize("target", [str(2**63), "9" * 40, "-" + "9" * 40, "0"])
def test_a_transfer_to_an_impossible_user_id_asks_for_an_agent(
    app: Flask, tiny_models: TinyModels, target: str
) -> None:
    cid = inbound(app, tiny_models.phrase("thanks")["en"])
    admin = sign_in(app, "chief", "admin")
    url = f"/agent/conversations/{cid}"
    response = post_form(admin, url, f"{url}/transfer", to_user_id=target)
    assert response.status_code == 303
    assert "이관할 상담원을 고르세요." in admin.get(url).get_data(as_text=True)
    with services(app).sessions() as session:
        conversation = session.get(Conversation, cid)
        assert conversation is not None and conversation.claimed_by_id is None
