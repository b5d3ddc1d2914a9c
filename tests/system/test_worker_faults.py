"""A `flask worker` killed with SIGKILL at the worst moment, and the resident still gets exactly
one SMS; on SQLite with its file queue, and on PostgreSQL with Redis.

Huey loses the task of a worker that dies; the record keeps the job's state, the sweeper enqueues
it again and a new worker finishes it. The worst moments: while Whisper transcribes a recorded
call; while a reply is on its way to Twilio but before Twilio took it; after Twilio took it but
before the worker recorded Twilio's id. Twilio's REST API is a local server reached by the real
twilio library (tests/support/twilio_server.py); it holds the send until the test has killed the
worker, so every kill lands where it must, and each step waits for an event from the local
servers, never for a guessed time. The sweep runs from the test, as Huey's scheduler runs it once
a minute, so no test waits for the minute to turn.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from relay.services import services
from tests.relay.test_sweeper import RESIDENT, Agent, pending, run_sweep, text_in
from tests.support.app_fixtures import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CENTRE_NUMBER,
    PUBLIC_BASE_URL,
    Webhooks,
    drain,
)
from tests.support.modelkit import DECODING_BEAM, TinyModels
from tests.support.recording_server import RecordingServer, TwilioCall, running_server
from tests.support.speech_fixtures import SpeechClips
from tests.support.twilio_server import Hold, TwilioServer, twilio_server
from transcripts.models import Event, Message, MessageStatus

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
WAIT = 45.0  # the longest any one step may take before the test fails


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.redis]),
    ]
)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """Where the record and the queue live: files on one machine, or servers shared by many."""
    if request.param == "sqlite":
        return {"QUEUE_URL": f"sqlite:///{tmp_path / 'queue.db'}"}
    return {
        "DATABASE_URL": request.getfixturevalue("empty_postgres"),
        "QUEUE_URL": request.getfixturevalue("redis_url"),
    }


@pytest.fixture
def twilio() -> Iterator[TwilioServer]:
    with twilio_server(ACCOUNT_SID, AUTH_TOKEN) as server:
        yield server


@pytest.fixture
def recordings() -> Iterator[RecordingServer]:
    with running_server() as server:
        yield server


@pytest.fixture
def app(
    app_factory: Any, backend: dict[str, str], twilio: TwilioServer, whisper_base_dir: Path
) -> Flask:
    """The web side: takes webhooks and replies, enqueues on the shared queue, runs no jobs."""
    return app_factory(  # type: ignore[no-any-return]
        **backend,
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_API_BASE_URL=twilio.base_url,
        WHISPER_MODEL=str(whisper_base_dir),
        STALE_JOB_SECONDS=0,  # a job whose worker died is overdue at once
    )


@dataclass
class Workers:
    """Starts `flask --app wsgi worker` processes with the app's settings; kills or stops them."""

    app: Flask
    root: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self) -> subprocess.Popen[bytes]:
        """A new worker process, as on another machine (its own instance folder)."""
        number = len(self.processes) + 1
        config = self.app.config
        settings = {
            "INSTANCE_PATH": str(self.root / f"worker-{number}"),
            "DATABASE_URL": config["DATABASE_URL"],
            "QUEUE_URL": config["QUEUE_URL"],
            "MODELS_PATH": config["MODELS_PATH"],
            "WHISPER_MODEL": config["WHISPER_MODEL"],
            "TRANSLATION_BEAM_SIZE": str(DECODING_BEAM),
            "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_NUMBER": CENTRE_NUMBER,
            "TWILIO_API_BASE_URL": config["TWILIO_API_BASE_URL"],
            "VOICE_RECORDING_HOSTS": "127.0.0.1",
            "SMS_ACKNOWLEDGEMENT": "false",
            "STALE_JOB_SECONDS": "0",
        }
        env = {**os.environ, **{f"RELAY_{key}": value for key, value in settings.items()}}
        log = (self.root / f"worker-{number}.log").open("wb")
        with log:
            worker = subprocess.Popen(
                # One thread: a second delivery of a job (a stray minute's sweep) runs after
                # the first, not beside it; with a stale time of 0 no lease keeps them apart.
                [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--threads", "1"],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append(worker)
        return worker

    def logs(self) -> str:
        """The end of each worker's output, for the message of a failed wait."""
        tails = []
        for number in range(1, len(self.processes) + 1):
            text = (self.root / f"worker-{number}.log").read_text(errors="replace")
            tails.append(f"--- worker {number} ---\n{text[-2000:]}")
        return "\n".join(tails)

    @staticmethod
    def kill(worker: subprocess.Popen[bytes]) -> None:
        """SIGKILL: no handler runs, nothing is cleaned up, the task it held is lost."""
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=WAIT)

    @staticmethod
    def stop(worker: subprocess.Popen[bytes]) -> int:
        """SIGINT: Huey's graceful stop, which lets the task under way finish first. (Its exit
        status is not the point: a worker stopped while it still loads models in the background
        may abort on the way out, after its jobs are done.)"""
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGINT)
        return worker.wait(timeout=WAIT)


@pytest.fixture
def workers(app: Flask, tmp_path: Path) -> Iterator[Workers]:
    """Worker processes; each is stopped when the test ends, whatever the test did."""
    running = Workers(app, tmp_path)
    yield running
    for worker in running.processes:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def wait_for(condition: Callable[[], bool]) -> bool:
    """Poll the record for a state another process commits (it cannot send us an event);
    False when it did not come within WAIT."""
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def sweep(app: Flask) -> list[str]:
    """Run the app's periodic sweep once, as Huey's scheduler does, and return the names of
    the tasks it queued. (A worker's own scheduler may have queued a sweep too when a minute
    turned; that one only adds work each job then finds done.)"""
    before = pending(app)
    after = run_sweep(app)
    for name in before:
        after.remove(name)
    return after


def nothing_left_to_sweep(app: Flask) -> bool:
    return services(app).record.inbound.stale_work(timedelta(0), 5).count == 0


def the_message(app: Flask, message_id: int) -> Message:
    with services(app).sessions() as session:
        return session.scalars(select(Message).where(Message.id == message_id)).one()


def events_of(app: Flask, message_id: int) -> list[str]:
    with services(app).sessions() as session:
        kinds = session.scalars(
            select(Event.kind).where(Event.message_id == message_id).order_by(Event.id)
        )
        return [str(kind) for kind in kinds]


def message_count(app: Flask) -> int:
    with services(app).sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Message)) or 0)


def test_a_worker_killed_while_it_transcribes_a_call(
    app: Flask,
    workers: Workers,
    recordings: RecordingServer,
    speech_clips: SpeechClips,
    tiny_models: TinyModels,
) -> None:
    call = TwilioCall(Webhooks(app.test_client()), from_number=RESIDENT)
    assert call.start().status_code == 200
    assert call.press("1").status_code == 200  # English
    path = f"/{call.sid}"
    url = recordings.serve_file(path, speech_clips.english_mulaw)
    assert call.finish_recording(url, 6).status_code == 200
    assert call.status("completed", 25).status_code == 204
    assert call.recording_ready(url, 6).status_code == 204
    message_id = _only_message(app)

    first = workers.start()
    assert recordings.wait_for_hits(path, 1, WAIT), workers.logs()
    # The recording is kept before Whisper starts: once its path is in the record, the worker
    # is transcribing (or translating), and nothing of its work is saved until it is done.
    kept = wait_for(lambda: the_message(app, message_id).audio_path is not None)
    assert kept, workers.logs()
    workers.kill(first)
    killed = the_message(app, message_id)
    # Nothing heard was saved: the kill landed after the audio was kept, before the transcript.
    assert (killed.status, killed.original_text, killed.segments, killed.attempts) == (
        MessageStatus.RECEIVED,
        "",
        None,
        1,
    )

    assert sweep(app) == ["process_recording"]
    second = workers.start()  # another machine: fetches the recording again
    assert recordings.wait_for_hits(path, 2, WAIT), workers.logs()
    workers.stop(second)

    done = the_message(app, message_id)
    assert done.status is MessageStatus.TRANSLATED, done.status_reason
    assert "garbage" in (done.original_text or "").lower(), done.original_text
    assert done.translated_text and done.segments
    assert done.attempts == 2
    assert message_count(app) == 1  # no duplicate message
    assert events_of(app, message_id).count("message.translated") == 1  # one transcript
    assert nothing_left_to_sweep(app)


def _only_message(app: Flask) -> int:
    with services(app).sessions() as session:
        [message_id] = session.scalars(select(Message.id)).all()
        return int(message_id)


def queue_reply(app: Flask, tiny_models: TinyModels) -> tuple[int, str]:
    """A resident's text, translated here, and an agent's reply on the shared queue."""
    text_in(app, tiny_models.phrase("thanks")["en"])
    drain(app)  # the translation, in this process: only the send is for the worker
    reply_id = Agent.of(app).reply(RESIDENT, tiny_models.phrase("received")["ko"])
    return reply_id, the_message(app, reply_id).delivered_body or ""


@pytest.mark.parametrize("moment", [Hold.HOLD_BEFORE_ACCEPT, Hold.HOLD_AFTER_ACCEPT])
def test_a_worker_killed_while_it_sends_a_reply(
    app: Flask,
    workers: Workers,
    twilio: TwilioServer,
    tiny_models: TinyModels,
    moment: Hold,
) -> None:
    twilio.hold = moment
    first = workers.start()
    reply_id, body = queue_reply(app, tiny_models)
    reached = twilio.arrived if moment is Hold.HOLD_BEFORE_ACCEPT else twilio.accepted
    assert reached.wait(WAIT), workers.logs()
    workers.kill(first)
    twilio.release()

    killed = the_message(app, reply_id)
    # Honest: whatever Twilio did, the record says only that an attempt began.
    assert (killed.status, killed.provider_sid, killed.attempts) == (
        MessageStatus.QUEUED,
        None,
        1,
    )
    taken = 1 if moment is Hold.HOLD_AFTER_ACCEPT else 0
    assert twilio.sent_to(RESIDENT) == [body] * taken

    assert sweep(app) == ["send_outbound"]
    so_far = len(twilio.requests)
    second = workers.start()
    assert twilio.wait_for_requests(so_far + 1, WAIT), workers.logs()
    workers.stop(second)

    assert twilio.sent_to(RESIDENT) == [body]  # exactly one SMS
    assert twilio.lists() == 1  # the second worker asked Twilio before it did anything
    [sent] = twilio.messages
    done = the_message(app, reply_id)
    assert (done.status, done.provider_sid, done.attempts) == (
        MessageStatus.SENT,
        sent["sid"],
        2,
    )
    assert events_of(app, reply_id).count("message.sent") == 1
    assert nothing_left_to_sweep(app)
