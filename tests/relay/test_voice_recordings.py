"""Fetching recordings over real HTTP from a local server: timeouts, 404s, empty, corrupt and
oversized files each end in a stated, retried or flagged state, and nothing is lost."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from relay.jobs import sweep
from relay.services import services
from relay.voice.download import DownloadSettings, _auth_for
from tests.support.app_fixtures import Webhooks, create_user, drain
from tests.support.recording_server import RecordingServer, Route, TwilioCall, running_server
from transcripts.models import Message, MessageStatus


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with running_server() as running:
        yield running


@pytest.fixture
def voice_app(app_factory: Any) -> Flask:
    """Fast download settings so failure paths take a fraction of a second."""
    return app_factory(  # type: ignore[no-any-return]
        VOICE_DOWNLOAD_TIMEOUT_SECONDS=0.3,
        VOICE_DOWNLOAD_ATTEMPTS=2,
        VOICE_DOWNLOAD_BACKOFF_SECONDS=0.01,
        VOICE_MAX_RECORDING_SECONDS=300,
    )


def leave_message(app: Flask, url: str, seconds: int = 8) -> TwilioCall:
    call = TwilioCall(Webhooks(app.test_client()))
    call.start()
    call.press("1")
    call.finish_recording(url, seconds)
    assert call.recording_ready(url, seconds).status_code == 204
    call.status("completed", seconds + 20)
    return call


def the_message(app: Flask) -> Message:
    with services(app).sessions() as session:
        [message] = session.scalars(select(Message)).all()
        return message


def test_a_stalled_server_is_retried_then_left_failed_with_a_retry_scheduled(
    voice_app: Flask, server: RecordingServer
) -> None:
    url = server.serve("/slow", Route(body=b"RIFF", delay=1.0))
    leave_message(voice_app, url)
    drain(voice_app)
    message = the_message(voice_app)
    assert message.status is MessageStatus.FAILED
    assert "timed out" in (message.status_reason or "")
    assert "after 2 attempts" in (message.status_reason or "")
    assert server.hits("/slow") == 2
    assert message.recording_url == url  # kept: the audio can still be fetched later
    assert len(services(voice_app).huey.scheduled()) == 1  # the queue tries again later


def test_a_404_is_retried_and_says_so(voice_app: Flask, server: RecordingServer) -> None:
    leave_message(voice_app, server.url("/missing"))
    drain(voice_app)
    message = the_message(voice_app)
    assert message.status is MessageStatus.FAILED
    assert "HTTP 404" in (message.status_reason or "")
    assert server.hits("/missing") == 2
    assert len(services(voice_app).huey.scheduled()) == 1


def test_a_server_error_then_success_downloads_on_the_second_attempt(
    voice_app: Flask, server: RecordingServer, tmp_path: Path
) -> None:
    url = server.serve("/flaky", Route(body=b"not audio at all" * 100, fail_first=1))
    leave_message(voice_app, url)
    drain(voice_app)
    message = the_message(voice_app)
    assert server.hits("/flaky") == 2
    # Downloaded and kept, then refused by the decoder: a clear reason, the file stays.
    assert message.audio_path is not None
    assert message.status is MessageStatus.FAILED
    assert "speech recognition" in (message.status_reason or "")
    stored = Path(voice_app.config["INSTANCE_PATH"]) / message.audio_path
    assert stored.read_bytes() == b"not audio at all" * 100


def test_a_zero_length_file_fails_without_retrying(
    voice_app: Flask, server: RecordingServer
) -> None:
    leave_message(voice_app, server.serve("/empty", Route(body=b"")))
    drain(voice_app)
    message = the_message(voice_app)
    assert message.status is MessageStatus.FAILED
    assert "empty file (0 bytes)" in (message.status_reason or "")
    assert message.audio_path is None
    assert services(voice_app).huey.scheduled() == []


def test_a_corrupt_wav_is_kept_and_explained(voice_app: Flask, server: RecordingServer) -> None:
    truncated = b"RIFF\x24\x10\x00\x00WAVEfmt " + bytes(8)
    leave_message(voice_app, server.serve("/corrupt", Route(body=truncated)))
    drain(voice_app)
    message = the_message(voice_app)
    assert message.status is MessageStatus.FAILED
    assert "WAV" in (message.status_reason or "")
    assert message.audio_path is not None


def test_a_thirty_minute_recording_over_a_five_minute_cap_is_flagged_not_fetched(
    voice_app: Flask, server: RecordingServer
) -> None:
    url = server.serve("/long", Route(endless=True))
    leave_message(voice_app, url, seconds=1800)
    drain(voice_app)
    message = the_message(voice_app)
    assert message.status is MessageStatus.FAILED
    assert "1800 s, more than the 300 s cap" in (message.status_reason or "")
    assert "length cap" in (message.flag or "")
    assert server.hits("/long") == 0
    assert message.recording_url == url


def test_a_recording_that_lies_about_its_length_stops_at_the_size_cap(
    voice_app: Flask, server: RecordingServer
) -> None:
    leave_message(voice_app, server.serve("/endless", Route(endless=True)), seconds=60)
    drain(voice_app)
    message = the_message(voice_app)
    assert message.status is MessageStatus.FAILED
    assert "larger than the" in (message.status_reason or "")
    assert "size cap" in (message.flag or "")
    assert message.audio_path is None
    folder = Path(voice_app.config["INSTANCE_PATH"]) / "recordings"
    assert not [p for p in folder.rglob("*") if p.is_file()]  # no partial file left behind
    assert services(voice_app).huey.scheduled() == []


def test_credentials_go_only_to_twilio_hosts() -> None:
    settings = DownloadSettings(1.0, 1, 0.0, 10, account_sid="AC1", auth_token="secret")
    assert _auth_for("https://api.twilio.com/2010-04-01/Recordings/RE1", settings) == (
        "AC1",
        "secret",
    )
    assert _auth_for("https://evil.example/twilio.com", settings) is None
    assert _auth_for("https://api.twilio.com.evil.example/x", settings) is None
    assert _auth_for("http://127.0.0.1:5000/dev/audio/x", settings) is None


def test_local_downloads_carry_no_credentials(
    app_factory: Any, server: RecordingServer, twilio_http: Any
) -> None:
    from tests.support.app_fixtures import ACCOUNT_SID

    app = app_factory(TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_HTTP_CLIENT=twilio_http)
    leave_message(app, server.serve("/plain", Route(body=b"x" * 50)))
    drain(app)
    assert server.log and all(auth is None for _path, auth in server.log)


def test_the_sweeper_and_the_retry_api_send_voice_messages_to_the_voice_job(
    voice_app: Flask, server: RecordingServer
) -> None:
    leave_message(voice_app, server.serve("/later", Route(body=b"")))
    svc = services(voice_app)
    [pending] = svc.huey.pending()
    assert pending.name == "process_recording"
    svc.huey.flush()  # as if the worker died holding the task
    assert sweep(svc, stale_seconds=-1, max_attempts=5) == 1
    [swept] = svc.huey.pending()
    assert swept.name == "process_recording"
    drain(voice_app)
    message = the_message(voice_app)
    assert message.status is MessageStatus.FAILED
    server.routes["/later"] = Route(body=b"y" * 10)
    headers = {"Authorization": f"Bearer {create_user(voice_app)}"}
    client = voice_app.test_client()
    claim = f"/api/conversations/{message.conversation_id}/claim"
    assert client.post(claim, headers=headers).status_code == 200
    retried = client.post(f"/api/messages/{message.id}/retry", headers=headers)
    assert retried.status_code == 202
    drain(voice_app)
    assert server.hits("/later") == 2
    assert the_message(voice_app).audio_path is not None
