"""The sweeper finds each kind of lost job, gives it to the right task, and it is done once.

Huey loses a task whose worker dies, and an enqueue fails while the queue is down; the message is
stored by then, so the periodic sweep must find it and enqueue the job its kind needs: an SMS to
translate, a reply to send, a recording to download and transcribe. Each job checks the message's
state before working, so a message swept twice is still worked on once; and the sweep must leave
alone work that is fine (fresh, sent, or out of attempts), or it would repeat a resident's text.

These tests stay on the app's public surfaces: signed webhooks and the JSON API through the test
client, and the tasks the app registers on its Huey queue (memory://). A lost job is the queue
flushed after the webhook, as if the worker died holding the task; the sweep runs as Huey's
scheduler runs it, and the names of the tasks it leaves on the queue say which job each message got.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from relay.recordings import new_recording_path
from relay.services import services
from tests.relay.agent_helpers import csrf_from
from tests.support.app_fixtures import (
    ACCOUNT_SID,
    RecordingHttpClient,
    Webhooks,
    create_user,
    drain,
)
from tests.support.modelkit import TinyModels
from tests.support.recording_server import RecordingServer, TwilioCall, running_server
from tests.support.speech_fixtures import SpeechClips
from transcripts.db import utcnow
from transcripts.live_calls import UtteranceAudio
from transcripts.models import Channel, Event, Message, MessageStatus

RESIDENT = "+821055501234"


def pending(app: Flask) -> list[str]:
    """The names of the tasks waiting on the app's queue."""
    return [task.name for task in services(app).huey.pending()]


def lose_queued_jobs(app: Flask) -> None:
    """Drop every queued and scheduled task, as if the worker holding them had been killed."""
    services(app).huey.flush()


def run_sweep(app: Flask) -> list[str]:
    """Run the app's periodic sweep once, as Huey's scheduler does every minute, and return the
    names of the tasks then waiting (none of them has run yet)."""
    huey = services(app).huey
    [task] = [task for task in huey.read_periodic(None) if task.name == "sweep"]
    huey.execute(task)
    return pending(app)


def sends(http: RecordingHttpClient) -> list[tuple[str, str]]:
    """(To, Body) of every SMS handed to Twilio's REST API."""
    return [
        (request["data"]["To"], request["data"]["Body"])
        for request in http.requests
        if request["url"].endswith("/Messages.json")
    ]


@dataclass
class Agent:
    """Reads the record and acts on it through the JSON API, as an agent's page does."""

    client: FlaskClient
    headers: dict[str, str]

    @classmethod
    def of(cls, app: Flask) -> Agent:
        return cls(app.test_client(), {"Authorization": f"Bearer {create_user(app)}"})

    def conversation_id(self, phone: str) -> int:
        listed = answer(self.client.get("/api/conversations", headers=self.headers))
        [found] = [c["id"] for c in listed["conversations"] if c["phone"] == phone]
        return int(found)

    def messages(self, phone: str = RESIDENT) -> list[dict[str, Any]]:
        cid = self.conversation_id(phone)
        thread = answer(self.client.get(f"/api/conversations/{cid}", headers=self.headers))
        return list(thread["messages"])

    def reply(self, phone: str, korean: str) -> int:
        cid = self.conversation_id(phone)
        self.client.post(f"/api/conversations/{cid}/claim", headers=self.headers)
        path = f"/api/conversations/{cid}/replies"
        sent = answer(self.client.post(path, json={"text": korean}, headers=self.headers), 202)
        return int(sent["message"]["id"])

    def retry(self, message_id: int, phone: str = RESIDENT) -> None:
        cid = self.conversation_id(phone)
        self.client.post(f"/api/conversations/{cid}/claim", headers=self.headers)
        path = f"/api/messages/{message_id}/retry"
        answer(self.client.post(path, headers=self.headers), 202)


def answer(response: TestResponse, status: int = 200) -> Any:
    """The JSON body of an API response that must have `status`."""
    assert response.status_code == status, response.json
    return response.json


def text_in(app: Flask, body: str, phone: str = RESIDENT) -> None:
    """A resident's SMS, signed as Twilio signs it; Twilio gets its TwiML answer."""
    response = Webhooks(app.test_client()).sms(body, from_number=phone)
    assert response.status_code == 200
    assert response.get_data(as_text=True).strip().endswith("<Response />")


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with running_server() as running:
        yield running


# A window of zero makes a lost job overdue at once, so the recovery tests need no clock.
OVERDUE_AT_ONCE = {"STALE_JOB_SECONDS": 0}


def test_a_stored_sms_whose_job_was_lost_is_translated_once(
    app_factory: Any, tiny_models: TinyModels
) -> None:
    app = app_factory(**OVERDUE_AT_ONCE)
    agent = Agent.of(app)
    wallet = tiny_models.phrase("wallet")
    text_in(app, wallet["en"])
    assert pending(app) == ["translate_inbound"]
    lose_queued_jobs(app)

    assert run_sweep(app) == ["translate_inbound"]
    # A second sweep before any worker ran: the message is still untouched, so it is found again.
    assert run_sweep(app) == ["translate_inbound", "translate_inbound"]
    drain(app)
    [message] = agent.messages()
    assert message["status"] == "translated", message["status_reason"]
    assert message["translated_text"] == wallet["ko"]
    assert message["attempts"] == 1  # the second delivery found the work done
    assert run_sweep(app) == []


def test_a_queued_reply_whose_send_was_lost_is_sent_once(
    app_factory: Any, twilio_http: RecordingHttpClient, tiny_models: TinyModels
) -> None:
    app = app_factory(
        **OVERDUE_AT_ONCE, TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_HTTP_CLIENT=twilio_http
    )
    agent = Agent.of(app)
    received = tiny_models.phrase("received")
    text_in(app, tiny_models.phrase("thanks")["en"])
    drain(app)
    reply_id = agent.reply(RESIDENT, received["ko"])
    assert pending(app) == ["send_outbound"]
    lose_queued_jobs(app)

    assert run_sweep(app) == ["send_outbound"]
    assert run_sweep(app) == ["send_outbound", "send_outbound"]
    drain(app)
    assert sends(twilio_http) == [(RESIDENT, received["en"])]  # one text, not two
    [reply] = [m for m in agent.messages() if m["id"] == reply_id]
    assert reply["status"] == "sent"
    assert reply["provider_sid"].startswith("SM")
    assert reply["attempts"] == 1
    assert run_sweep(app) == []


@pytest.mark.slow
def test_a_recording_whose_processing_was_lost_is_transcribed_once(
    app_factory: Any,
    whisper_base_dir: Path,
    speech_clips: SpeechClips,
    server: RecordingServer,
    tiny_models: TinyModels,
) -> None:
    app = app_factory(**OVERDUE_AT_ONCE, WHISPER_MODEL=str(whisper_base_dir))
    agent = Agent.of(app)
    call = TwilioCall(Webhooks(app.test_client()), from_number=RESIDENT)
    assert call.start().status_code == 200
    assert call.press("1").status_code == 200  # English
    url = server.serve_file(f"/{call.sid}", speech_clips.english_mulaw)
    assert call.finish_recording(url, 6).status_code == 200
    assert call.status("completed", 25).status_code == 204
    assert call.recording_ready(url, 6).status_code == 204
    assert pending(app) == ["process_recording"]
    lose_queued_jobs(app)

    # The voice job, not the text one: a recording has no text until Whisper has heard it.
    assert run_sweep(app) == ["process_recording"]
    assert run_sweep(app) == ["process_recording", "process_recording"]
    drain(app)
    [message] = agent.messages()
    assert message["status"] == "translated", message["status_reason"]
    assert message["channel"] == "voice"
    assert "garbage" in message["original_text"].lower(), message["original_text"]
    assert message["translated_text"]
    assert message["segments"]
    assert message["attempts"] == 1  # transcribed once
    assert server.hits(f"/{call.sid}") == 1  # and fetched once
    assert run_sweep(app) == []


def test_an_sms_that_arrives_while_the_queue_is_down_is_kept_and_recovered(
    app_factory: Any, tiny_models: TinyModels, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_factory(**OVERDUE_AT_ONCE)
    agent = Agent.of(app)
    wallet = tiny_models.phrase("wallet")

    def unreachable(*_args: object) -> None:
        raise ConnectionError("the queue's server is unreachable")

    # Huey's own storage fails, as Redis does when it is down: relay's code runs unchanged.
    monkeypatch.setattr(services(app).huey.storage, "enqueue", unreachable)
    text_in(app, wallet["vi"])  # Twilio still hears 200, so it does not resend or give up
    [kept] = agent.messages()
    assert kept["status"] == "received"
    assert kept["original_text"] == wallet["vi"]
    monkeypatch.undo()
    assert pending(app) == []

    assert run_sweep(app) == ["translate_inbound"]
    drain(app)
    [message] = agent.messages()
    assert message["status"] == "translated", message["status_reason"]
    assert message["translated_text"] == wallet["ko"]
    assert message["attempts"] == 1


def test_the_sweep_waits_until_a_fresh_message_is_overdue(
    app_factory: Any, tiny_models: TinyModels
) -> None:
    """Within RELAY_STALE_JOB_SECONDS the job may still be running: sweeping it then would
    translate (or, for a reply, text) twice."""
    app = app_factory(STALE_JOB_SECONDS=1)
    text_in(app, tiny_models.phrase("wallet")["en"])
    lose_queued_jobs(app)
    assert run_sweep(app) == []
    time.sleep(1.2)
    assert run_sweep(app) == ["translate_inbound"]


def test_the_sweep_never_sends_a_sent_or_refused_reply_again(
    app_factory: Any, twilio_http: RecordingHttpClient, tiny_models: TinyModels
) -> None:
    """A reply Twilio took, or refused for good, is settled: sweeping it would text the resident
    twice, or hammer a number Twilio called invalid. A lost send beside them is still found."""
    app = app_factory(
        **OVERDUE_AT_ONCE, TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_HTTP_CLIENT=twilio_http
    )
    agent = Agent.of(app)
    phrase = tiny_models.phrase
    text_in(app, phrase("thanks")["en"])
    drain(app)
    sent_id = agent.reply(RESIDENT, phrase("received")["ko"])
    drain(app)
    twilio_http.fail_with = (400, {"code": 21211, "message": "The 'To' number is not valid."})
    refused_id = agent.reply(RESIDENT, phrase("wait")["ko"])
    drain(app)
    twilio_http.fail_with = None
    lost_id = agent.reply(RESIDENT, phrase("closing")["ko"])
    lose_queued_jobs(app)

    assert run_sweep(app) == ["send_outbound"]
    drain(app)
    statuses = {m["id"]: m["status"] for m in agent.messages()}
    assert [statuses[i] for i in (sent_id, refused_id, lost_id)] == ["sent", "failed", "sent"]
    assert sends(twilio_http) == [
        (RESIDENT, phrase("received")["en"]),
        (RESIDENT, phrase("wait")["en"]),  # refused, and not tried again
        (RESIDENT, phrase("closing")["en"]),
    ]


def test_the_sweep_retries_nothing_out_of_attempts_and_fails_a_spent_reply(
    app_factory: Any,
    twilio_http: RecordingHttpClient,
    tiny_models: TinyModels,
    relay_models_path: Path,
    tmp_path: Path,
) -> None:
    """A message at RELAY_MAX_JOB_ATTEMPTS is left for a person to look at, not retried for ever;
    a person's retry starts its budget again. A reply out of attempts is failed with its last
    error (left queued, it would look on its way for ever), and the agent's feed is told. A lost
    job beside them is still found, so the sweep did run."""
    # The shared Argos packages but no M2M model: a Vietnamese text fails to translate.
    models = tmp_path / "models"
    models.mkdir()
    (models / "argos").symlink_to(relay_models_path / "argos")
    app = app_factory(
        **OVERDUE_AT_ONCE,
        MAX_JOB_ATTEMPTS=1,
        MODELS_PATH=str(models),
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_HTTP_CLIENT=twilio_http,
    )
    agent = Agent.of(app)
    phrase = tiny_models.phrase

    text_in(app, phrase("thanks")["en"])
    drain(app)
    # Twilio answers 500: the send counts its one attempt, and the reply stays queued.
    twilio_http.fail_with = (500, {"code": 20500, "message": "Internal Server Error"})
    spent_reply_id = agent.reply(RESIDENT, phrase("wait")["ko"])
    drain(app)
    twilio_http.fail_with = None
    [waiting] = [m for m in agent.messages() if m["id"] == spent_reply_id]
    assert waiting["status"] == "queued"

    # A text that failed once, then an agent's retry whose job was lost.
    vietnamese = "+821055505678"
    text_in(app, phrase("wallet")["vi"], phone=vietnamese)
    drain(app)
    [failed] = agent.messages(vietnamese)
    assert failed["status"] == "failed"
    agent.retry(failed["id"], vietnamese)

    newcomer = "+821055509999"
    text_in(app, phrase("hours")["en"], phone=newcomer)
    lose_queued_jobs(app)  # the retry, the newcomer's job and Huey's own retry of the send

    # The agent's retry starts a new budget of attempts, so its lost job is found too.
    assert run_sweep(app) == ["translate_inbound", "translate_inbound"]
    drain(app)
    assert [m["status"] for m in agent.messages(newcomer)] == ["translated"]
    [retried] = agent.messages(vietnamese)
    assert (retried["status"], retried["attempts"]) == ("failed", 1)  # its model is still missing
    [spent_reply] = [m for m in agent.messages() if m["id"] == spent_reply_id]
    assert (spent_reply["status"], spent_reply["attempts"]) == ("failed", 1)
    assert "1번 시도했지만 보내지 못했습니다" in spent_reply["status_reason"]
    assert "Internal Server Error" in spent_reply["status_reason"]  # its last error
    assert sends(twilio_http) == [(RESIDENT, phrase("wait")["en"])]  # tried once, not again
    with services(app).sessions() as session:
        failed = select(Event.id).where(
            Event.kind == "message.failed", Event.message_id == spent_reply_id
        )
        assert len(session.scalars(failed).all()) == 1  # the agent's view hears of it
    assert run_sweep(app) == []  # settled: not failed again, not sent again


def test_a_chat_message_whose_job_was_lost_is_translated_once(
    app_factory: Any, tiny_models: TinyModels
) -> None:
    app = app_factory(**OVERDUE_AT_ONCE)
    wallet = tiny_models.phrase("wallet")
    resident = app.test_client()
    page = resident.get("/chat?lang=vi").get_data(as_text=True)
    form = {"csrf_token": csrf_from(page), "language": "vi", "text": wallet["vi"]}
    assert resident.post("/chat", data=form).status_code == 303
    assert pending(app) == ["translate_inbound"]
    lose_queued_jobs(app)

    assert run_sweep(app) == ["translate_inbound"]
    assert run_sweep(app) == ["translate_inbound", "translate_inbound"]
    drain(app)
    with services(app).sessions() as session:
        [message] = session.scalars(select(Message)).all()
        assert message.channel is Channel.WEB
        assert message.status is MessageStatus.TRANSLATED, message.status_reason
        assert message.translated_text == wallet["ko"]
        assert message.attempts == 1
    assert run_sweep(app) == []


@pytest.mark.slow
def test_a_live_utterance_whose_caption_was_lost_is_captioned_once(
    app_factory: Any,
    whisper_base_dir: Path,
    speech_clips: SpeechClips,
    tiny_models: TinyModels,
) -> None:
    app = app_factory(**OVERDUE_AT_ONCE, WHISPER_MODEL=str(whisper_base_dir))
    agent = Agent.of(app)
    call = TwilioCall(Webhooks(app.test_client()), from_number=RESIDENT)
    assert call.start().status_code == 200
    assert call.press("1").status_code == 200  # English
    live = services(app).record.live
    assert live.go_live(call.sid) is not None
    # The stream stored the utterance (audio on disk, message row) as it does before
    # recognition; then the process holding its speech lane died: no caption, no job.
    relative = new_recording_path(f"live-{call.sid}-lost", utcnow())
    stored = Path(app.config["INSTANCE_PATH"]) / relative
    stored.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(speech_clips.english_16k, stored)
    heard = UtteranceAudio(relative, 12.0, 18.0, 6.0, "silence", utcnow())
    message_id = live.store_utterance(call.sid, heard)
    lose_queued_jobs(app)

    # Whisper's job, not the text one: an utterance has no text until it has been heard.
    assert run_sweep(app) == ["caption_utterance"]
    assert run_sweep(app) == ["caption_utterance", "caption_utterance"]
    drain(app)
    message = next(m for m in agent.messages() if m["id"] == message_id)
    assert message["status"] == "translated", message["status_reason"]
    assert message["channel"] == "voice" and message["call_id"]
    assert "garbage" in message["original_text"].lower(), message["original_text"]
    assert message["translated_text"]
    assert message["segments"][0]["start"] >= 12.0  # on the call's clock, as the lane puts it
    assert message["attempts"] == 1
    assert run_sweep(app) == []
