"""Channel adapters: how a queued reply reaches the resident on each channel.

The agent view, the API and the record know a reply only as a queued message with its channel;
the send job hands it to the adapter for that channel, which delivers it and records the
outcome through one use case. SMS is the send job's own path (with its reconciliation against
Twilio); a call-back speaks the reply; a live call hears it on the same call; the chat page
shows it. A new channel (a KakaoTalk
consultation channel, say) is a new `Channel` value in the record, an adapter here and its
inbound route; the agent view does not change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from relay.services import Services
from transcripts.models import Channel, Message

#: Deliver one queued reply: (services, the message as begin_sending returned it, app config).
Deliver = Callable[[Services, Message, Mapping[str, Any]], None]


def _voice(svc: Services, message: Message, config: Mapping[str, Any]) -> None:
    from relay.voice.jobs import place_callback

    place_callback(svc, message, config["PUBLIC_BASE_URL"], config["TWILIO_NUMBER"] or None)


def _web(svc: Services, message: Message, config: Mapping[str, Any]) -> None:
    from relay.channels.web import deliver

    deliver(svc, message)


def _live(svc: Services, message: Message, config: Mapping[str, Any]) -> None:
    from relay.channels.live_reply import speak_on_live_call

    speak_on_live_call(svc, message)


ADAPTERS: dict[Channel, Deliver] = {
    Channel.VOICE: _voice,
    Channel.WEB: _web,
    Channel.LIVE: _live,
}


def adapter_for(channel: Channel) -> Deliver | None:
    """The adapter delivering replies on `channel`; None for SMS, which the send job does."""
    return ADAPTERS.get(channel)
