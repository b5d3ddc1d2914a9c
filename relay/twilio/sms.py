"""Twilio's messaging webhooks: an inbound SMS, and delivery status of the replies we sent.

The inbound view stores the message before doing anything that could fail, answers Twilio with
empty TwiML at once, and leaves language work to a job enqueued by id.
"""

from __future__ import annotations

import logging
import uuid

from flask import Blueprint, Response, current_app, request
from twilio.twiml.messaging_response import MessagingResponse

from relay.services import services
from relay.twilio.outbound import status_from_twilio
from relay.twilio.security import twilio_signed
from transcripts.inbound import InboundSms
from transcripts.phones import normalise_phone

log = logging.getLogger(__name__)
bp = Blueprint("twilio_sms", __name__, url_prefix="/twilio/sms")


# Empty TwiML never changes: rendered once, not through ElementTree on every webhook.
_EMPTY_TWIML = str(MessagingResponse())


def _twiml_ack() -> Response:
    return Response(_EMPTY_TWIML, mimetype="application/xml")


def _odd_destination(to_number: str | None) -> str | None:
    configured = current_app.config["TWILIO_NUMBER"]
    if not configured or not to_number:
        return None
    if normalise_phone(to_number) != normalise_phone(configured):
        return f"received on {to_number}, not the centre's number {configured}"
    return None


@bp.post("")
@twilio_signed
def inbound() -> Response | tuple[dict[str, str], int]:
    """Store a resident's SMS exactly once and enqueue its translation."""
    form = request.form
    payload = form.to_dict(flat=True)
    sid = (form.get("MessageSid") or form.get("SmsSid") or "").strip()
    svc = services()
    if not sid:
        # Keep what came, under a generated key, so it can be reviewed; Twilio always sends one.
        key = f"missing-sid-{uuid.uuid4().hex}"
        svc.record.inbound.reject_webhook(key, "sms.inbound.rejected", payload, "no MessageSid")
        return {"error": "MessageSid is required"}, 400
    from_number = (form.get("From") or "").strip()
    if not from_number:
        svc.record.inbound.reject_webhook(sid, "sms.inbound.rejected", payload, "no From number")
        return {"error": "From is required"}, 400
    to_number = (form.get("To") or "").strip() or None
    flags = [f for f in (_odd_destination(to_number), _media_note(form)) if f]
    recorded = svc.record.inbound.record_sms(
        InboundSms(
            sid=sid,
            from_number=from_number,
            to_number=to_number,
            body=form.get("Body") or "",
            payload=payload,
            flag="; ".join(flags) or None,
        )
    )
    if recorded.needs_work:
        try:
            svc.jobs.translate_inbound(recorded.message_id)
        except Exception:
            # The message is stored; the sweeper enqueues it again once the queue is back.
            log.exception(
                "could not enqueue message %s; the sweeper will retry", recorded.message_id
            )
    return _twiml_ack()


def _media_note(form: dict[str, str]) -> str | None:
    count = form.get("NumMedia") or "0"
    if count.isascii() and count.isdigit() and int(count) > 0:  # "²" is a digit to isdigit()
        return f"{count} media attachment(s) not shown"
    return None


@bp.post("/status")
@twilio_signed
def status() -> Response | tuple[dict[str, str], int]:
    """Move a reply to sent, delivered, undelivered or failed (out-of-order safe, deduplicated)."""
    form = request.form
    sid = (form.get("MessageSid") or form.get("SmsSid") or "").strip()
    raw_status = (form.get("MessageStatus") or form.get("SmsStatus") or "").strip()
    new_status = status_from_twilio(raw_status) if raw_status else None
    if not sid or new_status is None:
        return {"error": "MessageSid and a known MessageStatus are required"}, 400
    error_code = (form.get("ErrorCode") or "").strip() or None
    services().record.outbound.record_delivery(
        sid,
        f"sms.status.{raw_status.lower()}",
        form.to_dict(),
        new_status,
        error_code,
        f"Twilio error {error_code}" if error_code else None,
    )
    return Response(status=204)
