"""The phone line's webhooks without speech models: menu, consent and recording TwiML, call
state, abandoned and blocked calls, replays and bad input."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select, update

from relay.services import services
from tests.support.app_fixtures import PUBLIC_BASE_URL, Webhooks, drain
from tests.support.recording_server import TwilioCall, parse_twiml
from transcripts.db import utcnow
from transcripts.metrics import service_figures
from transcripts.models import Call, CallStatus, Contact, Message, WebhookReceipt


def twiml(response: Any) -> Any:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/xml"
    return parse_twiml(response.get_data(as_text=True))


def calls(app: Flask) -> list[Call]:
    with services(app).sessions() as session:
        return list(session.scalars(select(Call).order_by(Call.id)).all())


def messages(app: Flask) -> list[Message]:
    with services(app).sessions() as session:
        return list(session.scalars(select(Message).order_by(Message.id)).all())


def test_menu_offers_five_languages_with_voices_and_falls_back_for_mongolian(
    app: Flask, webhooks: Webhooks
) -> None:
    root = twiml(TwilioCall(webhooks).start())
    gather = root.find("Gather")
    assert gather is not None
    assert gather.get("numDigits") == "1"
    assert gather.get("input") == "dtmf"
    assert gather.get("action") == f"{PUBLIC_BASE_URL}/twilio/voice/menu"
    says = gather.findall("Say")
    languages = [say.get("language") for say in says]
    # Greeting in English, then one line per language in its own voice; Mongolian has no voice
    # and no recording was provided, so its line is English naming the language and the key.
    assert languages == ["en-US", "en-US", "cmn-CN", "ja-JP", "vi-VN", "en-US"]
    assert says[2].get("voice") == "Polly.Zhiyu"
    assert "2" in (says[2].text or "")
    assert says[-1].text == "For Mongolian, press 5."
    assert root.find("Redirect") is not None  # no key: back to the menu view, which counts
    [call] = calls(app)
    assert call.status is CallStatus.IN_PROGRESS
    assert call.conversation_id is not None
    assert call.answered_at is not None


def test_mongolian_prompts_play_provided_recordings(app_factory: Any, tmp_path: Path) -> None:
    prompts = tmp_path / "prompts"
    (prompts / "mn").mkdir(parents=True)
    (prompts / "mn" / "menu.wav").write_bytes(b"RIFF-not-checked")
    (prompts / "mn" / "leave_message.mp3").write_bytes(b"ID3")
    app = app_factory(VOICE_PROMPTS_PATH=str(prompts))
    webhooks = Webhooks(app.test_client())
    call = TwilioCall(webhooks)
    plays = twiml(call.start()).findall("Gather/Play")
    assert [p.text for p in plays] == [f"{PUBLIC_BASE_URL}/prompts/mn/menu.wav"]
    record = twiml(call.press("5"))
    assert [p.text for p in record.findall("Play")] == [
        f"{PUBLIC_BASE_URL}/prompts/mn/leave_message.mp3"
    ]
    # The consent notice has no Mongolian recording: it is said in English rather than skipped.
    [notice] = record.findall("Say")
    assert "recorded" in (notice.text or "")
    # Public like a static file: Twilio's media fetch needs no signature; nothing else is served.
    fetch = webhooks.client.get
    served = fetch("/prompts/mn/menu.wav")
    assert served.status_code == 200
    assert served.data == b"RIFF-not-checked"
    assert "max-age=3600" in served.headers["Cache-Control"]
    served.close()
    assert fetch("/prompts/mn/secret.wav").status_code == 404
    assert fetch("/prompts/mn/..%2Fmenu.wav").status_code == 404
    assert fetch("/prompts/mn/../../config.py").status_code == 404
    assert fetch("/prompts/ko/menu.wav").status_code == 404
    assert fetch("/prompts/mn/menu.exe").status_code == 404


def test_choosing_a_language_gives_consent_notice_then_a_capped_record(
    app_factory: Any,
) -> None:
    app = app_factory(VOICE_MAX_RECORDING_SECONDS=300)
    call = TwilioCall(Webhooks(app.test_client()))
    call.start()
    root = twiml(call.press("4"))
    notice, leave = root.findall("Say")
    assert notice.get("language") == "vi-VN"
    assert "ghi âm" in (notice.text or "")  # the phrasebook's recording notice, in Vietnamese
    assert leave.get("voice") == "Google.vi-VN-Standard-A"
    record = root.find("Record")
    assert record is not None
    assert record.get("maxLength") == "300"
    assert record.get("recordingStatusCallback") == f"{PUBLIC_BASE_URL}/twilio/voice/recording"
    assert record.get("recordingStatusCallbackEvent") == "completed absent"
    assert record.get("action") == f"{PUBLIC_BASE_URL}/twilio/voice/recorded"
    assert record.get("finishOnKey") == "#"
    [stored] = calls(app)
    assert stored.language == "vi"
    with services(app).sessions() as session:
        contact = session.scalar(select(Contact))
        assert contact is not None and contact.language == "vi"


def test_a_known_caller_hears_their_language_first(app: Flask, webhooks: Webhooks) -> None:
    first = TwilioCall(webhooks)
    first.start()
    first.press("3")
    again = TwilioCall(webhooks)  # same number, a later call
    says = twiml(again.start()).findall("Gather/Say")
    assert says[0].get("language") == "ja-JP"  # the greeting
    assert says[1].get("language") == "ja-JP"  # Japanese first in the menu
    assert [s.get("language") for s in says[2:]] == ["en-US", "cmn-CN", "vi-VN", "en-US"]


def test_wrong_keys_repeat_the_menu_and_then_say_goodbye(app: Flask, webhooks: Webhooks) -> None:
    call = TwilioCall(webhooks)
    call.start()
    for digits in ("9", "12"):
        root = twiml(call.press(digits))
        first = root.find("Gather/Say")
        assert first is not None and "not one of the choices" in (first.text or "")
    final = twiml(call.press(None))  # the Gather timed out: Twilio follows the Redirect
    assert final.find("Hangup") is not None
    assert "did not receive a choice" in (final.findtext("Say") or "")
    [stored] = calls(app)
    assert stored.menu_attempts == 3
    assert stored.language is None


def test_hanging_up_in_the_menu_leaves_an_abandoned_call_and_an_empty_message(
    app: Flask, webhooks: Webhooks, auth_headers: dict[str, str]
) -> None:
    call = TwilioCall(webhooks)
    call.start()
    assert call.status("completed", 7).status_code == 204
    [stored] = calls(app)
    assert stored.status is CallStatus.ABANDONED
    assert stored.duration_seconds == 7
    assert stored.ended_at is not None
    thread = webhooks.client.get(
        f"/api/conversations/{stored.conversation_id}", headers=auth_headers
    ).json
    [message] = thread["messages"]
    assert message["status"] == "empty"
    assert message["channel"] == "voice"
    assert "hung up in the language menu" in message["status_reason"]
    assert message["call_id"] == stored.id
    assert message["audio_url"] is None


def test_hanging_up_after_choosing_but_before_recording_is_abandoned_too(
    app: Flask, webhooks: Webhooks
) -> None:
    call = TwilioCall(webhooks)
    call.start()
    call.press("1")
    call.status("completed", 12)
    [stored] = calls(app)
    assert stored.status is CallStatus.ABANDONED
    [message] = messages(app)
    assert message.status_reason == "the caller hung up before leaving a message"


def test_status_callbacks_record_the_call_timeline(app: Flask, webhooks: Webhooks) -> None:
    call = TwilioCall(webhooks)
    call.start()
    call.press("1")
    call.finish_recording("https://api.twilio.com/x", 9)
    assert call.status("completed", 31).status_code == 204
    assert call.status("completed", 31).status_code == 204  # a replay changes nothing
    assert call.status("ringing").status_code == 204  # late and out of order: no step back
    [stored] = calls(app)
    assert stored.status is CallStatus.COMPLETED  # it recorded, so it was not abandoned
    assert stored.duration_seconds == 31
    assert messages(app) == []  # the recording's own callback brings the message
    # The figures 120 centres report come from these rows (transcripts/metrics.py).
    now = utcnow()
    figures = service_figures(services(app).sessions, now - timedelta(hours=1), now).calls
    # The menu picked up and the caller left a message, but no agent has answered it yet: a
    # call is answered by an agent (its recorded message replied to), not by the menu.
    assert (figures.total, figures.answered, figures.abandoned) == (1, 0, 0)
    assert figures.median_handle_seconds == 31
    assert figures.median_seconds_to_answer is None


def test_a_blocked_caller_is_rejected_and_no_conversation_opens(
    app: Flask, webhooks: Webhooks
) -> None:
    first = TwilioCall(webhooks)
    first.start()
    with services(app).sessions() as session, session.begin():
        session.execute(update(Contact).values(blocked_until=utcnow() + timedelta(days=1)))
    blocked = TwilioCall(webhooks)
    root = twiml(blocked.start())
    assert root.find("Reject") is not None
    assert root.find("Gather") is None
    assert twiml(blocked.press("1")).find("Hangup") is not None
    stored = calls(app)[-1]
    assert stored.status is CallStatus.CANCELED
    assert stored.conversation_id is None


def test_an_anonymous_caller_gets_a_conversation_but_no_reply_route(
    app: Flask, webhooks: Webhooks, auth_headers: dict[str, str]
) -> None:
    call = TwilioCall(webhooks, from_number="")
    assert twiml(call.start()).find("Gather") is not None
    call.press("1")
    call.status("completed", 4)
    [stored] = calls(app)
    assert stored.from_number is None
    client = webhooks.client
    claimed = client.post(
        f"/api/conversations/{stored.conversation_id}/claim", headers=auth_headers
    )
    assert claimed.status_code == 200
    reply = client.post(
        f"/api/conversations/{stored.conversation_id}/replies",
        json={"text": "감사합니다."},
        headers=auth_headers,
    )
    assert reply.status_code == 422
    assert "전화번호를 몰라" in reply.json["error"]
    # A second anonymous caller is a different contact, not merged with the first.
    other = TwilioCall(webhooks, from_number="anonymous")
    other.start()
    assert len({c.contact_id for c in calls(app)}) == 2


def test_unsigned_and_wrongly_signed_voice_webhooks_change_nothing(
    app: Flask, webhooks: Webhooks
) -> None:
    call = TwilioCall(webhooks)
    client = webhooks.client
    for path in (
        "/twilio/voice",
        "/twilio/voice/menu",
        "/twilio/voice/recording",
        "/twilio/voice/status",
        "/twilio/voice/recorded",
        "/twilio/voice/reply/1",
    ):
        unsigned = client.post(path, data={"CallSid": call.sid, "Digits": "1"})
        assert unsigned.status_code == 403, path
        forged = webhooks.post(path, {"CallSid": call.sid}, signature="bm90IGEgc2lnbmF0dXJl")
        assert forged.status_code == 403, path
    assert calls(app) == []
    with services(app).sessions() as session:
        assert session.scalar(select(WebhookReceipt)) is None


def test_a_replayed_call_webhook_opens_nothing_new(app: Flask, webhooks: Webhooks) -> None:
    call = TwilioCall(webhooks)
    first = call.start().get_data(as_text=True)
    assert call.start().get_data(as_text=True) == first
    assert len(calls(app)) == 1
    call.press("2")
    # Replayed after the choice: the caller is not sent back to the menu.
    assert twiml(call.start()).find("Record") is not None
    assert len(calls(app)) == 1


def test_webhooks_without_a_call_sid_are_kept_and_refused(app: Flask, webhooks: Webhooks) -> None:
    for path in ("/twilio/voice", "/twilio/voice/menu", "/twilio/voice/recording"):
        response = webhooks.post(path, {"From": "+821055501234"})
        assert response.status_code == 400, path
    with services(app).sessions() as session:
        kept = session.scalars(select(WebhookReceipt.event)).all()
    assert sorted(kept) == [
        "voice.inbound.rejected",
        "voice.menu.rejected",
        "voice.recording.rejected",
    ]
    assert webhooks.post("/twilio/voice/status", {"CallSid": "CA1"}).status_code == 400


def test_a_recording_for_an_unknown_call_is_kept_as_a_receipt(
    app: Flask, webhooks: Webhooks
) -> None:
    stranger = TwilioCall(webhooks)
    response = stranger.recording_ready("https://api.twilio.com/r", 5, recording_sid="RE1")
    assert response.status_code == 404
    with services(app).sessions() as session:
        receipt = session.scalar(select(WebhookReceipt))
        assert receipt is not None
        assert receipt.outcome == "unknown call"
        assert receipt.payload["RecordingUrl"] == "https://api.twilio.com/r"


def test_a_duplicate_recording_callback_stores_one_message_and_one_job(
    app: Flask, webhooks: Webhooks
) -> None:
    call = TwilioCall(webhooks)
    call.start()
    call.press("1")
    url = "http://127.0.0.1:9/never-fetched"
    assert call.recording_ready(url, 5, recording_sid="RE" + "a" * 32).status_code == 204
    assert call.recording_ready(url, 5, recording_sid="RE" + "a" * 32).status_code == 204
    [message] = messages(app)
    assert message.recording_sid == "RE" + "a" * 32
    assert message.status.value == "received"
    assert len(services(app).huey.pending()) == 1


def test_an_absent_recording_is_an_empty_message_with_twilios_reason(
    app: Flask, webhooks: Webhooks
) -> None:
    call = TwilioCall(webhooks)
    call.start()
    call.press("1")
    call.finish_recording("", 0)
    call.status("completed", 10)
    call.recording_ready("", 0, status="absent", ErrorCode="16102")
    [message] = messages(app)
    assert message.status.value == "empty"
    assert message.status_reason == "no message was recorded: the recording was silent"
    assert message.error_code == "16102"
    assert drain(app) == 0
    [stored] = calls(app)
    assert stored.status is CallStatus.COMPLETED


def test_a_recording_arriving_after_the_call_looked_abandoned_replaces_the_placeholder(
    app: Flask, webhooks: Webhooks
) -> None:
    # Hung up during the beep: no <Record> action arrived, so the call looked abandoned; then
    # Twilio's recording callback brings what was said after all.
    call = TwilioCall(webhooks)
    call.start()
    call.press("1")
    call.status("completed", 15)
    assert calls(app)[0].status is CallStatus.ABANDONED
    call.recording_ready("http://127.0.0.1:9/later", 6)
    [message] = messages(app)
    assert message.status.value == "received"
    assert message.status_reason is None
    assert calls(app)[0].status is CallStatus.COMPLETED


def test_every_prompt_is_written_in_all_five_languages() -> None:
    from languages.registry import RESIDENT_CODES
    from relay.voice import prompts

    written = set(prompts.PROMPT_IDS) - {"recording_notice"}  # that one is the phrasebook's
    assert written == set(prompts._TEXTS)
    for prompt_id in written:
        for code in RESIDENT_CODES:
            assert prompts.text(prompt_id, code).strip(), (prompt_id, code)
    for code in RESIDENT_CODES:
        assert prompts.recording_notice(code).strip()


def test_interim_and_failed_recording_callbacks(
    app: Flask, webhooks: Webhooks, auth_headers: dict[str, str]
) -> None:
    call = TwilioCall(webhooks)
    call.start()
    call.press("1")
    url = "http://127.0.0.1:9/not-yet"
    interim = call.recording_ready(url, 0, status="in-progress", recording_sid="RE" + "b" * 32)
    assert interim.status_code == 204
    assert messages(app) == []  # the final callback for the same recording is not a duplicate
    failed = call.recording_ready("", 0, status="failed", recording_sid="RE" + "b" * 32)
    assert failed.status_code == 204
    [message] = messages(app)
    assert message.status.value == "failed"
    assert "failed" in (message.status_reason or "")
    claim = f"/api/conversations/{message.conversation_id}/claim"
    assert webhooks.client.post(claim, headers=auth_headers).status_code == 200
    retried = webhooks.client.post(f"/api/messages/{message.id}/retry", headers=auth_headers)
    assert retried.status_code == 202
    drain(app)  # nothing to fetch: it stays failed with its reason, the job does not crash
    [after] = messages(app)
    assert after.status.value == "failed"
    assert after.status_reason
