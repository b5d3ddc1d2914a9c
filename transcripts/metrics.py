"""Service-level figures for a period, the ones 120 centres report.

Seoul's 120 promises 99.7% of calls answered, 97.5% within 15 seconds and 88% solved at first
contact. For residents who write or leave messages in another language, the comparable figures
are how long they wait for an agent's first reply, how many contacts close as resolved at first
contact, how many need a human interpreter, and for calls the answer rate, time to answer and
handle time. Everything is computed from the record itself, so the figures can be re-derived.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median

from sqlalchemy import select
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


@dataclass(frozen=True)
class CallFigures:
    """Inbound calls in the period."""

    total: int
    answered: int
    abandoned: int
    answer_rate: float | None
    median_seconds_to_answer: float | None
    median_handle_seconds: float | None


@dataclass(frozen=True)
class ServiceFigures:
    """What the period looked like for residents and agents."""

    since: datetime
    until: datetime
    contacts: int
    contacts_by_language: dict[str, int] = field(default_factory=dict)
    contacts_by_channel: dict[str, int] = field(default_factory=dict)
    # contacts answered by a reply that left or is on its way (one held in the outbox, failed
    # or undelivered reached nobody)
    replied: int = 0
    median_first_reply_seconds: float | None = None
    replied_within_target: float | None = None  # share of replied contacts, PROMPT_REPLY_SECONDS
    closed: int = 0
    resolved_at_first_contact: float | None = None  # share of closed contacts, no_response aside
    closed_without_response: int = 0
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
                    Message.status,
                    Message.created_at,
                    Message.corrected_at,
                )
                # relay's automatic receipt is no reply: it would make every wait look instant
                .where(Message.conversation_id.in_(ids), Message.author != Author.AUTOMATIC)
                .order_by(Message.id)
            )
        )
        calls = list(
            session.scalars(
                select(Call).where(
                    Call.direction == Direction.INBOUND,
                    Call.started_at >= since,
                    Call.started_at < until,
                )
            )
        )
    first_in: dict[int, datetime] = {}
    first_out: dict[int, datetime] = {}
    failed = translated = corrected = held = failed_out = 0
    for conversation_id, direction, status, created_at, corrected_at in messages:
        if direction is Direction.INBOUND:
            first_in.setdefault(conversation_id, created_at)
            failed += status is MessageStatus.FAILED
            translated += status is MessageStatus.TRANSLATED
            # of the translated ones only, so the rate is a share of them
            corrected += status is MessageStatus.TRANSLATED and corrected_at is not None
        elif status is MessageStatus.HELD:
            held += 1  # never left the outbox: the resident is still waiting
        elif status in (MessageStatus.FAILED, MessageStatus.UNDELIVERED):
            failed_out += 1  # refused, given up after its retries, or lost by the carrier
        elif conversation_id in first_in:
            first_out.setdefault(conversation_id, created_at)
    waits = [(first_out[c] - first_in[c]).total_seconds() for c in first_out]
    closed = [c for c in conversations if c.disposition is not None]
    # A conversation closed because the resident never wrote back says nothing either way
    # about first-contact resolution: it is counted apart.
    silent = sum(c.disposition == Disposition.NO_RESPONSE.value for c in closed)
    resolved = sum(c.disposition == Disposition.RESOLVED.value for c in closed)
    return ServiceFigures(
        since=since,
        until=until,
        contacts=len(conversations),
        contacts_by_language=dict(Counter(c.language or "unknown" for c in conversations)),
        contacts_by_channel=dict(Counter(c.channel.value for c in conversations)),
        replied=len(waits),
        median_first_reply_seconds=_median(waits),
        replied_within_target=_share(sum(w <= PROMPT_REPLY_SECONDS for w in waits), len(waits)),
        closed=len(closed),
        resolved_at_first_contact=_share(resolved, len(closed) - silent),
        closed_without_response=silent,
        needs_interpreter=sum(c.needs_interpreter for c in conversations),
        failed_translations=failed,
        corrected_translations=corrected,
        correction_rate=_share(corrected, translated),
        calls=_call_figures(calls),
        held_replies=held,
        failed_replies=failed_out,
    )


def _answered_at(call: Call) -> datetime | None:
    """When a person answered: for a live call the agent taking it (the menu picking up is
    not an answer), for a recorded-message call the line picking up, as before."""
    return call.agent_answered_at if call.live_at is not None else call.answered_at


def _call_figures(calls: list[Call]) -> CallFigures:
    answered = [(call, at) for call in calls if (at := _answered_at(call)) is not None]
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
