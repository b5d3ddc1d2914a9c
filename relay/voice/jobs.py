"""Voice jobs: a recorded message to Korean text with timed segments, and placing call-backs.

Like relay/jobs.py, each job takes an id, checks the message's state first (a second delivery
finds nothing to do) and stores every outcome with a reason. The recording is kept under the
instance folder before any recognition starts, so a model problem never costs the audio.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from huey import Huey

from languages.audio import Samples, load_audio
from languages.chinese_script import simplify_transcript
from languages.engine import ModelMissingError, TranslationError
from languages.speech import SpeechError, SpokenLanguageDetector, Transcript
from languages.spoken import check_spoken_language
from languages.transcript_check import check_transcript
from relay.recordings import new_recording_path, stored_recording
from relay.services import Services, services
from relay.twilio.outbound import SendError
from relay.voice.download import DownloadError, DownloadSettings, download
from transcripts.db import utcnow
from transcripts.models import Message, MessageStatus
from transcripts.voice_messages import HeardLanguage, VoiceMessages, VoiceTranscript

log = logging.getLogger(__name__)


class RetryLaterError(Exception):
    """Raised so the queue tries the job again later (after the state says why it stopped)."""


@dataclass(frozen=True)
class VoiceSettings:
    """The parts of the configuration the voice jobs need."""

    instance_path: Path
    public_base_url: str
    max_recording_seconds: int
    download: DownloadSettings
    spoken_language_margin: float = 0.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> VoiceSettings:
        cap = int(config["VOICE_MAX_RECORDING_SECONDS"])
        max_bytes = int(config["VOICE_MAX_DOWNLOAD_BYTES"]) or cap * 32_000 + 1_048_576
        return cls(
            instance_path=Path(config["INSTANCE_PATH"]),
            public_base_url=config["PUBLIC_BASE_URL"],
            max_recording_seconds=cap,
            download=DownloadSettings(
                timeout_seconds=float(config["VOICE_DOWNLOAD_TIMEOUT_SECONDS"]),
                attempts=int(config["VOICE_DOWNLOAD_ATTEMPTS"]),
                backoff_seconds=float(config["VOICE_DOWNLOAD_BACKOFF_SECONDS"]),
                max_bytes=max_bytes,
                account_sid=config["TWILIO_ACCOUNT_SID"],
                auth_token=config["TWILIO_AUTH_TOKEN"],
                allowed_hosts=_recording_hosts(config),
            ),
            spoken_language_margin=float(config.get("SPOKEN_LANGUAGE_MARGIN", 0.0)),
        )


def _recording_hosts(config: Mapping[str, Any]) -> tuple[str, ...]:
    """The configured recording hosts; a string from the environment may list them with commas.
    With development pages on, the simulator serves its recordings at PUBLIC_BASE_URL."""
    configured = config.get("VOICE_RECORDING_HOSTS") or ()
    if isinstance(configured, str):
        configured = configured.replace(",", " ").split()
    hosts = tuple(str(host).strip() for host in configured if str(host).strip())
    if config.get("DEV_PAGES"):
        simulator = urlsplit(config["PUBLIC_BASE_URL"]).netloc.rpartition("@")[2]
        if simulator:
            hosts += (simulator,)
    return hosts


def process_recording(
    svc: Services, voice: VoiceMessages, message_id: int, cfg: VoiceSettings
) -> None:
    """Download, transcribe (language forced) and translate one recorded message."""
    message = svc.record.inbound.begin_work(message_id)
    if message is None or message.recording_sid is None:
        return
    path = _stored_audio(svc, voice, message, cfg)
    if path is None:
        return
    language = message.original_language
    started = time.perf_counter()
    try:
        samples = load_audio(path)  # decoded once, for the transcript and the language check
        transcript: Transcript = svc.languages.recognizer().transcribe(samples, language=language)
    except SpeechError as error:
        svc.record.inbound.mark(message_id, MessageStatus.FAILED, f"speech recognition: {error}")
        return
    recognition_ms = (time.perf_counter() - started) * 1000
    transcript = simplify_transcript(transcript)
    _check_spoken_language(svc, voice, message_id, samples, language, cfg)
    if transcript.is_empty:
        why = "; ".join(transcript.dropped) or "nothing recognisable was said"
        voice.save_voice_transcript(
            message_id,
            _voice_transcript(transcript, None, [], recognition_ms),
            status=MessageStatus.EMPTY,
            reason=f"no speech was heard in the recording ({why})",
        )
        return
    _translate_and_save(svc, voice, message_id, transcript, recognition_ms)
    for flag in check_transcript(transcript.text, transcript.language, transcript.duration):
        voice.flag_message(message_id, flag.notice)


def _stored_audio(
    svc: Services, voice: VoiceMessages, message: Message, cfg: VoiceSettings
) -> Path | None:
    """The recording on disk, downloading it first if needed; None when the job must stop."""
    if message.audio_path:
        found = stored_recording(cfg.instance_path, message.audio_path)
        if found is not None:
            return found
    seconds = message.audio_seconds or 0
    if seconds > cfg.max_recording_seconds + 5:
        reason = (
            f"the recording lasts {seconds:.0f} s, more than the {cfg.max_recording_seconds} s "
            "cap; not downloaded, listen to it at the provider"
        )
        voice.flag_message(message.id, "recording over the length cap")
        svc.record.inbound.mark(message.id, MessageStatus.FAILED, reason)
        return None
    if not message.recording_url or not message.recording_sid:
        reason = message.status_reason or "Twilio sent no recording to fetch"
        svc.record.inbound.mark(message.id, MessageStatus.FAILED, reason)
        return None
    now = utcnow()
    relative = new_recording_path(message.recording_sid, now)
    destination = cfg.instance_path / relative
    try:
        download(message.recording_url, destination, cfg.download)
    except DownloadError as error:
        svc.record.inbound.mark(message.id, MessageStatus.FAILED, f"download: {error.reason}")
        if error.oversized:
            voice.flag_message(message.id, "recording over the size cap")
        if error.retryable:
            raise RetryLaterError(error.reason) from error
        return None
    voice.store_audio(message.id, relative)
    return destination


def _translate_and_save(
    svc: Services,
    voice: VoiceMessages,
    message_id: int,
    transcript: Transcript,
    recognition_ms: float,
) -> None:
    texts = [segment.text for segment in transcript.segments]
    try:
        translations = svc.languages.translator().translate_many(texts, transcript.language, "ko")
    except (ModelMissingError, TranslationError) as error:
        # Keep what was heard: the agent can read the original while the model is fixed.
        voice.save_voice_transcript(
            message_id,
            _voice_transcript(transcript, None, [], recognition_ms),
            status=MessageStatus.FAILED,
            reason=f"translation: {error}",
        )
        return
    voice.save_voice_transcript(
        message_id, _voice_transcript(transcript, translations, texts, recognition_ms)
    )
    _flag_language_mismatch(svc, voice, message_id, transcript)
    lost = sorted({span for t in translations for span in t.lost_placeholders})
    if lost:
        voice.flag_message(
            message_id,
            "번역에서 빠진 용어·숫자가 있습니다 (dropped in translation): " + ", ".join(lost),
        )


def _flag_language_mismatch(
    svc: Services, voice: VoiceMessages, message_id: int, transcript: Transcript
) -> None:
    """Whisper forced to a language can still write another (a caller who pressed the wrong
    key, or Mongolian heard as English): tell the agent rather than trust the menu blindly."""
    detection = svc.languages.detect(transcript.text)
    heard = detection.language
    if heard is None or heard == transcript.language or detection.probability < 0.8:
        return
    voice.flag_message(
        message_id,
        f"{transcript.language}로 선택했지만 {heard}처럼 들립니다 "
        f"(menu chose {transcript.language}, the transcript reads as {heard}): 녹음을 확인하세요",
    )


def _check_spoken_language(
    svc: Services,
    voice: VoiceMessages,
    message_id: int,
    samples: Samples,
    language: str | None,
    cfg: VoiceSettings,
) -> None:
    """Whisper's language detection over all its languages, beside the forced transcription:
    a caller speaking a language relay does not serve is flagged in Korean and the
    conversation marked for an interpreter before the transcript is saved. A failed check
    costs the message nothing: it is logged and the transcript goes on."""
    recognizer = svc.languages.recognizer()
    if language is None or not isinstance(recognizer, SpokenLanguageDetector):
        return
    try:
        check = check_spoken_language(recognizer, samples, language, cfg.spoken_language_margin)
    except SpeechError as error:
        log.warning("spoken-language check of message %s failed: %s", message_id, error)
        return
    if check is None:
        return  # no speech: the transcript says so
    log.info(
        "message %s: menu %s, heard %s (%.2f) in %.2f s%s",
        *(message_id, check.chosen, check.spoken, check.probability, check.seconds),
        ", flagged" if check.differs else "",
    )
    voice.record_spoken_language(
        message_id,
        HeardLanguage(check.to_json_dict(), check.differs, check.notice if check.differs else None),
    )


def _voice_transcript(
    transcript: Transcript, translations: Any, texts: list[str], recognition_ms: float
) -> VoiceTranscript:
    segments = []
    for index, segment in enumerate(transcript.segments):
        data = segment.to_json_dict()
        data["translated_text"] = translations[index].text if translations else None
        segments.append(data)
    korean = None
    engine = model = pivot = None
    translation_ms = None
    if translations:
        korean = " ".join(t.text for t in translations if t.text.strip())
        engine, model, pivot = translations[0].engine, translations[0].model, translations[0].pivot
        translation_ms = sum(t.duration_ms for t in translations)
    return VoiceTranscript(
        language=transcript.language,
        probability=transcript.language_probability,
        text=transcript.text,
        korean_text=korean,
        segments=segments,
        engine=engine,
        model=model,
        pivot=pivot,
        translation_ms=translation_ms,
        recognition_ms=recognition_ms,
    )


def place_callback(svc: Services, message: Message, base_url: str, from_number: str | None) -> None:
    """Call the resident back; the call's TwiML (built when Twilio asks) speaks the reply.

    A refusal is recorded here; a failure that may pass is raised to send_outbound, which
    notes it and lets the queue try again, or fails the reply on the queue's last attempt."""
    assert message.to_number is not None
    try:
        result = svc.sender.call(
            message.to_number,
            f"{base_url}/twilio/voice/reply/{message.id}",
            f"{base_url}/twilio/voice/status",
        )
    except SendError as error:
        if error.retryable:
            raise
        svc.record.outbound.mark_send_failed(message.id, error.reason, error.code)
        return
    if result.sid.startswith("OUTBOX"):
        svc.record.outbound.mark_sent(message.id, result.sid, result.status)
    else:
        svc.record.voice.call_placed(message.id, result.sid, from_number, result.status)


def register_voice_jobs(app: Flask, huey: Huey) -> Any:
    """Register the recording job on the app's queue; returns its enqueue function.

    Retries are for downloads that failed for a reason that may pass (timeouts, 5xx); the
    delay grows with each attempt, on top of the backoff inside one attempt.
    """
    cfg = VoiceSettings.from_config(app.config)

    def _process(message_id: int) -> None:
        with app.app_context():
            svc = services(app)
            process_recording(svc, svc.record.voice, message_id, cfg)

    return huey.task(
        retries=int(app.config["VOICE_JOB_RETRIES"]),
        retry_delay=int(app.config["VOICE_JOB_RETRY_DELAY_SECONDS"]),
        name="process_recording",
    )(_process)
