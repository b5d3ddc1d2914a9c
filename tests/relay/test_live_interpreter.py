"""The agent's 3자 통역 연결 on a live call, and the agent closing a conversation while the
caller is on the line: the real twilio library sends the REST requests, captured by the
recording HTTP client, and the webhooks are signed as Twilio signs them.

What is asserted is what Twilio is asked to do (the TwiML and the numbers dialled) and what the
record and the agent's page say afterwards; no audio is needed for those. One slow test streams
speech over the real websocket to show that captions go on once the caller is in the conference.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask, testing
from twilio.http.response import Response as TwilioResponse

from relay.services import services
from relay.settings import Settings, SettingsError
from relay.twilio.security import sign
from tests.relay.agent_helpers import post_form, sign_in
from tests.relay.test_live_calls import captions, go_live, serving_live, wait_for
from tests.support.app_fixtures import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_BASE_URL,
    RecordingHttpClient,
    Webhooks,
    drain,
)
from tests.support.media_stream_client import StreamPlayer, mulaw_bytes, silence
from tests.support.recording_server import parse_twiml
from tests.support.speech_fixtures import SpeechClips
from transcripts.models import Call, Conversation, Event

RESIDENT = "+821055501234"
INTERPRETER = "+8221200120"
AGENT_PHONE = "+821099998888"
CALL_SID = "CA" + "b" * 32


@pytest.fixture
def live_app(app_factory: Any, twilio_http: RecordingHttpClient) -> Flask:
    return app_factory(  # type: ignore[no-any-return]
        VOICE_LIVE=True,
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_HTTP_CLIENT=twilio_http,
        INTERPRETER_NUMBER=INTERPRETER,
    )


def post(app: Flask, path: str, params: dict[str, str]) -> testing.TestResponse:
    signature = sign(f"{PUBLIC_BASE_URL}{path}", params, AUTH_TOKEN)
    return app.test_client().post(path, data=params, headers={"X-Twilio-Signature": signature})


def live_call(app: Flask) -> int:
    """A caller presses 1 and the call goes live; returns its conversation's id."""
    params = {"CallSid": CALL_SID, "From": RESIDENT, "To": "+8215880120", "AccountSid": ACCOUNT_SID}
    assert post(app, "/twilio/voice", params).status_code == 200
    answer = post(app, "/twilio/voice/menu", {**params, "Digits": "1"})
    assert parse_twiml(answer.data.decode()).find("Start/Stream") is not None
    with services(app).sessions() as session:
        call = session.query(Call).one()
        assert call.conversation_id is not None
        return call.conversation_id


def taken_by(app: Flask, conversation: int, name: str = "agent-park") -> Any:
    client = sign_in(app, name)
    page = f"/agent/conversations/{conversation}"
    post_form(client, page, f"/agent/conversations/{conversation}/claim")
    return client


def call_requests(http: RecordingHttpClient) -> list[dict[str, Any]]:
    return [r for r in http.requests if "/Calls" in urlsplit(r["url"]).path]


def the_call(app: Flask) -> Call:
    with services(app).sessions() as session:
        return session.query(Call).one()


def events(app: Flask, kind: str) -> list[Event]:
    with services(app).sessions() as session:
        return list(session.query(Event).filter(Event.kind == kind).order_by(Event.id))


def test_the_interpreter_line_and_the_agents_phone_join_the_caller_in_a_conference(
    live_app: Flask, twilio_http: RecordingHttpClient
) -> None:
    conversation = live_call(live_app)
    client = taken_by(live_app, conversation)
    services(live_app).record.accounts.set_agent_phone("agent-park", "010-9999-8888")
    page = f"/agent/conversations/{conversation}"
    done = post_form(client, page, f"{page}/escalate")
    assert done.status_code == 303  # type: ignore[attr-defined]

    interpreter, caller, agent = call_requests(twilio_http)
    name = f"relay-{CALL_SID}"
    # The interpreter first, into the named conference, from the centre's number.
    assert interpreter["method"] == "POST" and interpreter["url"].endswith("/Calls.json")
    assert interpreter["data"]["To"] == INTERPRETER
    leg = parse_twiml(interpreter["data"]["Twiml"])
    assert leg.findtext("Dial/Conference") == name
    # Then the caller is moved: the stream again first, so captions go on, then the room.
    assert caller["url"].endswith(f"/Calls/{CALL_SID}.json")
    document = parse_twiml(caller["data"]["Twiml"])
    assert [child.tag for child in document][:2] == ["Start", "Dial"]
    stream = document.find("Start/Stream")
    assert stream is not None and stream.get("url", "").endswith("/twilio/voice/stream")
    parameters = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
    assert parameters == {"call": CALL_SID, "language": "en"}
    room = document.find("Dial/Conference")
    assert room is not None and room.text == name
    assert room.get("endConferenceOnExit") == "true"
    # And the agent's own phone, as stored in E.164.
    assert agent["data"]["To"] == AGENT_PHONE
    assert parse_twiml(agent["data"]["Twiml"]).findtext("Dial/Conference") == name

    call = the_call(live_app)
    assert call.conference_name == name and call.conference_at is not None
    [started] = events(live_app, "call.conference")
    assert started.data["legs"]["interpreter"] and started.data["legs"]["agent"]
    with services(live_app).sessions() as session:
        assert session.get(Conversation, conversation).needs_interpreter  # type: ignore[union-attr]
    html = client.get(page).get_data(as_text=True)
    assert "3자 통역 통화 중" in html and "통역사를 불러" in html

    # A reply typed during the conference is spoken, and the caller goes back into the room.
    token = services(live_app).record.accounts.issue_token("agent-park")
    sent = live_app.test_client().post(
        f"/api/conversations/{conversation}/replies",
        json={"text": "안녕하세요"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert sent.status_code == 202, sent.json
    drain(live_app)
    spoken = parse_twiml(call_requests(twilio_http)[-1]["data"]["Twiml"])
    assert [child.tag for child in spoken] == ["Start", "Say", "Dial", "Redirect"]
    assert spoken.findtext("Dial/Conference") == name


def test_a_refused_interpreter_leg_leaves_the_caller_where_they_were(
    live_app: Flask, twilio_http: RecordingHttpClient
) -> None:
    conversation = live_call(live_app)
    client = taken_by(live_app, conversation)
    twilio_http.fail_with = (400, {"code": 21215, "message": "Geo permission not enabled"})
    page = f"/agent/conversations/{conversation}"
    post_form(client, page, f"{page}/escalate")
    [attempt] = call_requests(twilio_http)  # the interpreter leg only; the caller not moved
    assert attempt["data"]["To"] == INTERPRETER
    assert the_call(live_app).conference_name is None
    [failed] = events(live_app, "call.conference_failed")
    assert "Geo permission" in failed.data["reason"]
    html = client.get(page).get_data(as_text=True)
    assert "통역사 전화 연결 실패 (Twilio 오류 21215)" in html
    assert "Geo permission" not in html  # Twilio's English stays in the record
    assert 'id="interpreter-offer"' in html  # still offered: the agent can try again
    assert the_call(live_app).live_ended_at is None  # the live call goes on


def test_a_refused_move_hangs_the_interpreter_up_again(
    live_app: Flask, twilio_http: RecordingHttpClient
) -> None:
    conversation = live_call(live_app)
    client = taken_by(live_app, conversation)
    answer = twilio_http.request

    def refuse_updates_of_the_callers_call(method: str, url: str, *args: Any, **kw: Any) -> Any:
        if url.endswith(f"/Calls/{CALL_SID}.json"):
            twilio_http.requests.append({"method": method, "url": url, "data": {}, "auth": None})
            return TwilioResponse(404, json.dumps({"code": 20404, "message": "Call not found"}))
        return answer(method, url, *args, **kw)

    twilio_http.request = refuse_updates_of_the_callers_call  # type: ignore[method-assign]
    page = f"/agent/conversations/{conversation}"
    post_form(client, page, f"{page}/escalate")
    dialled, moved, hung_up = call_requests(twilio_http)
    assert dialled["data"]["To"] == INTERPRETER
    assert moved["url"].endswith(f"/Calls/{CALL_SID}.json")
    leg_sid = urlsplit(hung_up["url"]).path.rsplit("/", 1)[-1].removesuffix(".json")
    assert leg_sid.startswith("SM") or leg_sid.startswith("CA")  # the dialled leg's own id
    assert hung_up["data"] == {"Status": "completed"}
    assert the_call(live_app).conference_name is None
    assert "옮기지 못했습니다" in client.get(page).get_data(as_text=True)


def test_without_a_live_call_escalating_stays_a_mark(
    app_factory: Any, twilio_http: RecordingHttpClient
) -> None:
    app = app_factory(
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_HTTP_CLIENT=twilio_http,
        INTERPRETER_NUMBER=INTERPRETER,
    )
    texted = Webhooks(app.test_client()).sms("Hello, when is the garbage collected?")
    assert texted.status_code < 300
    drain(app)
    with services(app).sessions() as session:
        conversation = session.query(Conversation).one().id
    client = taken_by(app, conversation)
    page = f"/agent/conversations/{conversation}"
    post_form(client, page, f"{page}/escalate")
    assert call_requests(twilio_http) == []
    with services(app).sessions() as session:
        assert session.get(Conversation, conversation).needs_interpreter  # type: ignore[union-attr]


def test_closing_a_live_conversation_says_goodbye_then_hangs_up(
    live_app: Flask, twilio_http: RecordingHttpClient
) -> None:
    conversation = live_call(live_app)
    client = taken_by(live_app, conversation)
    page = f"/agent/conversations/{conversation}"
    post_form(client, page, f"{page}/close", disposition="resolved")
    [goodbye] = call_requests(twilio_http)
    assert goodbye["url"].endswith(f"/Calls/{CALL_SID}.json")
    document = parse_twiml(goodbye["data"]["Twiml"])
    assert [child.tag for child in document] == ["Say", "Hangup"]
    say = document.find("Say")
    assert say is not None and say.get("language") == "en-US" and "Goodbye" in (say.text or "")
    call = the_call(live_app)
    assert call.live_ended_at is not None  # the record says so at once
    assert [e.data["reason"] for e in events(live_app, "call.live_ended")] == [
        "the agent closed the conversation"
    ]
    # Once the goodbye has had its time, relay hangs up through the REST API.
    huey = services(live_app).huey
    [task] = [huey.dequeue() for _ in range(huey.pending_count())]
    assert task.name == "end_call" and task.eta is not None
    assert task.eta - datetime.now(UTC).replace(tzinfo=None) > timedelta(seconds=5)
    huey.execute(task, task.eta)
    ended = call_requests(twilio_http)[-1]
    assert ended["url"].endswith(f"/Calls/{CALL_SID}.json")
    assert ended["data"] == {"Status": "completed"}
    # The wait URL the caller's last <Pause> leads to ends the call too.
    wait = post(live_app, "/twilio/voice/live/wait", {"CallSid": CALL_SID})
    assert parse_twiml(wait.data.decode()).find("Hangup") is not None


def test_a_hang_up_ends_the_live_part_and_an_answered_live_call_is_not_abandoned(
    live_app: Flask, twilio_http: RecordingHttpClient
) -> None:
    conversation = live_call(live_app)
    taken_by(live_app, conversation)
    params = {
        "CallSid": CALL_SID,
        "CallStatus": "completed",
        "CallDuration": "42",
        "AccountSid": ACCOUNT_SID,
    }
    assert post(live_app, "/twilio/voice/status", params).status_code == 204
    call = the_call(live_app)
    assert call.live_ended_at is not None and call.ended_at is not None
    assert call.status.value == "completed"  # an agent spoke with the caller
    assert [e.data["reason"] for e in events(live_app, "call.live_ended")] == [
        "the call ended (hang-up)"
    ]
    # Closing afterwards asks nothing of Twilio: the call is already over.
    client = sign_in(live_app, "agent-park", create=False)
    page = f"/agent/conversations/{conversation}"
    post_form(client, page, f"{page}/close", disposition="resolved")
    assert call_requests(twilio_http) == []


def test_the_interpreter_number_and_agent_phones_are_validated(
    tmp_path: Any, live_app: Flask
) -> None:
    with pytest.raises(SettingsError, match="RELAY_INTERPRETER_NUMBER"):
        Settings.from_environment({"INTERPRETER_NUMBER": "02-120"}, tmp_path, environ={})
    ok = Settings.from_environment({"INTERPRETER_NUMBER": INTERPRETER}, tmp_path, environ={})
    assert ok.INTERPRETER_NUMBER == INTERPRETER
    runner = live_app.test_cli_runner()
    sign_in(live_app, "agent-choi")
    bad = runner.invoke(args=["users", "phone", "agent-choi", "not a phone"])
    assert bad.exit_code != 0 and "not a phone number" in bad.output
    good = runner.invoke(args=["users", "phone", "agent-choi", "010-1234-5678"])
    assert good.exit_code == 0 and "+821012345678" in good.output
    cleared = runner.invoke(args=["users", "phone", "agent-choi", "--clear"])
    assert cleared.exit_code == 0


@pytest.mark.slow
def test_captions_go_on_once_the_caller_is_in_the_conference(
    app_factory: Any,
    whisper_base_dir: Path,
    twilio_http: RecordingHttpClient,
    speech_clips: SpeechClips,
) -> None:
    with serving_live(
        app_factory, whisper_base_dir, twilio_http, INTERPRETER_NUMBER=INTERPRETER
    ) as (app, base):
        url, parameters = go_live(app, base, CALL_SID)
        first = StreamPlayer(url, AUTH_TOKEN, CALL_SID, parameters=parameters).connect()
        first.start()
        first.play(silence(0.3))
        conversation = the_call(app).conversation_id
        client = taken_by(app, conversation or 0)
        page = f"/agent/conversations/{conversation}"
        post_form(client, page, f"{page}/escalate")
        moved = parse_twiml(call_requests(twilio_http)[1]["data"]["Twiml"])
        stream = moved.find("Start/Stream")
        assert stream is not None
        again = {p.get("name", ""): p.get("value", "") for p in stream.findall("Parameter")}
        # Twilio starts the conference document's stream on the same call; it takes over.
        second = StreamPlayer(stream.get("url", ""), AUTH_TOKEN, CALL_SID, "MZ" + "2" * 32, again)
        second.connect().start()
        first.stop()
        first.close()
        second.play(silence(0.3) + mulaw_bytes(speech_clips.english_mulaw) + silence(1.2))
        [caption] = wait_for(lambda: captions(app), timeout=90)
        second.stop()
        second.close()
        assert "garbage" in caption.original_text.lower()
        assert caption.translated_text
