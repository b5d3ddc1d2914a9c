"""Which way an agent's reply goes back: SMS, a call-back that speaks it, or the chat page.

A resident whose latest message came from the chat page is answered there, whole, in their
own script (no SMS rules apply); the agent may still choose SMS when a number is known.

The default ("auto") answers in the channel the resident used: a caller is called back, because
Korean handsets cannot show Vietnamese or many Chinese characters in an SMS and a spoken reply
reaches them whole, while a texter gets a text. Mongolian has no Twilio voice, so Mongolian
replies always go by SMS (with the link to the full text when needed).

While the resident is on a live call, "auto" answers on that call ("live"): the reply is spoken
to them there (relay/channels/live_reply.py), or texted when it cannot be.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from languages import registry
from transcripts.chat import reachable_by_phone
from transcripts.live_calls import live_call_for
from transcripts.models import Channel, Conversation
from transcripts.policy import resident_channel

CHANNELS = ("sms", "voice", "web", "live")
#: Each way a reply can go, as the agent reads it in the preview and on the thread.
REPLY_CHANNEL_LABELS = {
    "sms": "문자",
    "voice": "전화 회신",
    "live": "실시간 통화 음성",
    "web": "웹 채팅",
}


class ChannelError(ValueError):
    """The reply cannot go the way asked (no voice for the language, a withheld number...)."""


def choose_channel(
    session: Session, conversation: Conversation, requested: object, default: str, language: str
) -> str:
    """The reply channel: the agent's choice, else the configured default; ChannelError when
    the reply cannot go that way."""
    if requested is not None and requested not in CHANNELS:
        raise ChannelError('보내는 방법(channel)은 "sms", "voice", "web", "live" 중 하나입니다.')
    on_call = live_call_for(session, conversation.id) is not None
    if requested == "live" and not on_call:
        raise ChannelError("주민이 지금 통화 중이 아닙니다. 문자로 보내거나 전화로 회신하세요.")
    if requested == "live" or (requested is None and on_call):
        return "live"  # a withheld number is no obstacle: the caller is on the line
    last = resident_channel(session, conversation.id)
    if requested is None and last is Channel.WEB:
        requested = "web"  # the resident writes on the chat page: answer there, whole
    if requested == "web":
        if conversation.channel is not Channel.WEB and last is not Channel.WEB:
            raise ChannelError("주민이 이 대화의 웹 채팅 화면을 연 적이 없습니다.")
        return "web"
    if not reachable_by_phone(conversation.contact.phone):
        raise ChannelError("전화번호를 몰라 문자나 전화 회신을 보낼 수 없습니다.")
    can_speak = registry.get(language).twilio_say_voice is not None
    if requested is None:
        if default in CHANNELS:
            requested = default
        else:
            requested = "voice" if last is Channel.VOICE and can_speak else "sms"
        if requested == "voice" and not can_speak:
            requested = "sms"
    if requested == "voice" and not can_speak:
        name = registry.get(language).korean_name
        raise ChannelError(
            f"{name} 음성이 없어 전화로 읽어 줄 수 없습니다. 문자로 보내세요 (문자로 다 "
            "보낼 수 없으면 주민은 전체 글로 가는 링크를 받습니다)."
        )
    return str(requested)
