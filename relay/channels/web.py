"""The web chat channel's outbound side: a reply, and the "a reply is waiting" SMS.

A web reply needs no provider: once queued it is put on the conversation's chat page (SENT),
where the resident's open page receives it through its live feed and says so (DELIVERED, then
read). Nothing here claims more than that. When a reply stays unread for
WEB_CHAT_NUDGE_MINUTES and the resident left a number (or wrote by SMS before), one short SMS
tells them a reply is waiting, with the reply link that opens the chat page.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from languages import sms
from relay.services import Services
from transcripts.models import Author, Message
from transcripts.outbound import ReplyDraft

log = logging.getLogger(__name__)


def deliver(svc: Services, message: Message) -> None:
    """Put a queued web reply on the resident's page."""
    svc.record.chat.deliver(message.id)


def nudge_draft(language: str, public_base_url: str, sender: sms.Sender) -> ReplyDraft:
    """The "a new reply is waiting" SMS from `sender`, with a reply link to the chat page
    (human-written, deliverable to Korean handsets)."""
    token = secrets.token_urlsafe(16)
    link = f"{public_base_url}/r/{token}"
    korean = sms.reply_waiting("ko", link, sender)
    body = sms.reply_waiting(language, link, sender)
    analysis = sms.analyse(body)
    return ReplyDraft(
        korean_text=korean,
        language=language,
        translated_text=body,
        machine_translation=None,
        back_translation=None,
        engine=Author.AUTOMATIC.value,
        model="reply_waiting",
        pivot=None,
        translation_ms=0.0,
        delivered_body=body,
        sms_encoding=analysis.encoding,
        sms_segments=analysis.segments,
        undeliverable_chars="".join(analysis.undeliverable),
        author=Author.AUTOMATIC,
        uses_link=True,
        reply_token=token,
    )


def send_nudges(svc: Services, minutes: int, public_base_url: str, sender: sms.Sender) -> int:
    """Queue one SMS for each web reply unread for `minutes` (0: never), each naming
    `sender`; returns how many."""
    if minutes <= 0:
        return 0
    queued = 0
    for due in svc.record.chat.due_nudges(timedelta(minutes=minutes)):
        message = svc.record.chat.nudge(
            due.message_id, nudge_draft(due.language, public_base_url, sender), due.phone
        )
        if message is not None:
            svc.jobs.send_outbound(message.id)
            queued += 1
    if queued:
        log.info("told %d residents by SMS that a web reply is waiting", queued)
    return queued
