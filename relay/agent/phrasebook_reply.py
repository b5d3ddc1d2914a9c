"""A phrasebook answer on its way out: the same preview a typed reply gets (how the SMS will
carry it, or that a call-back will speak it), and the same channel rule.

A phrasebook answer is written by people in the resident's language, so there is no engine and
no back-translation; but it still travels by a channel, and an SMS still follows Korea's
encoding rules. Which channel is `relay.voice.channel.choose_channel`'s decision, as for every
reply, so the preview names the way the answer will really go.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, request

from relay.agent.access import actor, agent_required, me
from relay.agent.tools import agent_tools
from relay.replies import ReplyError, centre_sender, human_reply
from relay.services import services
from relay.voice.channel import REPLY_CHANNEL_LABELS, ChannelError, choose_channel
from transcripts.models import Author
from transcripts.outbound import ReplyDraft
from transcripts.policy import require_actor, require_open

bp = Blueprint(
    "agent_phrasebook_reply", __name__, url_prefix="/agent/conversations/<int:conversation_id>"
)

#: The languages a phrasebook answer can be sent in: the five, and Korean for Korean speakers.
PHRASEBOOK_LANGUAGES = frozenset({"en", "zh", "ja", "vi", "mn", "ko"})


@dataclass(frozen=True)
class PhrasebookReply:
    """A phrasebook answer composed for one conversation, and the channel it goes by."""

    draft: ReplyDraft
    channel: str


def phrasebook_reply(conversation_id: int, entry_id: str, requested: str | None) -> PhrasebookReply:
    """Compose entry `entry_id` for the conversation's resident; ReplyError when the resident's
    language is unknown, ChannelError when it cannot go the way asked."""
    with services().record.uow.read() as session:
        conversation = require_open(require_actor(session, conversation_id, actor()))
        language = conversation.language
        if language not in PHRASEBOOK_LANGUAGES:
            raise ReplyError("주민의 언어를 아직 알 수 없습니다. 답변 언어를 고르세요.")
        channel = choose_channel(
            session,
            conversation,
            requested or None,
            current_app.config["VOICE_DEFAULT_REPLY_CHANNEL"],
            language,
        )
    entry = agent_tools().phrasebook.get(entry_id)
    draft = human_reply(
        entry.text("ko"),
        entry.text(language),
        language,
        author=Author.PHRASEBOOK,
        source=entry.id,
        user_id=me(),
        public_base_url=current_app.config["PUBLIC_BASE_URL"],
        sender=centre_sender(current_app.config),
        channel=channel,
    )
    return PhrasebookReply(draft, channel)


@bp.post("/phrasebook/preview")
@agent_required
def preview(conversation_id: int) -> Any:
    """The preview of a phrasebook answer, shaped like the API's preview of a typed reply."""
    try:
        reply = phrasebook_reply(
            conversation_id, request.form.get("entry_id") or "", request.form.get("channel")
        )
    except (ReplyError, ChannelError) as error:
        return {"error": str(error)}, 422
    draft = reply.draft
    return {
        "korean_text": draft.korean_text,
        "language": draft.language,
        "translated_text": draft.translated_text,
        "back_translation": None,
        "engine": "phrasebook",
        "encoding": draft.sms_encoding,
        "segments": draft.sms_segments,
        "undeliverable": list(draft.undeliverable_chars or ""),
        "delivered_body": draft.delivered_body,
        "uses_link": draft.uses_link,
        "missing_spans": [],
        "channel": reply.channel,
        "channel_label": REPLY_CHANNEL_LABELS[reply.channel],
    }
