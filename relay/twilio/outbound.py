"""Sending SMS and placing call-backs: through Twilio's REST API, or into the outbox when it is
chosen (RELAY_OUTBOX), or nowhere when neither is set (debug and testing only; relay/delivery.py).

Both senders answer with the provider's id and the status to record; a refusal raises SendError
with Twilio's error code, so the agent sees why a reply did not go out.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Protocol

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http import HttpClient
from twilio.rest import Client

from transcripts.models import MessageStatus

log = logging.getLogger(__name__)

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

    def call(self, to: str, url: str, status_callback: str) -> SendResult: ...


class TwilioSender:
    """Sends through `twilio.rest.Client`; tests pass a recording `http_client`."""

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str | None,
        messaging_service_sid: str | None,
        status_callback: str,
        http_client: HttpClient | None = None,
    ) -> None:
        if not from_number and not messaging_service_sid:
            raise ValueError("set RELAY_TWILIO_NUMBER or RELAY_TWILIO_MESSAGING_SERVICE_SID")
        self._client = Client(account_sid, auth_token, http_client=http_client)
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


class OutboxSender:
    """Keeps messages instead of sending them (RELAY_OUTBOX): the outbox page shows them.

    They are recorded as held, never as sent or delivered: nothing left the machine, and the
    record, the agent's thread and the figures must not say otherwise.
    """

    def send(self, to: str, body: str) -> SendResult:
        log.info("outbox: reply to %s held, not sent (%d characters)", to, len(body))
        return SendResult(sid=f"OUTBOX{uuid.uuid4().hex}", status=MessageStatus.HELD)

    def call(self, to: str, url: str, status_callback: str) -> SendResult:
        """Keep a call-back instead of placing it; its TwiML stays readable at `url`."""
        log.info("outbox: call-back to %s held, not placed (%s)", to, url)
        return SendResult(sid=f"OUTBOXCA{uuid.uuid4().hex}", status=MessageStatus.HELD)


class NoSender:
    """Stands in when there is neither an account nor the outbox (allowed in debug and testing
    only): each send fails for good with the reason, so no reply looks as if it left."""

    def __init__(self, reason: str) -> None:
        self._reason = reason

    def send(self, to: str, body: str) -> SendResult:
        raise SendError(self._reason)

    def call(self, to: str, url: str, status_callback: str) -> SendResult:
        raise SendError(self._reason)
