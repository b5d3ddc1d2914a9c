"""Service-level figures for a period, defined the way 120 centres report them.

Seoul's 120 promises 99.7% of calls answered, 97.5% within 15 seconds and 88% solved at first
contact. Those are shares of *every* contact offered, abandoned ones included: a centre that
answered 5 of 28 residents has a service level of 18%, not 100% of the 5. Only a person answers:
relay's automatic receipt and the centre's standard warning (an agent's action, not an answer)
leave the resident exactly as unanswered as before. For calls, the answer is an agent taking the
call (live calls), or an agent's first reply to the recorded message; the menu picking up the
line answers nobody. Everything is computed from the record itself, so the figures can be
re-derived.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, sessionmaker

from transcripts.models import (
    Author,
    Call,
    CallStatus,
    Conversation,
    Direction,
    Disposition,
    Message,
    MessageStatus,
)

#: A resident counts as answered promptly when an agent's first reply leaves within this time.
PROMPT_REPLY_SECONDS = 15 * 60

#: Who answers: a person, typing or choosing a phrasebook answer. SYSTEM (the abuse warning) and
#: AUTOMATIC (the first-contact receipt) are sent to residents but answer nothing.
ANSWERING_AUTHORS = (Author.AGENT, Author.PHRASEBOOK)

#: A reply in one of these states reached nobody, so it does not answer either.
UNSENT = (MessageStatus.HELD, MessageStatus.FAILED, MessageStatus.UNDELIVERED)


@dataclass(frozen=True)
class CallFigures:
    """Inbound calls in the period; answered means by an agent, not by the menu."""

    total: int
    answered: int  # an agent took the live call, or replied to the recorded message
    abandoned: int  # the caller hung up before the menu or the agent
    answer_rate: float | None  # answered / total
    median_seconds_to_answer: float | None  # call start to the agent, answered calls
    median_handle_seconds: float | None


@dataclass(frozen=True)
class ServiceFigures:
    """What the period looked like for residents and agents."""

    since: datetime
    until: datetime
    contacts: int  # every conversation opened in the period, abandoned ones included
    contacts_by_language: dict[str, int] = field(default_factory=dict)
    contacts_by_channel: dict[str, int] = field(default_factory=dict)
    # contacts an agent answered by a reply that left or is on its way (one held in the outbox,
    # failed or undelivered reached nobody; receipts and warnings are no answers)
    replied: int = 0
    unanswered: int = 0  # contacts no agent answered: abandoned, waiting or only warned
    median_first_reply_seconds: float | None = None  # over the answered contacts
    replied_within_target: float | None = None  # share of ALL contacts, PROMPT_REPLY_SECONDS
    answer_rate: float | None = None  # replied / contacts
    closed: int = 0
    resolved_at_first_contact: float | None = None  # share of closed contacts, no_response aside
    closed_without_response: int = 0
    closed_by_topic: dict[str, int] = field(default_factory=dict)  # 민원 유형 chosen at close
    needs_interpreter: int = 0
    failed_translations: int = 0  # inbound messages still without Korean (the work failed)
    corrected_translations: int = 0  # translated inbound messages an admin corrected
    correction_rate: float | None = None  # share of translated inbound messages corrected
    calls: CallFigures | None = None
    held_replies: int = 0  # agents' replies kept in the outbox (RELAY_OUTBOX), never sent
    failed_replies: int = 0  # agents' replies that failed or went undelivered (reason on each)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _median(values: list[float]) -> float | None:
    return round(median(values), 1) if values else None


def first_answers(session: Session, conversation_ids: Select[Any]) -> dict[int, datetime]:
    """When each conversation got its first answer from a person (see ANSWERING_AUTHORS)."""
    rows = session.execute(
        select(Message.conversation_id, Message.created_at)
        .where(
            Message.conversation_id.in_(conversation_ids),
            Message.direction == Direction.OUTBOUND,
            Message.author.in_(ANSWERING_AUTHORS),
            Message.status.not_in(UNSENT),
        )
        .order_by(Message.created_at, Message.id)
    )
    answers: dict[int, datetime] = {}
    for conversation_id, created_at in rows:
        answers.setdefault(conversation_id, created_at)
    return answers


def service_figures(
    sessions: sessionmaker[Session], since: datetime, until: datetime
) -> ServiceFigures:
    """Figures for conversations opened in [since, until)."""
    opened = (Conversation.created_at >= since, Conversation.created_at < until)
    with sessions() as session:
        conversations = list(session.scalars(select(Conversation).where(*opened)))
        # A subquery, not a list of ids: a long period holds more conversations than a statement
        # may have parameters (PostgreSQL: 65,535).
        ids = select(Conversation.id).where(*opened)
        messages = list(
            session.execute(
                select(
                    Message.conversation_id,
                    Message.direction,
                    Message.author,
                    Message.status,
                    Message.created_at,
                    Message.corrected_at,
                )
                .where(Message.conversation_id.in_(ids))
                .order_by(Message.id)
            )
        )
        answers = first_answers(session, ids)
        calls = list(
            session.scalars(
                select(Call).where(
                    Call.direction == Direction.INBOUND,
                    Call.started_at >= since,
                    Call.started_at < until,
                )
            )
        )
        # a subquery again: the calls of a long period are many
        call_answers = first_answers(
            session,
            select(Call.conversation_id).where(
                Call.direction == Direction.INBOUND,
                Call.started_at >= since,
                Call.started_at < until,
                Call.conversation_id.is_not(None),
            ),
        )
    first_in: dict[int, datetime] = {}
    failed = translated = corrected = held = failed_out = 0
    for conversation_id, direction, author, status, created_at, corrected_at in messages:
        if direction is Direction.INBOUND:
            first_in.setdefault(conversation_id, created_at)
            failed += status is MessageStatus.FAILED
            translated += status is MessageStatus.TRANSLATED
            # of the translated ones only, so the rate is a share of them
            corrected += status is MessageStatus.TRANSLATED and corrected_at is not None
        elif author not in ANSWERING_AUTHORS:
            continue
        elif status is MessageStatus.HELD:
            held += 1  # never left the outbox: the resident is still waiting
        elif status in (MessageStatus.FAILED, MessageStatus.UNDELIVERED):
            failed_out += 1  # refused, given up after its retries, or lost by the carrier
    # The wait runs from the resident's first message (the conversation's opening when an
    # agent wrote first, e.g. a call-back) to the first answer.
    waits = [
        (at - first_in.get(c.id, c.created_at)).total_seconds()
        for c in conversations
        if (at := answers.get(c.id)) is not None
    ]
    closed = [c for c in conversations if c.disposition is not None]
    # A conversation closed because the resident never wrote back says nothing either way
    # about first-contact resolution: it is counted apart.
    silent = sum(c.disposition == Disposition.NO_RESPONSE.value for c in closed)
    resolved = sum(c.disposition == Disposition.RESOLVED.value for c in closed)
    total = len(conversations)
    return ServiceFigures(
        since=since,
        until=until,
        contacts=total,
        contacts_by_language=dict(Counter(c.language or "unknown" for c in conversations)),
        contacts_by_channel=dict(Counter(c.channel.value for c in conversations)),
        replied=len(waits),
        unanswered=total - len(waits),
        median_first_reply_seconds=_median(waits),
        replied_within_target=_share(sum(w <= PROMPT_REPLY_SECONDS for w in waits), total),
        answer_rate=_share(len(waits), total),
        closed=len(closed),
        resolved_at_first_contact=_share(resolved, len(closed) - silent),
        closed_without_response=silent,
        closed_by_topic=dict(Counter(c.topic or "none" for c in closed)),
        needs_interpreter=sum(c.needs_interpreter for c in conversations),
        failed_translations=failed,
        corrected_translations=corrected,
        correction_rate=_share(corrected, translated),
        calls=_call_figures(calls, call_answers),
        held_replies=held,
        failed_replies=failed_out,
    )


def _answered_at(call: Call, replies: dict[int, datetime]) -> datetime | None:
    """When an agent answered: for a live call the agent taking it, for a recorded message the
    agent's first reply to it. The menu picking up the line is not an answer."""
    if call.live_at is not None or call.agent_answered_at is not None:
        return call.agent_answered_at
    if call.conversation_id is None:
        return None
    return replies.get(call.conversation_id)


def _call_figures(calls: list[Call], replies: dict[int, datetime]) -> CallFigures:
    answered = [(call, at) for call in calls if (at := _answered_at(call, replies)) is not None]
    return CallFigures(
        total=len(calls),
        answered=len(answered),
        abandoned=sum(call.status is CallStatus.ABANDONED for call in calls),
        answer_rate=_share(len(answered), len(calls)),
        median_seconds_to_answer=_median(
            [(at - call.started_at).total_seconds() for call, at in answered]
        ),
        median_handle_seconds=_median(
            [float(c.duration_seconds) for c in calls if c.duration_seconds is not None]
        ),
    )
