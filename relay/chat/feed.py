"""The chat page's live feed: the agent view's event loop (relay/agent/stream.py), narrowed to
one conversation and to what its resident may see.

Each event of the conversation becomes a frame with the message as the page shows it (their
words, or the reply in their language; never the Korean, an agent's name or another
conversation), keyed by the event id so a reconnect resumes with Last-Event-ID. Events the page
shows nothing for still carry their id, so the resume point moves past them. The "agent is
typing" sign is read from the conversation at each poll and sent only when it changes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from relay.agent.stream import event_stream
from relay.centre_time import centre_clock
from transcripts.chat import chat_line
from transcripts.db import utcnow
from transcripts.models import Conversation, ConversationStatus, Event, Message
from transcripts.policy import EventKind, is_typing

ENDED = {EventKind.CONVERSATION_CLOSED.value, EventKind.CHAT_REVOKED.value}


def line_frame(session: Session, event: Event, zone: ZoneInfo) -> str:
    """The frame for one event of the conversation; times in the centre's `zone`."""
    data: dict[str, object] = {}
    if event.message_id is not None:
        message = session.get(Message, event.message_id)
        line = chat_line(message) if message is not None else None
        if line is not None:
            data = {
                "id": line.message_id,
                "mine": line.mine,
                "text": line.text,
                "lang": line.language,
                "state": line.state,
                "channel": line.channel,
                "author": line.author,
                "at": line.at.isoformat(),
                # In the centre's time zone, as the page shows it: the browser's own zone (a
                # resident's phone, or a server in UTC) must not decide the time they read.
                "shown": centre_clock(line.at, zone=zone),
            }
    elif event.kind in ENDED:
        data = {"ended": True}
    kind = "line" if "id" in data else ("ended" if data else "skip")
    return f"id: {event.id}\nevent: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def chat_stream(
    sessions: sessionmaker[Session],
    conversation_id: int,
    after: int | None,
    *,
    poll: float,
    heartbeat: float,
    max_seconds: float,
    zone: ZoneInfo,
) -> Iterator[str]:
    """SSE frames for one conversation's chat page, times in the centre's `zone`."""
    shown: list[bool] = [False]

    def typing(session: Session) -> str:
        conversation = session.get(Conversation, conversation_id)
        now_typing = (
            conversation is not None
            and conversation.status is ConversationStatus.OPEN
            and is_typing(conversation, utcnow())
        )
        if now_typing == shown[0]:
            return ""
        shown[0] = now_typing
        return f"event: typing\ndata: {json.dumps({'typing': now_typing})}\n\n"

    return event_stream(
        sessions,
        after,
        poll=poll,
        heartbeat=heartbeat,
        max_seconds=max_seconds,
        conversation_id=conversation_id,
        frame=partial(line_frame, zone=zone),
        tick=typing,
    )
