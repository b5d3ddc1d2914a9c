"""Background jobs: each takes ids, loads, calls languages/transcripts, saves; all idempotent.

Huey delivers a task at least once and loses one whose worker dies, so each job checks the
message's state in the database before working, and a periodic sweeper re-enqueues messages whose
job seems lost. Exactly-once effects come from that state, not from the queue.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import crontab

from languages.engine import ModelMissingError, TranslationError
from languages.sms import acknowledgement
from relay.agent.outgoing import human_reply
from relay.retention import purge_expired
from relay.services import Services, services
from relay.twilio.outbound import SendError
from transcripts.db import utcnow
from transcripts.idle import close_idle
from transcripts.models import Author, Channel, MessageStatus
from transcripts.service import InboundTranslation
from transcripts.voice_messages import VoiceMessages

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Jobs:
    """Enqueue functions: calling one puts a task on the queue (or runs it, in immediate mode)."""

    translate_inbound: Any
    send_outbound: Any
    sweep: Any
    process_recording: Any = None  # relay/voice/jobs.py: recorded calls


def translate_inbound(
    svc: Services,
    message_id: int,
    max_chars: int,
    detected: Callable[[str], None] | None = None,
) -> None:
    """Detect the language of an inbound message and translate it into Korean. `detected` is
    told the language as soon as it is known to be one relay serves, before any translation
    (which may be slow, or fail), so the resident's receipt does not wait for it."""
    message = svc.record.begin_inbound_work(message_id)
    if message is None:
        return
    text = message.original_text
    started = time.perf_counter()
    detection = svc.languages.detect(text)
    detection_ms = (time.perf_counter() - started) * 1000
    if detection.language is None:
        svc.record.mark_inbound(
            message_id,
            MessageStatus.NEEDS_INTERPRETER,
            detection.reason or "the language could not be identified as one relay serves",
        )
        return
    language = detection.language
    if detected is not None:
        detected(language)
    if language == "ko":
        svc.record.save_inbound_translation(
            message_id,
            InboundTranslation(
                language, detection.probability, text, "identity", "", None, 0.0, detection_ms
            ),
        )
        return
    part = text[:max_chars]
    try:
        translation = svc.languages.translator().translate(part, language, "ko")
    except ModelMissingError as error:
        svc.record.mark_inbound(
            message_id,
            MessageStatus.FAILED,
            str(error),
            language=language,
            probability=detection.probability,
        )
        return
    except TranslationError as error:
        svc.record.mark_inbound(
            message_id,
            MessageStatus.FAILED,
            f"translation failed: {error}",
            language=language,
            probability=detection.probability,
        )
        raise
    korean = translation.text
    if len(text) > max_chars:
        korean += (
            f"\n\n[원문이 길어 앞부분 {max_chars}자만 번역했습니다 / "
            f"first {max_chars} characters translated]"
        )
    svc.record.save_inbound_translation(
        message_id,
        InboundTranslation(
            language=language,
            probability=detection.probability,
            korean_text=korean,
            engine=translation.engine,
            model=translation.model,
            pivot=translation.pivot,
            translation_ms=translation.duration_ms,
            detection_ms=detection_ms,
            review_note=_review_note(translation.lost_placeholders),
        ),
    )


def acknowledge_first_contact(svc: Services, message_id: int, language: str) -> None:
    """Tell a resident, in their language, that their first text reached the centre.

    Human-written (languages.sms.acknowledgement), sent once per new conversation and never to
    a blocked number; outside agents' hours (RELAY_AGENT_HOURS) it says the answer comes when
    they are back. It does not count as an agent's reply in the queue or the figures.
    """
    staffed = current_app.config["SERVICE_HOURS"].staffed(utcnow())
    korean, resident_text = acknowledgement(language, staffed=staffed)
    draft = human_reply(
        korean,
        resident_text,
        language,
        author=Author.AUTOMATIC,
        source="acknowledgement",
        user_id=None,
        public_base_url=current_app.config["PUBLIC_BASE_URL"],
    )
    queued = svc.record.acknowledge_first_contact(message_id, draft)
    if queued is not None:
        assert svc.jobs is not None
        svc.jobs.send_outbound(queued.id)


def _review_note(lost: tuple[str, ...]) -> str | None:
    """Tell the agent which protected terms or numbers the engine dropped, in Korean first."""
    if not lost:
        return None
    spans = ", ".join(lost)
    return f"번역에서 빠진 용어·숫자가 있습니다 (dropped in translation): {spans}"


def send_outbound(svc: Services, message_id: int) -> None:
    """Hand a queued reply to Twilio (or the outbox) and record its provider id."""
    message = svc.record.begin_sending(message_id)
    if message is None:
        return
    assert message.to_number is not None and message.delivered_body is not None
    if message.channel is Channel.VOICE:
        from relay.voice.jobs import place_callback

        config = current_app.config
        place_callback(svc, message, config["PUBLIC_BASE_URL"], config["TWILIO_NUMBER"] or None)
        return
    try:
        result = svc.sender.send(message.to_number, message.delivered_body)
    except SendError as error:
        if error.retryable:
            raise
        svc.record.mark_send_failed(message_id, error.reason, error.code)
        return
    svc.record.mark_sent(message_id, result.sid, result.status)


def sweep(svc: Services, jobs: Jobs, stale_seconds: int, max_attempts: int) -> int:
    """Re-enqueue messages whose job looks lost; returns how many were enqueued."""
    inbound, outbound = svc.record.stale_work(timedelta(seconds=stale_seconds), max_attempts)
    voice = VoiceMessages(svc.sessions).voice_message_ids(inbound)
    for message_id in inbound:
        if message_id in voice:
            jobs.process_recording(message_id)
        else:
            jobs.translate_inbound(message_id)
    for message_id in outbound:
        jobs.send_outbound(message_id)
    if inbound or outbound:
        log.info("sweeper re-enqueued %d inbound and %d outbound", len(inbound), len(outbound))
    return len(inbound) + len(outbound)


def close_idle_conversations(svc: Services, hours: int) -> int:
    """Close answered conversations silent for `hours` (0: never); returns how many."""
    if hours <= 0:
        return 0
    closed = close_idle(svc.sessions, utcnow() - timedelta(hours=hours))
    if closed:
        log.info("closed %d conversations left without a response", len(closed))
    return len(closed)


def register_jobs(app: Flask) -> Jobs:
    """Register this app's tasks on its Huey instance; tasks run inside an app context."""
    svc = services(app)
    huey = svc.huey
    config = app.config

    def _translate(message_id: int) -> None:
        with app.app_context():
            if VoiceMessages(svc.sessions).voice_message_ids([message_id]):
                jobs.process_recording(message_id)  # e.g. a retry asked for through the API
                return

            def receipt(language: str) -> None:
                if config["SMS_ACKNOWLEDGEMENT"]:
                    acknowledge_first_contact(svc, message_id, language)

            translate_inbound(svc, message_id, config["MAX_TRANSLATED_CHARS"], receipt)

    def _send(message_id: int) -> None:
        with app.app_context():
            send_outbound(svc, message_id)

    translate_task = huey.task(retries=3, retry_delay=10, name="translate_inbound")(_translate)
    send_task = huey.task(retries=5, retry_delay=30, name="send_outbound")(_send)

    def _sweep() -> None:
        with app.app_context():
            sweep(svc, jobs, config["STALE_JOB_SECONDS"], config["MAX_JOB_ATTEMPTS"])

    sweep_task = huey.periodic_task(crontab(minute="*"), name="sweep")(_sweep)

    def _retention() -> None:
        with app.app_context():
            if config["RETENTION_DAYS"] > 0:
                purge_expired(svc, config["RETENTION_DAYS"], Path(app.instance_path))

    def _close_idle() -> None:
        with app.app_context():
            close_idle_conversations(svc, int(config["IDLE_CLOSE_HOURS"]))

    huey.periodic_task(crontab(minute="17"), name="close_idle")(_close_idle)

    # Daily, at a quiet hour in Korea (03:30 KST is 18:30 UTC).
    huey.periodic_task(crontab(hour="18", minute="30"), name="retention")(_retention)
    from relay.voice.jobs import register_voice_jobs

    jobs = Jobs(
        translate_inbound=translate_task,
        send_outbound=send_task,
        sweep=sweep_task,
        process_recording=register_voice_jobs(app, svc),
    )
    return jobs
