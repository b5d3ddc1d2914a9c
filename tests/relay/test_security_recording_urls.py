"""The recording download fetches only from Twilio's API hosts over HTTPS, or from a host the
configuration names (tests, the development simulator): a RecordingUrl pointing anywhere else,
such as an internal address, is refused without a single request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from relay.voice.download import DownloadError, DownloadSettings, download, recording_url_allowed
from relay.voice.jobs import VoiceSettings
from tests.relay.test_voice_recordings import leave_message, the_message
from tests.support.app_fixtures import drain
from tests.support.recording_server import RecordingServer, Route, running_server
from transcripts.models import MessageStatus


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with running_server() as running:
        yield running


def test_a_recording_url_on_an_unlisted_host_is_never_fetched(
    app_factory: Any, server: RecordingServer
) -> None:
    app: Flask = app_factory(
        VOICE_RECORDING_HOSTS=[],
        DEV_PAGES=False,
        VOICE_DOWNLOAD_ATTEMPTS=1,
        VOICE_DOWNLOAD_BACKOFF_SECONDS=0.01,
    )
    url = server.serve("/internal-secret", Route(body=b"RIFF" * 100))
    leave_message(app, url)
    drain(app)
    assert server.hits("/internal-secret") == 0
    message = the_message(app)
    assert message.status is MessageStatus.FAILED
    assert "not allowed" in (message.status_reason or "")
    assert message.audio_path is None


def test_a_configured_host_is_fetched(app_factory: Any, server: RecordingServer) -> None:
    app: Flask = app_factory(VOICE_RECORDING_HOSTS=["127.0.0.1"], DEV_PAGES=False)
    url = server.serve("/fine", Route(body=b"not audio" * 10))
    leave_message(app, url)
    drain(app)
    assert server.hits("/fine") == 1


@pytest.mark.parametrize(
    "url",
    [
        "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
        "https://api.dublin.ie1.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
        "https://API.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1.wav",
    ],
)
def test_twilio_api_hosts_are_allowed(url: str) -> None:
    assert recording_url_allowed(url, ())


@pytest.mark.parametrize(
    "url",
    [
        "http://api.twilio.com/2010-04-01/Recordings/RE1",  # credentials never in clear
        "https://api.twilio.com.evil.example/x",
        "https://evil.example/api.twilio.com/x",
        "https://api.twilio.com@evil.example/x",
        "https://user:pw@api.twilio.com/x",
        "https://evil.example\\@api.twilio.com/x",
        "https://api.twilio.com:8443/x",
        "https://twilio.com/x",
        "https://media.twilio.com/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:5000/dev/audio/x",
        "http://localhost/x",
        "file:///etc/passwd",
        "ftp://api.twilio.com/x",
        "",
    ],
)
def test_other_urls_are_refused(url: str) -> None:
    assert not recording_url_allowed(url, ())


def test_configured_hosts_match_by_host_or_host_and_port() -> None:
    assert recording_url_allowed("http://127.0.0.1:5000/a", ("127.0.0.1",))
    assert recording_url_allowed("http://127.0.0.1:5000/a", ("127.0.0.1:5000",))
    assert not recording_url_allowed("http://127.0.0.1:5001/a", ("127.0.0.1:5000",))
    assert not recording_url_allowed("http://127.0.0.2/a", ("127.0.0.1",))


def test_download_refuses_before_any_request(tmp_path: Path, server: RecordingServer) -> None:
    settings = DownloadSettings(1.0, 3, 0.0, 1000)
    url = server.serve("/x", Route(body=b"x"))
    with pytest.raises(DownloadError) as raised:
        download(url, tmp_path / "x.wav", settings)
    assert not raised.value.retryable
    assert server.hits("/x") == 0


def test_the_simulator_host_is_allowed_only_with_development_pages(app_factory: Any) -> None:
    base = "http://127.0.0.1:5000"
    on: Flask = app_factory(PUBLIC_BASE_URL=base, DEV_PAGES=True, VOICE_RECORDING_HOSTS=[])
    off: Flask = app_factory(PUBLIC_BASE_URL=base, DEV_PAGES=False, VOICE_RECORDING_HOSTS=[])
    url = f"{base}/dev/audio/abcdefghijklmnopqrstuv"
    allowed_on = VoiceSettings.from_config(on.config).download.allowed_hosts
    allowed_off = VoiceSettings.from_config(off.config).download.allowed_hosts
    assert recording_url_allowed(url, allowed_on)
    assert not recording_url_allowed(url, allowed_off)


def test_a_host_list_from_the_environment_may_be_a_plain_string(app_factory: Any) -> None:
    app: Flask = app_factory(VOICE_RECORDING_HOSTS="media.local, 10.0.0.5:8080", DEV_PAGES=False)
    allowed = VoiceSettings.from_config(app.config).download.allowed_hosts
    assert recording_url_allowed("http://media.local/r", allowed)
    assert recording_url_allowed("http://10.0.0.5:8080/r", allowed)
