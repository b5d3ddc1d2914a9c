"""An agent's reply on a live call: spoken to the caller on the same call, or texted instead.

The reply is spoken by replacing the call's TwiML through Twilio's REST API
(`client.calls(sid).update(twiml=...)`). The new document starts the Media Stream again (a REST
update is known to tear down a bidirectional stream; starting the unidirectional one again keeps
the captions whichever way Twilio treats it, and relay's stream state takes the newest stream of
a call), then says the reply in the caller's language, then holds the line. The new stream tells
relay how long the reply will take to say, so the caller's audio (the reply's echo, a barge-in)
is not cut into an utterance meanwhile.

When the call cannot be updated (it ended, Twilio refused) or the language has no Twilio voice
(Mongolian: the caller hears the recorded "sent by text" prompt where the centre has one), the
reply goes by SMS, with the link to the full text when SMS cannot carry it, and the agent is told
which way it went.
"""

from __future__ import annotations

import logging

from flask import current_app

from languages import registry
from relay.channels.live import STREAM_PATH
from relay.services import Services
from relay.twilio.outbound import SendError
from relay.twilio.security import stream_url
from relay.voice.twiml import TwimlBuilder
from transcripts.models import Message, MessageStatus

log = logging.getLogger(__name__)

# Rough speaking rates of Twilio's voices, characters per second: a reply's echo is muted for
# about as long as it takes to say, plus the time Twilio takes to start speaking.
_CHARS_PER_SECOND = {"zh": 4.5, "ja": 6.0}
_DEFAULT_CHARS_PER_SECOND = 14.0
_START_SECONDS = 1.5

SPOKEN_NOTE = "통화 중인 주민에게 음성으로 전했습니다"
NO_VOICE_NOTE = "이 언어는 음성이 없어 문자로 보냈습니다; 통화에서는 문자 안내를 들려주었습니다"
FAILED_NOTE = "통화로 전하지 못해 문자로 보냈습니다"
HELD_NOTE = "보관함에 보관했습니다: 통화 중인 주민에게 들려주지 않았습니다"


def speaking_seconds(text: str, language: str) -> float:
    """About how long a Twilio voice takes to say `text`."""
    rate = _CHARS_PER_SECOND.get(language, _DEFAULT_CHARS_PER_SECOND)
    return round(_START_SECONDS + len(text) / rate, 1)


def speak_on_live_call(svc: Services, message: Message) -> None:
    """Speak a queued live-call reply on its call; SMS when it cannot be spoken."""
    config = current_app.config
    language = message.translated_language or "en"
    text = message.translated_text or ""
    live = svc.record.live.live_call_of(message.conversation_id)
    if live is None:
        _by_sms(svc, message, FAILED_NOTE + ": 통화가 끝났습니다")
        return
    can_speak = registry.get(language).twilio_say_voice is not None
    builder = TwimlBuilder.for_config(config)
    seconds = speaking_seconds(text, language) if can_speak else 6.0
    twiml = builder.live_reply(
        language,
        text if can_speak else None,
        stream_url(STREAM_PATH),
        {"call": live.call_sid, "language": live.language, "mute_seconds": str(seconds)},
        conference=live.conference,
    )
    try:
        status = svc.sender.update_call(live.call_sid, twiml)
    except SendError as error:
        log.warning("live reply %s could not be spoken: %s", message.id, error.reason)
        _by_sms(svc, message, f"{FAILED_NOTE}: {error.reason}")
        return
    if not can_speak:
        _by_sms(svc, message, NO_VOICE_NOTE)
        return
    # The outbox holds the update (HELD): the thread must not say the caller heard it.
    svc.record.outbound.mark_sent(message.id, f"{live.call_sid}:{message.id}", status)
    held = status is MessageStatus.HELD
    svc.record.live.note_reply_channel(message.id, HELD_NOTE if held else SPOKEN_NOTE)


def _by_sms(svc: Services, message: Message, note: str) -> None:
    """Send the reply's SMS body instead, and tell the agent why."""
    svc.record.live.note_reply_channel(message.id, note)
    if not message.to_number or not message.delivered_body:
        svc.record.outbound.mark_send_failed(message.id, note, None)
        return
    try:
        result = svc.sender.send(message.to_number, message.delivered_body)
    except SendError as error:
        if error.retryable:
            raise
        svc.record.outbound.mark_send_failed(message.id, error.reason, error.code)
        return
    svc.record.outbound.mark_sent(message.id, result.sid, result.status)
