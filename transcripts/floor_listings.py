"""The supervisor's read of the floor: each agent's state and what they hold, the oldest wait
per language, and the conversations about to pass (or past) the answer target.

One read, a handful of queries whatever the number of conversations: the open ones are few
(a centre's floor, not its history), and each query uses the conversations' status index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from transcripts.floor import languages_of
from transcripts.models import Availability, Conversation, ConversationStatus, Role, User

#: The centres' service target: a resident is answered within 15 minutes.
ANSWER_TARGET = timedelta(minutes=15)
#: How long before the target a waiting conversation is shown as about to pass it.
TARGET_WARNING = timedelta(minutes=5)


@dataclass(frozen=True)
class Held:
    """One open conversation an agent holds, and since when."""

    conversation_id: int
    language: str | None
    channel: str
    claimed_at: datetime | None
    awaiting_since: datetime | None  # None: the resident has been answered


@dataclass(frozen=True)
class AgentOnFloor:
    user_id: int
    username: str
    is_admin: bool
    availability: Availability
    since: datetime | None
    languages: tuple[str, ...]
    held: tuple[Held, ...]


@dataclass(frozen=True)
class LanguageWait:
    """The unclaimed contacts of one language (None: not known yet) and the oldest wait."""

    language: str | None
    waiting: int
    oldest_since: datetime


@dataclass(frozen=True)
class AtRisk:
    """An open conversation whose resident has waited near or past the target."""

    conversation_id: int
    language: str | None
    channel: str
    awaiting_since: datetime
    holder_id: int | None
    past: bool  # already past the target


@dataclass(frozen=True)
class FloorView:
    agents: tuple[AgentOnFloor, ...]
    waits: tuple[LanguageWait, ...]
    at_risk: tuple[AtRisk, ...]
    now: datetime


def floor(session: Session, now: datetime) -> FloorView:
    """The floor as it is at `now`."""
    users = session.scalars(
        select(User)
        .where(User.active.is_(True), User.role.in_([Role.AGENT, Role.ADMIN]))
        .order_by(User.username)
    ).all()
    open_ = session.scalars(
        select(Conversation)
        .where(Conversation.status == ConversationStatus.OPEN)
        .order_by(Conversation.claimed_at, Conversation.id)
    ).all()
    held: dict[int, list[Held]] = {}
    for c in open_:
        if c.claimed_by_id is not None:
            held.setdefault(c.claimed_by_id, []).append(
                Held(c.id, c.language, c.channel.value, c.claimed_at, c.awaiting_since)
            )
    agents = tuple(
        AgentOnFloor(
            user_id=u.id,
            username=u.username,
            is_admin=u.role is Role.ADMIN,
            availability=u.availability,
            since=u.availability_since,
            languages=tuple(sorted(languages_of(u))),
            held=tuple(held.get(u.id, ())),
        )
        for u in users
    )
    return FloorView(agents, _waits(session), _at_risk(open_, now), now)


def suggestions(view: FloorView) -> dict[int, int]:
    """For each held or at-risk conversation, the agent a reassignment most likely goes to: an
    available one, other than its holder, serving its language, holding the fewest (the live
    view pre-selects them, so one click does). Conversations with no such agent are left out."""
    chosen: dict[int, int] = {}
    conversations = [
        (held.conversation_id, held.language, agent.user_id)
        for agent in view.agents
        for held in agent.held
    ] + [(risk.conversation_id, risk.language, risk.holder_id) for risk in view.at_risk]
    for conversation_id, language, holder in conversations:
        fits = [
            agent
            for agent in view.agents
            if agent.user_id != holder
            and agent.availability is Availability.AVAILABLE
            and language in agent.languages
        ]
        if fits:
            chosen[conversation_id] = min(fits, key=lambda a: (len(a.held), a.user_id)).user_id
    return chosen


def availability_of(session: Session, user_id: int) -> Availability:
    """One agent's state (away for an unknown account)."""
    state = session.scalar(select(User.availability).where(User.id == user_id))
    return state if state is not None else Availability.AWAY


def _waits(session: Session) -> tuple[LanguageWait, ...]:
    rows = session.execute(
        select(
            Conversation.language,
            func.count(),
            func.min(func.coalesce(Conversation.awaiting_since, Conversation.last_message_at)),
        )
        .where(
            Conversation.status == ConversationStatus.OPEN,
            Conversation.claimed_by_id.is_(None),
        )
        .group_by(Conversation.language)
    ).all()
    waits = [LanguageWait(row[0], int(row[1]), _aware(row[2])) for row in rows]
    return tuple(sorted(waits, key=lambda w: w.oldest_since))


def _at_risk(open_: Sequence[Conversation], now: datetime) -> tuple[AtRisk, ...]:
    warn_from = now - (ANSWER_TARGET - TARGET_WARNING)
    risky = [
        AtRisk(
            c.id,
            c.language,
            c.channel.value,
            c.awaiting_since,
            c.claimed_by_id,
            past=c.awaiting_since <= now - ANSWER_TARGET,
        )
        for c in open_
        if c.awaiting_since is not None and c.awaiting_since <= warn_from
    ]
    return tuple(sorted(risky, key=lambda r: (r.awaiting_since, r.conversation_id)))


def _aware(value: datetime) -> datetime:
    """An aggregate skips the column type: SQLite hands back a naive UTC value (or a string)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
