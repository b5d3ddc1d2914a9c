"""Background jobs: each takes ids, loads, calls languages/transcripts, saves; all idempotent.

Huey delivers a task at least once and loses one whose worker dies, so each job checks the
message's state in the database before working, and a periodic sweeper re-enqueues messages whose
job seems lost. Exactly-once effects come from that state, not from the queue.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import Huey, crontab
from huey.api import Task

from languages.chosen import keep_chosen
from languages.engine import ModelMissingError, TranslationError
from languages.sms import acknowledgement, interpreter_receipt
from languages.verify import Span, ascii_digits
from relay.channels import adapter_for
from relay.channels.live_captions import caption_stored_utterance
from relay.channels.live_end import end_call_job
from relay.replies import centre_sender, human_reply
from relay.retention import purge_expired
from relay.services import Jobs, Services, services
from relay.twilio.outbound import SendError
from transcripts.db import utcnow
from transcripts.idle import close_idle
from transcripts.inbound import InboundTranslation
from transcripts.models import Author, Channel, MessageStatus
from transcripts.outbound import ReplyDraft, gave_up_reason

log = logging.getLogger(__name__)


def translate_inbound(
    svc: Services,
    message_id: int,
    max_chars: int,
    detected: Callable[[str], None] | None = None,
    unserved: Callable[[], None] | None = None,
) -> None:
    """Detect the language of an inbound message and translate it into Korean. `detected` is
    told the language as soon as it is known to be one relay serves, before any translation
    (which may be slow, or fail), so the resident's receipt does not wait for it; `unserved`
    is called instead when it is not one relay serves."""
    message = svc.record.inbound.begin_work(message_id)
    if message is None:
        return
    text = message.original_text
    started = time.perf_counter()
    detection = keep_chosen(
        svc.languages.detect(text), svc.record.chat.chosen_language(message_id), text
    )
    detection_ms = (time.perf_counter() - started) * 1000
    if detection.language is None:
        svc.record.inbound.mark(
            message_id,
            MessageStatus.NEEDS_INTERPRETER,
            detection.reason or "the language could not be identified as one relay serves",
        )
        if unserved is not None:
            unserved()
        return
    language = detection.language
    if detected is not None:
        detected(language)
    if language == "ko":
        svc.record.inbound.save_translation(
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
        svc.record.inbound.mark(
            message_id,
            MessageStatus.FAILED,
            str(error),
            language=language,
            probability=detection.probability,
        )
        return
    except TranslationError as error:
        svc.record.inbound.mark(
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
    svc.record.inbound.save_translation(
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
            review_note=_review_note(translation.missing_spans),
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
    draft = _automatic_receipt(korean, resident_text, language, "acknowledgement")
    queued = svc.record.outbound.acknowledge_first_contact(message_id, draft)
    if queued is not None:
        svc.jobs.send_outbound(queued.id)


def acknowledge_unserved_language(svc: Services, message_id: int) -> None:
    """Tell a resident whose text is in a language relay does not serve, in English and Korean,
    that it arrived and an interpreter will follow, with the emergency numbers. SMS only: the
    chat page says the same in its own words. Once per new conversation, never when blocked."""
    korean, resident_text = interpreter_receipt()
    draft = _automatic_receipt(korean, resident_text, "en", "interpreter_receipt")
    queued = svc.record.outbound.acknowledge_first_contact(
        message_id, draft, channels=(Channel.SMS,)
    )
    if queued is not None:
        svc.jobs.send_outbound(queued.id)


def _automatic_receipt(korean: str, resident_text: str, language: str, source: str) -> ReplyDraft:
    """A receipt relay sends by itself: human-written, signed with the centre's name."""
    config = current_app.config
    return human_reply(
        korean,
        resident_text,
        language,
        author=Author.AUTOMATIC,
        source=source,
        user_id=None,
        public_base_url=config["PUBLIC_BASE_URL"],
        sender=centre_sender(config),
    )


_KIND_NAMES = {
    "registration": "등록번호",
    "card": "카드번호",
    "document": "여권·문서번호",
    "phone": "전화번호",
    "amount": "금액",
    "date": "날짜",
    "number": "숫자",
    "url": "링크",
    "email": "이메일",
    "term": "용어",
}


def _review_note(missing: tuple[Span, ...]) -> str | None:
    """Tell the agent what the Korean lacks of the resident's text (terms, numbers, links),
    Korean first. Registration and card numbers are named by kind and last digits only: the
    note travels into lists and exports, the original text already holds the full number."""
    if not missing:
        return None
    named = []
    for span in missing:
        kind = _KIND_NAMES.get(span.kind, span.kind)
        if span.kind in ("registration", "card", "document"):
            named.append(f"{kind} …{ascii_digits(span.text)[-4:]}")
        else:
            named.append(f"{kind} {span.text}")
    spans = ", ".join(named)
    return f"번역에서 빠진 용어·숫자가 있습니다 (dropped in translation): {spans}"


def send_outbound(svc: Services, message_id: int, *, last_attempt: bool = False) -> None:
    """Hand a queued reply to its channel: Twilio (or the outbox) for SMS, recording its
    provider id; the channel's adapter (relay/channels/) for a call-back or the chat page.

    A reply whose earlier attempt recorded nothing may have reached Twilio before its worker
    died: Twilio is asked first, and the message it already holds is recorded instead of
    texting the resident a second time. A failure that may pass (network, Twilio 5xx or 429)
    is noted on the reply and raised, so the queue tries again; on the queue's `last_attempt`
    the reply is failed with the reason instead, because after it nobody would try, and
    "queued" would stay on the thread for ever.
    """
    config = current_app.config
    stale_after = timedelta(seconds=config["STALE_JOB_SECONDS"])
    message = svc.record.outbound.begin_sending(message_id, stale_after)
    if message is None:
        return
    assert message.to_number is not None and message.delivered_body is not None
    try:
        deliver = adapter_for(message.channel)  # a call-back, the chat page; SMS below
        if deliver is not None:
            deliver(svc, message, config)
            return
        result = None
        if message.attempts > 1:  # reconciliation: an earlier attempt recorded nothing
            result = svc.sender.find_sent(
                message.to_number, message.delivered_body, message.created_at
            )
        if result is None:
            result = svc.sender.send(message.to_number, message.delivered_body)
    except SendError as error:
        if not error.retryable:
            svc.record.outbound.mark_send_failed(message_id, error.reason, error.code)
        elif last_attempt:
            reason = gave_up_reason(message.attempts, error.reason)
            svc.record.outbound.mark_send_failed(message_id, reason, error.code)
        else:
            svc.record.outbound.note_send_retry(message_id, error.reason, error.code)
            raise
        return
    svc.record.outbound.mark_sent(message_id, result.sid, result.status)


def sweep(svc: Services, stale_seconds: int, max_attempts: int) -> int:
    """Re-enqueue work whose job looks lost, each with the task that does it; returns how
    many were enqueued."""
    stale = svc.record.inbound.stale_work(timedelta(seconds=stale_seconds), max_attempts)
    for message_id in stale.translations:
        svc.jobs.translate_inbound(message_id)
    for message_id in stale.recordings:
        svc.jobs.process_recording(message_id)
    for message_id in stale.sends:
        svc.jobs.send_outbound(message_id)
    for message_id in stale.captions:
        svc.jobs.caption_utterance(message_id)
    if stale.count:
        log.info(
            "sweeper re-enqueued %d translations, %d recordings, %d sends and %d live captions",
            len(stale.translations),
            len(stale.recordings),
            len(stale.sends),
            len(stale.captions),
        )
    return stale.count


def close_idle_conversations(svc: Services, hours: int) -> int:
    """Close answered conversations silent for `hours` (0: never); returns how many."""
    if hours <= 0:
        return 0
    closed = close_idle(svc.record.uow, utcnow() - timedelta(hours=hours))
    if closed:
        log.info("closed %d conversations left without a response", len(closed))
    return len(closed)


def assign_waiting(svc: Services, config: Mapping[str, Any]) -> int:
    """Give waiting contacts to available agents when automatic assignment is on; returns how
    many were given. Each assignment is the record's own transaction and audit event; the event
    is what moves the contact out of every agent's waiting queue and into the agent's list."""
    if not config["AUTO_ASSIGN"]:
        return 0
    done = svc.record.floor.auto_assign(int(config["AUTO_ASSIGN_CAP"]))
    for assignment in done:
        log.info(
            "conversation %d assigned to user %d", assignment.conversation_id, assignment.user_id
        )
    return len(done)


def register_jobs(app: Flask, huey: Huey) -> Jobs:
    """Register this app's tasks on its Huey instance and return their enqueue functions.

    A task runs inside an app context and finds the app's services when it runs, so the
    services can hold these enqueue functions without the two being built in a circle.
    """
    config = app.config

    def _translate(message_id: int) -> None:
        with app.app_context():
            svc = services(app)
            kind = svc.record.inbound.work_kind(message_id)
            if kind == "recording":
                svc.jobs.process_recording(message_id)  # e.g. a retry asked for by an agent
                return
            if kind == "caption":
                svc.jobs.caption_utterance(message_id)
                return

            def receipt(language: str) -> None:
                if config["SMS_ACKNOWLEDGEMENT"]:
                    acknowledge_first_contact(svc, message_id, language)

            def unserved() -> None:
                if config["SMS_ACKNOWLEDGEMENT"]:
                    acknowledge_unserved_language(svc, message_id)

            translate_inbound(svc, message_id, config["MAX_TRANSLATED_CHARS"], receipt, unserved)
            if config["AUTO_ASSIGN"]:  # the contact's language is known now: it can be given
                svc.jobs.auto_assign()

    def _send(message_id: int, task: Task | None = None) -> None:
        # Huey hands the task in (context=True); with no retries left this try is the last.
        last = task is not None and not task.retries
        with app.app_context():
            send_outbound(services(app), message_id, last_attempt=last)

    def _caption(message_id: int) -> None:
        with app.app_context():
            caption_stored_utterance(services(app), message_id, Path(config["INSTANCE_PATH"]))

    def _sweep() -> None:
        with app.app_context():
            sweep(services(app), config["STALE_JOB_SECONDS"], config["MAX_JOB_ATTEMPTS"])

    def _retention() -> None:
        with app.app_context():
            if config["RETENTION_DAYS"] > 0:
                purge_expired(services(app), config["RETENTION_DAYS"], Path(app.instance_path))

    def _end_call(call_sid: str) -> None:
        with app.app_context():
            end_call_job(services(app), call_sid)

    def _close_idle() -> None:
        with app.app_context():
            close_idle_conversations(services(app), int(config["IDLE_CLOSE_HOURS"]))

    def _auto_assign() -> None:
        with app.app_context():
            assign_waiting(services(app), config)

    if config["AUTO_ASSIGN"]:  # also each minute: a live call's language, a freed agent
        huey.periodic_task(crontab(minute="*"), name="auto_assign_sweep")(_auto_assign)
    huey.periodic_task(crontab(minute="17"), name="close_idle")(_close_idle)
    # Daily, at a quiet hour in Korea (03:30 KST is 18:30 UTC).
    huey.periodic_task(crontab(hour="18", minute="30"), name="retention")(_retention)
    from relay.voice.jobs import register_voice_jobs

    return Jobs(
        translate_inbound=huey.task(retries=3, retry_delay=10, name="translate_inbound")(
            _translate
        ),
        send_outbound=huey.task(retries=5, retry_delay=30, name="send_outbound", context=True)(
            _send
        ),
        process_recording=register_voice_jobs(app, huey),
        caption_utterance=huey.task(retries=1, retry_delay=10, name="caption_utterance")(_caption),
        sweep=huey.periodic_task(crontab(minute="*"), name="sweep")(_sweep),
        end_call=huey.task(name="end_call")(_end_call),
        auto_assign=huey.task(name="auto_assign")(_auto_assign),
    )
