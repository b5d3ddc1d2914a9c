"""How replies leave relay: through Twilio, into the outbox on purpose, or not at all.

Once, a missing Twilio account quietly meant "the outbox", and the outbox recorded every reply
as delivered: an instance deployed without its account looked healthy while no resident heard
a word. Now the outbox is a setting of its own (RELAY_OUTBOX), its replies are recorded as held,
and a production instance (not debug, not testing) with neither refuses to start, naming both
settings. In debug or testing with neither, relay starts and every send fails with that reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class Delivery(StrEnum):
    """Where a reply goes when its job runs."""

    TWILIO = "twilio"  # handed to Twilio's REST API
    OUTBOX = "outbox"  # held in the outbox: nothing reaches a resident
    NONE = "none"  # no account and no outbox (debug or testing only): every send fails


#: Why a reply cannot be sent when relay has neither an account nor the outbox; staff read it.
NO_DELIVERY_REASON = (
    "발송 설정이 없습니다 (no way to send: set RELAY_TWILIO_ACCOUNT_SID to send through Twilio, "
    "or RELAY_OUTBOX=true to hold replies in the outbox)"
)


class DeliveryNotConfiguredError(RuntimeError):
    """A production instance with no Twilio account and no outbox: it must not start."""


def delivery(config: Mapping[str, Any]) -> Delivery:
    """The way replies leave under this configuration; the explicit outbox wins over an account,
    so a staging instance can check real signatures without texting anyone."""
    if config["OUTBOX"]:
        return Delivery.OUTBOX
    if config["TWILIO_ACCOUNT_SID"]:
        return Delivery.TWILIO
    return Delivery.NONE


def require_delivery(config: Mapping[str, Any]) -> None:
    """Refuse to serve or work in production without a way to deliver replies.

    Called where relay starts serving (a WSGI server importing the app, `flask run`) and where
    jobs run (`flask worker`), not by every command: `flask users create` sends nothing and must
    work in a terminal beside `make run`.
    """
    if config.get("DEBUG") or config.get("TESTING"):
        return
    if delivery(config) is Delivery.NONE:
        raise DeliveryNotConfiguredError(
            "relay cannot deliver replies: set RELAY_TWILIO_ACCOUNT_SID (with "
            "RELAY_TWILIO_AUTH_TOKEN and RELAY_TWILIO_NUMBER) to send through Twilio, or "
            "RELAY_OUTBOX=true to hold every reply in the outbox, where no resident receives it"
        )
