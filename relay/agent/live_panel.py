"""The live-call strip of an agent's thread: the call's state in Korean, and the interpreter
offer when the caller is heard speaking another language.

It is part of the message list the live feed refreshes, so a caller flagged by the spoken-
language check (a `message.needs_interpreter` event) brings the offer up without a reload:
on a live call the agent can act at once, while the caller is still on the line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from languages.spoken import check_from_json
from transcripts.live_calls import LiveCallView
from transcripts.models import Conversation, Direction, Message


@dataclass(frozen=True)
class LivePanel:
    """What the strip shows; `offer` puts the prominent 3자 통역 연결 banner up, with `heard`
    (the spoken-language notice) saying why."""

    state: str
    call: LiveCallView
    in_conference: bool
    offer: bool
    heard: str | None


def live_panel(
    conversation: Conversation, call: LiveCallView | None, messages: Sequence[Message]
) -> LivePanel | None:
    """The strip for a thread whose conversation had a live call; None otherwise."""
    if call is None:
        return None
    on_line = call.ended_at is None
    in_conference = on_line and call.conference_at is not None
    if not on_line:
        state = "실시간 통화 종료"
    elif in_conference:
        state = "3자 통역 통화 중"
    elif call.agent_answered_at is not None:
        state = "통화 중"
    else:
        state = "상담원 연결 대기 중"
    heard = _heard(messages)
    offer = on_line and not in_conference and (conversation.needs_interpreter or heard is not None)
    return LivePanel(state, call, in_conference, offer, heard)


def _heard(messages: Sequence[Message]) -> str | None:
    """The newest spoken-language notice of the caller's speech, if the check flagged any."""
    for message in reversed(messages):
        if message.direction is not Direction.INBOUND:
            continue
        check = check_from_json(message.spoken_language)
        if check is not None and check.differs:
            return check.notice
    return None
