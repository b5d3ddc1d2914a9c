"""Sending SMS and placing call-backs: through Twilio's REST API, or into the outbox when it is
chosen (RELAY_OUTBOX), or nowhere when neither is set (debug and testing only; relay/delivery.py).

Both senders answer with the provider's id and the status to record; a refusal raises SendError
with Twilio's error code, so the agent sees why a reply did not go out.

A worker can die after Twilio took a message and before relay recorded its id. A reply whose
earlier attempt left no result is therefore never simply sent again: `find_sent` first asks
Twilio for the message that attempt may have left, and only a reply Twilio never took is sent.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Protocol

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from relay.twilio.held_calls import HeldCallUpdates
from transcripts.masking import mask_contact_phone
from transcripts.models import MessageStatus

log = logging.getLogger(__name__)

#: The longest one request to Twilio's REST API may wait for an answer. A send still waiting
#: is in doubt; transcripts.outbound.SEND_LEASE (20 s) must outlast it, so a second worker never
#: asks Twilio about an attempt that may still be on its way there.
REQUEST_TIMEOUT_SECONDS = 10.0

#: How far Twilio's clock may be behind ours when a found message is compared with the time
#: its reply was queued.
CLOCK_SKEW = timedelta(seconds=30)

#: Messages to one resident read back when looking for a send in doubt (one page).
FIND_LIMIT = 100

_TWILIO_STATUS = {
    "accepted": MessageStatus.SENT,
    "scheduled": MessageStatus.SENT,
    "queued": MessageStatus.SENT,
    "sending": MessageStatus.SENT,
    "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED,
    "read": MessageStatus.DELIVERED,
    "undelivered": MessageStatus.UNDELIVERED,
    "failed": MessageStatus.FAILED,
    "canceled": MessageStatus.FAILED,
}


def status_from_twilio(value: str) -> MessageStatus | None:
    """Map a Twilio message status (MessageStatus / SmsStatus) to ours; None if unknown."""
    return _TWILIO_STATUS.get(value.strip().lower())


class SendError(Exception):
    """The provider refused or could not be reached; `retryable` says whether to try again."""

    def __init__(self, reason: str, code: str | None = None, *, retryable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.retryable = retryable


@dataclass(frozen=True)
class SendResult:
    sid: str
    status: MessageStatus


class Sender(Protocol):
    """Hands an SMS to a carrier, or places a call whose TwiML Twilio fetches from `url`."""

    def send(self, to: str, body: str) -> SendResult: ...

    def find_sent(self, to: str, body: str, since: datetime) -> SendResult | None: ...

    def call(self, to: str, url: str, status_callback: str) -> SendResult: ...

    def update_call(self, call_sid: str, twiml: str) -> MessageStatus: ...

    def dial(self, to: str, twiml: str) -> SendResult: ...

    def end_call(self, call_sid: str) -> None: ...


class TwilioSender:
    """Sends through `twilio.rest.Client`; tests pass a recording `http_client`, or point
    `api_base_url` at a local server that answers as Twilio's REST API does.

    `api_base_url` replaces `https://api.twilio.com` for messages and calls: a regional
    endpoint, or a proxy every request must pass. Webhooks and recordings are unaffected.
    """

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str | None,
        messaging_service_sid: str | None,
        status_callback: str,
        http_client: HttpClient | None = None,
        api_base_url: str | None = None,
    ) -> None:
        if not from_number and not messaging_service_sid:
            raise ValueError("set RELAY_TWILIO_NUMBER or RELAY_TWILIO_MESSAGING_SERVICE_SID")
        if http_client is None:
            # twilio's own client waits for ever by default: a send could stay in doubt for
            # longer than any lease (see REQUEST_TIMEOUT_SECONDS).
            http_client = TwilioHttpClient(timeout=REQUEST_TIMEOUT_SECONDS)
        self._client = Client(account_sid, auth_token, http_client=http_client)
        if api_base_url:
            self._client.api.base_url = api_base_url.rstrip("/")
        self._from = from_number
        self._service = messaging_service_sid
        self._status_callback = status_callback

    def send(self, to: str, body: str) -> SendResult:
        kwargs: dict[str, str] = {"to": to, "body": body, "status_callback": self._status_callback}
        if self._service:
            kwargs["messaging_service_sid"] = self._service
        else:
            assert self._from is not None
            kwargs["from_"] = self._from
        try:
            message = self._client.messages.create(**kwargs)
        except TwilioRestException as error:
            retryable = error.status >= 500 or error.status == 429
            raise SendError(
                f"Twilio refused the message ({error.status}): {error.msg}",
                str(error.code) if error.code else None,
                retryable=retryable,
            ) from error
        except (TwilioException, OSError) as error:
            raise SendError(f"Twilio could not be reached: {error}", retryable=True) from error
        status = status_from_twilio(message.status or "queued") or MessageStatus.SENT
        return SendResult(sid=str(message.sid), status=status)

    def find_sent(self, to: str, body: str, since: datetime) -> SendResult | None:
        """The message Twilio already holds for a reply queued at `since` with this `body` to
        `to`, or None when it has none (then, and only then, sending is safe).

        Asked before sending a reply whose earlier attempt began and recorded no result: its
        worker may have died after Twilio took the message. Twilio filters DateSent by day
        (YYYY-MM-DD in GMT), so the list starts the day before and the time is compared here;
        the body and sender decide which message is the reply's. A message Twilio has not yet
        handed on has no DateSent and is not listed, but a send is only in doubt after a
        lease of many seconds, long after Twilio hands a message on. Raises a retryable
        SendError when Twilio cannot be asked: a reply in doubt is never sent blind.
        """
        day_before = datetime.combine(since.date() - timedelta(days=1), time(0), since.tzinfo)
        try:
            listed = self._client.messages.list(to=to, date_sent_after=day_before, limit=FIND_LIMIT)
        except TwilioRestException as error:
            raise SendError(
                f"Twilio could not list earlier messages ({error.status}): {error.msg}",
                str(error.code) if error.code else None,
                retryable=True,
            ) from error
        except (TwilioException, OSError) as error:
            raise SendError(f"Twilio could not be reached: {error}", retryable=True) from error
        for message in listed:
            if (
                message.body == body
                and message.direction == "outbound-api"
                and self._sent_by_us(message.from_, message.messaging_service_sid)
                and (message.date_created is None or message.date_created >= since - CLOCK_SKEW)
            ):
                log.info(
                    "reply to %s found at Twilio as %s; not sent again",
                    mask_contact_phone(to),
                    message.sid,
                )
                status = status_from_twilio(message.status or "queued") or MessageStatus.SENT
                return SendResult(sid=str(message.sid), status=status)
        return None

    def _sent_by_us(self, from_number: str | None, service_sid: str | None) -> bool:
        """True when a listed message left from the sender this sender uses."""
        if self._service:
            return service_sid == self._service
        return from_number == self._from

    def call(self, to: str, url: str, status_callback: str) -> SendResult:
        """Place a call-back from the centre's number (a Messaging Service cannot call)."""
        if not self._from:
            raise SendError("set RELAY_TWILIO_NUMBER to place call-backs")
        try:
            call = self._client.calls.create(
                to=to,
                from_=self._from,
                url=url,
                method="POST",
                status_callback=status_callback,
                status_callback_method="POST",
                status_callback_event=["initiated", "ringing", "answered", "completed"],
            )
        except TwilioRestException as error:
            retryable = error.status >= 500 or error.status == 429
            raise SendError(
                f"Twilio refused the call ({error.status}): {error.msg}",
                str(error.code) if error.code else None,
                retryable=retryable,
            ) from error
        except (TwilioException, OSError) as error:
            raise SendError(f"Twilio could not be reached: {error}", retryable=True) from error
        return SendResult(sid=str(call.sid), status=MessageStatus.SENT)

    def update_call(self, call_sid: str, twiml: str) -> MessageStatus:
        """Replace a call's TwiML while it goes on (a reply spoken on a live call)."""
        try:
            self._client.calls(call_sid).update(twiml=twiml)
        except TwilioRestException as error:
            raise SendError(
                f"Twilio refused to update the call ({error.status}): {error.msg}",
                str(error.code) if error.code else None,
            ) from error
        except (TwilioException, OSError) as error:
            raise SendError(f"Twilio could not be reached: {error}") from error
        return MessageStatus.SENT

    def dial(self, to: str, twiml: str) -> SendResult:
        """Place a call from the centre's number that runs `twiml` once answered (a leg of an
        interpreter conference): the document travels with the request, so no webhook of
        relay's has to be reachable for the interpreter to join."""
        if not self._from:
            raise SendError("set RELAY_TWILIO_NUMBER to place calls")
        try:
            call = self._client.calls.create(to=to, from_=self._from, twiml=twiml)
        except TwilioRestException as error:
            raise SendError(
                f"Twilio refused the call ({error.status}): {error.msg}",
                str(error.code) if error.code else None,
            ) from error
        except (TwilioException, OSError) as error:
            raise SendError(f"Twilio could not be reached: {error}") from error
        return SendResult(sid=str(call.sid), status=MessageStatus.SENT)

    def end_call(self, call_sid: str) -> None:
        """Hang a call up (status=completed), e.g. once the agent has closed its conversation."""
        try:
            self._client.calls(call_sid).update(status="completed")
        except TwilioRestException as error:
            raise SendError(
                f"Twilio refused to end the call ({error.status}): {error.msg}",
                str(error.code) if error.code else None,
            ) from error
        except (TwilioException, OSError) as error:
            raise SendError(f"Twilio could not be reached: {error}") from error


class OutboxSender:
    """Keeps messages instead of sending them (RELAY_OUTBOX): the outbox page shows them.

    They are recorded as held, never as sent or delivered: nothing left the machine, and the
    record, the agent's thread and the figures must not say otherwise. A live call's updates
    are kept in `held_calls` when given, for the resident simulator to show.
    """

    def __init__(self, held_calls: HeldCallUpdates | None = None) -> None:
        self._held_calls = held_calls

    def send(self, to: str, body: str) -> SendResult:
        log.info(
            "outbox: reply to %s held, not sent (%d characters)", mask_contact_phone(to), len(body)
        )
        return SendResult(sid=f"OUTBOX{uuid.uuid4().hex}", status=MessageStatus.HELD)

    def find_sent(self, to: str, body: str, since: datetime) -> SendResult | None:
        """Nothing leaves the machine: an attempt that died kept nothing anywhere but the
        reply's own row, so keeping it again is the one copy."""
        return None

    def call(self, to: str, url: str, status_callback: str) -> SendResult:
        """Keep a call-back instead of placing it; its TwiML stays readable at `url`."""
        log.info("outbox: call-back to %s held, not placed (%s)", mask_contact_phone(to), url)
        return SendResult(sid=f"OUTBOXCA{uuid.uuid4().hex}", status=MessageStatus.HELD)

    def update_call(self, call_sid: str, twiml: str) -> MessageStatus:
        """Keep a live call's new TwiML instead of sending it (nothing leaves the machine)."""
        log.info("outbox: TwiML for live call %s held (%d characters)", call_sid, len(twiml))
        if self._held_calls is not None:
            self._held_calls.keep(call_sid, twiml)
        return MessageStatus.HELD

    def dial(self, to: str, twiml: str) -> SendResult:
        """Keep a conference leg instead of placing it."""
        log.info("outbox: call to %s held, not placed (%d characters)", to, len(twiml))
        return SendResult(sid=f"OUTBOXCA{uuid.uuid4().hex}", status=MessageStatus.HELD)

    def end_call(self, call_sid: str) -> None:
        """Nothing was placed through the outbox that could be hung up."""
        log.info("outbox: hang-up of call %s held", call_sid)


class NoSender:
    """Stands in when there is neither an account nor the outbox (allowed in debug and testing
    only): each send fails for good with the reason, so no reply looks as if it left."""

    def __init__(self, reason: str) -> None:
        self._reason = reason

    def send(self, to: str, body: str) -> SendResult:
        raise SendError(self._reason)

    def find_sent(self, to: str, body: str, since: datetime) -> SendResult | None:
        """Nothing was ever sent, so there is nothing to find."""
        return None

    def call(self, to: str, url: str, status_callback: str) -> SendResult:
        raise SendError(self._reason)

    def update_call(self, call_sid: str, twiml: str) -> MessageStatus:
        raise SendError(self._reason)

    def dial(self, to: str, twiml: str) -> SendResult:
        raise SendError(self._reason)

    def end_call(self, call_sid: str) -> None:
        raise SendError(self._reason)
