"""Twilio's voice webhooks: the language menu, recorded messages, call status and call-backs.

Every request is signature-checked and stored before anything else happens (the call row, the
recording's message row); work that takes time (download, recognition, translation) is a job
enqueued by id. Twilio needs TwiML at once, so a replayed webhook is answered from what is
already stored rather than refused.
"""

from __future__ import annotations

import logging
import math
import uuid

from flask import Blueprint, Response, abort, current_app, request

from languages import registry
from relay.channels.live import live_twiml
from relay.services import services
from relay.twilio.security import twilio_signed
from relay.voice.twiml import TwimlBuilder
from transcripts import repository
from transcripts.calls import CallService
from transcripts.models import CallStatus, Direction, MessageStatus
from transcripts.voice_messages import FINAL_RECORDING_STATUSES, VoiceRecording
from transcripts.writes import Receipt

log = logging.getLogger(__name__)
bp = Blueprint("twilio_voice", __name__, url_prefix="/twilio/voice")

_CALL_STATUS = {
    "queued": CallStatus.RINGING,
    "initiated": CallStatus.RINGING,
    "ringing": CallStatus.RINGING,
    "in-progress": CallStatus.IN_PROGRESS,
    "answered": CallStatus.IN_PROGRESS,
    "completed": CallStatus.COMPLETED,
    "busy": CallStatus.BUSY,
    "no-answer": CallStatus.NO_ANSWER,
    "failed": CallStatus.FAILED,
    "canceled": CallStatus.CANCELED,
}
# How a call-back's final call status moves the spoken reply it carried.
_REPLY_STATUS = {
    CallStatus.COMPLETED: (MessageStatus.DELIVERED, None),
    CallStatus.BUSY: (MessageStatus.UNDELIVERED, "the line was busy"),
    CallStatus.NO_ANSWER: (MessageStatus.UNDELIVERED, "nobody answered the call-back"),
    CallStatus.FAILED: (MessageStatus.FAILED, "the call-back could not be placed"),
    CallStatus.CANCELED: (MessageStatus.FAILED, "the call-back was canceled"),
}


def _xml(document: str) -> Response:
    return Response(document, mimetype="application/xml")


def _builder() -> TwimlBuilder:
    return TwimlBuilder.for_config(current_app.config)


def _calls() -> CallService:
    return services().record.calls


def _call_sid() -> str:
    return (request.form.get("CallSid") or "").strip()


def _refuse(event: str, reason: str) -> tuple[dict[str, str], int]:
    """Keep what came (under a generated key) and answer 400."""
    key = f"missing-sid-{uuid.uuid4().hex}"
    services().record.inbound.reject_webhook(key, event, request.form.to_dict(), reason)
    return {"error": reason}, 400


@bp.post("")
@twilio_signed
def incoming() -> Response | tuple[dict[str, str], int]:
    """A call arrives: reject blocked callers, otherwise greet and offer the language menu."""
    sid = _call_sid()
    if not sid:
        return _refuse("voice.inbound.rejected", "CallSid is required")
    form = request.form
    caller = _calls().start_inbound(
        sid, form.get("From"), (form.get("To") or "").strip() or None, form.to_dict()
    )
    builder = _builder()
    if caller.blocked:
        return _xml(builder.reject())
    if caller.chosen and caller.language:
        # A replay after the caller already chose: carry on where the call is.
        return _xml(builder.record(caller.language, _max_seconds()))
    return _xml(builder.menu(caller.language))


def _max_seconds() -> int:
    return int(current_app.config["VOICE_MAX_RECORDING_SECONDS"])


@bp.post("/menu")
@twilio_signed
def menu() -> Response | tuple[dict[str, str], int]:
    """A key pressed in the language menu (or none, when the Gather timed out)."""
    sid = _call_sid()
    if not sid:
        return _refuse("voice.menu.rejected", "CallSid is required")
    calls = _calls()
    caller = calls.caller(sid)
    if caller is None or caller.blocked:
        calls.keep_webhook(Receipt(sid, "voice.menu.unknown", request.form.to_dict()))
        return _xml(_builder().hangup())
    digits = (request.form.get("Digits") or "").strip()
    chosen = registry.by_menu_digit(digits) if len(digits) == 1 else None
    builder = _builder()
    if chosen is not None:
        receipt = Receipt(sid, f"voice.menu.{digits}", request.form.to_dict())
        calls.choose_language(sid, chosen.code, receipt)
        live = live_twiml(sid, chosen.code)  # agents at work: the call goes live
        return _xml(live or builder.record(chosen.code, _max_seconds()))
    attempts = calls.count_menu_attempt(sid)
    if attempts >= int(current_app.config["VOICE_MENU_ATTEMPTS"]):
        return _xml(builder.goodbye_no_choice(caller.language))
    # A wrong key is answered in the caller's last language (English for strangers).
    return _xml(
        builder.menu(caller.language, invalid_in=(caller.language or "en") if digits else None)
    )


@bp.post("/recorded")
@twilio_signed
def recorded() -> Response | tuple[dict[str, str], int]:
    """The <Record> verb finished: thank the caller. The audio arrives by the status callback."""
    sid = _call_sid()
    if not sid:
        return _refuse("voice.recorded.rejected", "CallSid is required")
    caller = _calls().recording_finished(Receipt(sid, "voice.recorded", request.form.to_dict()))
    return _xml(_builder().thanks(caller.language if caller else None))


@bp.post("/recording")
@twilio_signed
def recording() -> Response | tuple[dict[str, str], int]:
    """A recording is ready (or absent): store it as a message, then enqueue its download."""
    form = request.form
    sid = _call_sid()
    recording_sid = (form.get("RecordingSid") or "").strip()
    status = (form.get("RecordingStatus") or "completed").strip().lower()
    if not sid or not recording_sid:
        return _refuse("voice.recording.rejected", "CallSid and RecordingSid are required")
    svc = services()
    receipt = Receipt(recording_sid, f"voice.recording.{status}"[:48], form.to_dict())
    if status not in FINAL_RECORDING_STATUSES:
        # in-progress, paused, processing...: the final callback brings the file; storing a
        # message now would make that callback look like a duplicate.
        svc.record.calls.keep_webhook(receipt)
        return Response(status=204)
    stored = svc.record.voice.record_voice_message(
        VoiceRecording(
            call_sid=sid,
            recording_sid=recording_sid,
            recording_url=(form.get("RecordingUrl") or "").strip(),
            status=status,
            duration_seconds=_number(form.get("RecordingDuration")),
            error_code=(form.get("ErrorCode") or "").strip() or None,
            flag=_duration_flag(form.get("RecordingDuration")),
        ),
        receipt,
    )
    if stored is None:
        return {"error": f"call {sid} is not known"}, 404
    if stored.needs_work:
        try:
            svc.jobs.process_recording(stored.message_id)
        except Exception:
            log.exception("could not enqueue recording %s; the sweeper will retry", recording_sid)
    return Response(status=204)


def _number(value: str | None) -> float | None:
    """A duration Twilio sent, or None for a missing, malformed or non-finite one."""
    try:
        number = float(value) if value not in (None, "") else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


def _duration_flag(value: str | None) -> str | None:
    seconds = _number(value)
    cap = _max_seconds()
    if seconds is not None and seconds > cap + 5:
        return f"recording of {seconds:.0f} s is longer than the {cap} s cap"
    return None


@bp.post("/status")
@twilio_signed
def status() -> Response | tuple[dict[str, str], int]:
    """Call progress: ringing, answered, completed (or busy, no answer...) with durations."""
    form = request.form
    sid = _call_sid()
    raw = (form.get("CallStatus") or "").strip().lower()
    new_status = _CALL_STATUS.get(raw)
    if not sid or new_status is None:
        return {"error": "CallSid and a known CallStatus are required"}, 400
    duration = _number(form.get("CallDuration"))
    _calls().record_status(
        sid,
        new_status,
        int(duration) if duration is not None else None,
        Receipt(sid, f"voice.status.{raw}", form.to_dict(), form.get("ErrorCode") or None),
        _REPLY_STATUS.get,
    )
    return Response(status=204)


@bp.post("/reply/<int:message_id>")
@twilio_signed
def reply(message_id: int) -> Response | tuple[dict[str, str], int]:
    """The TwiML of a call-back: the agent's reply spoken in the resident's language."""
    with services().sessions() as session:
        message = repository.get_message(session, message_id)
        if message is None or message.direction is not Direction.OUTBOUND:
            abort(404)
        language = message.translated_language or "en"
        text = message.translated_text or ""
    return _xml(_builder().reply(message_id, language, text))


@bp.post("/reply/<int:message_id>/choice")
@twilio_signed
def reply_choice(message_id: int) -> Response | tuple[dict[str, str], int]:
    """1: leave another message (recorded like an incoming call); 2: hear the reply again."""
    digits = (request.form.get("Digits") or "").strip()
    with services().sessions() as session:
        message = repository.get_message(session, message_id)
        if message is None or message.direction is not Direction.OUTBOUND:
            abort(404)
        language = message.translated_language or "en"
        text = message.translated_text or ""
    builder = _builder()
    if digits == "1":
        return _xml(builder.record(language, _max_seconds()))
    if digits == "2":
        return _xml(builder.reply(message_id, language, text))
    return _xml(builder.thanks(language))
