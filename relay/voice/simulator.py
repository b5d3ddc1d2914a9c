"""A simulated phone call for the development pages: signed voice webhooks, in Twilio's order.

The audio (uploaded, or spoken by espeak-ng when it is installed) is kept under the instance
folder and served at a development-only URL that is handed to the app as the RecordingUrl, so the
recording job downloads it over real HTTP exactly as it would from Twilio. That only works when
RELAY_PUBLIC_BASE_URL is where this app really listens (the `flask run` default).
"""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from werkzeug.datastructures import FileStorage

from languages import registry
from languages.audio import AudioError, duration_seconds, load_audio
from relay.recordings import SIMULATOR_FOLDER
from relay.twilio.security import sign
from relay.voice.phone_stream import phone_audio, silence

TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# espeak-ng voices for generated speech; it has no Mongolian voice, so its Russian voice reads
# the Cyrillic (intelligible to nobody, but enough to run the plumbing).
MAX_LIVE_LINES = 20
LIVE_PAUSE_SECONDS = 1.5  # between typed lines: longer than the end-of-speech silence
ESPEAK_VOICES = {"en": "en-us", "zh": "cmn", "ja": "ja", "vi": "vi", "mn": "ru"}


class SimulatorError(ValueError):
    """The simulated call cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class SimulatedCall:
    call_sid: str
    recording_url: str
    statuses: tuple[int, ...]  # what each webhook answered, in order


def audio_folder() -> Path:
    folder = Path(current_app.config["INSTANCE_PATH"]) / SIMULATOR_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_upload(upload: FileStorage) -> str:
    """Keep an uploaded recording; returns its token."""
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if not data:
        raise SimulatorError("the uploaded file is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise SimulatorError(f"the uploaded file is larger than {MAX_UPLOAD_BYTES} bytes")
    token = secrets.token_urlsafe(18)
    (audio_folder() / f"{token}.wav").write_bytes(data)
    return token


def synthesise(text: str, language: str) -> str:
    """Speak `text` with espeak-ng into a WAV file; returns its token."""
    executable = shutil.which("espeak-ng")
    if executable is None:
        raise SimulatorError("espeak-ng is not installed: upload a recording instead")
    if not text.strip():
        raise SimulatorError("type something to say, or upload a recording")
    if "\x00" in text:  # a program's arguments cannot hold it
        raise SimulatorError("the text holds a NUL character")
    token = secrets.token_urlsafe(18)
    target = audio_folder() / f"{token}.wav"
    voice = ESPEAK_VOICES.get(language, "en-us")
    subprocess.run(  # noqa: S603 - a fixed program with the text as one argument
        [executable, "-v", voice, "-w", str(target), "--", text[:2000]],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return token


def caller_audio(language: str, text: str, upload: FileStorage | None) -> bytes:
    """What a live caller says, as 8 kHz mu-law: the uploaded recording, or each typed line
    spoken by espeak-ng with a pause after it (so each line ends an utterance)."""
    if upload is not None and upload.filename:
        tokens = [store_upload(upload)]
    else:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if not lines:
            raise SimulatorError("type something to say, or upload a recording")
        tokens = [synthesise(line, language) for line in lines[:MAX_LIVE_LINES]]
    spoken = []
    for token in tokens:
        path = audio_path(token)
        if path is None:
            raise SimulatorError("unknown recording")
        try:
            spoken.append(phone_audio(load_audio(path)) + silence(LIVE_PAUSE_SECONDS))
        except AudioError as error:
            raise SimulatorError(f"that file is not audio relay can read: {error}") from error
    return b"".join(spoken)


def audio_path(token: str) -> Path | None:
    """The stored simulator recording for a token, if the token is well formed and known."""
    if not TOKEN.match(token):
        return None
    path = audio_folder() / f"{token}.wav"
    return path if path.is_file() else None


def place_call(phone: str, language: str, token: str) -> SimulatedCall:
    """Drive this app's voice webhooks as Twilio would for a caller who leaves a message."""
    lang = registry.get(language)
    path = audio_path(token)
    if path is None or lang.menu_digit is None:
        raise SimulatorError("unknown recording or language")
    try:
        seconds = round(duration_seconds(load_audio(path)))
    except AudioError as error:
        raise SimulatorError(f"that file is not audio relay can read: {error}") from error
    config = current_app.config
    base = config["PUBLIC_BASE_URL"]
    sid = "CA" + secrets.token_hex(16)
    common = {"CallSid": sid, "AccountSid": config["TWILIO_ACCOUNT_SID"] or "AC" + "0" * 32}
    url = f"{base}/dev/audio/{token}"
    steps: list[tuple[str, dict[str, str]]] = [
        ("/twilio/voice", {"From": phone, "To": config["TWILIO_NUMBER"] or "+8215880120"}),
        ("/twilio/voice/menu", {"Digits": lang.menu_digit}),
        ("/twilio/voice/recorded", {"RecordingUrl": url, "RecordingDuration": str(seconds)}),
        ("/twilio/voice/status", {"CallStatus": "completed", "CallDuration": str(seconds + 20)}),
        (
            "/twilio/voice/recording",
            {
                "RecordingSid": "RE" + secrets.token_hex(16),
                "RecordingUrl": url,
                "RecordingStatus": "completed",
                "RecordingDuration": str(seconds),
            },
        ),
    ]
    client = current_app.test_client()
    statuses = []
    for path_, extra in steps:
        params = {**common, **extra}
        signature = sign(f"{base}{path_}", params, config["TWILIO_AUTH_TOKEN"])
        response = client.post(path_, data=params, headers={"X-Twilio-Signature": signature})
        statuses.append(response.status_code)
    return SimulatedCall(sid, url, tuple(statuses))
