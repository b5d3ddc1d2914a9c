"""The figures over time, for the admin charts: contacts per hour of the day and per day, by
language and by channel; the service level per day; how many contacts each agent answered.

Hours and days are the centre's (the caller passes its time zone): a contact written at 23:30
UTC on the 11th is 08:30 on the 12th in Seoul, and the charts say so. The definitions are those
of `transcripts.metrics`, so a day's bar and that day's figure never disagree.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from transcripts.metrics import ANSWERING_AUTHORS, PROMPT_REPLY_SECONDS, UNSENT, first_answers
from transcripts.models import Conversation, Direction, Event, Message, User
from transcripts.policy import EventKind

#: Days drawn one bar each; a longer period would make bars thinner than a pixel.
MAX_DAYS = 92


@dataclass(frozen=True)
class Series:
    """Counts per category (an hour, a day, an agent), split by group (a language, a channel).

    `values[i][j]` is the count of `categories[i]` for `groups[j]`.
    """

    categories: tuple[str, ...]
    groups: tuple[str, ...]
    values: tuple[tuple[int, ...], ...]

    def totals(self) -> tuple[int, ...]:
        return tuple(sum(row) for row in self.values)


@dataclass(frozen=True)
class DayLevel:
    """One day's service level: contacts, and those answered within the target."""

    day: date
    contacts: int
    within_target: int

    @property
    def share(self) -> float | None:
        return round(self.within_target / self.contacts, 4) if self.contacts else None


@dataclass(frozen=True)
class FigureSeries:
    """Everything the charts of one period draw."""

    hours_by_language: Series
    hours_by_channel: Series
    days_by_language: Series
    days_by_channel: Series
    service_level: tuple[DayLevel, ...]
    agents: Series  # categories are agents' user names; groups: contacts answered, closed


def _series(
    categories: list[str], counts: dict[str, Counter[str]], groups: list[str] | None = None
) -> Series:
    names = groups or sorted({g for c in counts.values() for g in c})
    return Series(
        tuple(categories),
        tuple(names),
        tuple(tuple(counts[c][g] for g in names) for c in categories),
    )


def _days(since: datetime, until: datetime, zone: ZoneInfo) -> list[date]:
    first = since.astimezone(zone).date()
    last = (until - timedelta(microseconds=1)).astimezone(zone).date()
    count = min((last - first).days + 1, MAX_DAYS)
    return [first + timedelta(days=n) for n in range(max(count, 0))]


def figure_series(
    sessions: sessionmaker[Session], since: datetime, until: datetime, zone: ZoneInfo
) -> FigureSeries:
    """The series of conversations opened in [since, until), hours and days in `zone`."""
    opened = (Conversation.created_at >= since, Conversation.created_at < until)
    with sessions() as session:
        rows = list(
            session.execute(
                select(
                    Conversation.id,
                    Conversation.created_at,
                    Conversation.language,
                    Conversation.channel,
                ).where(*opened)
            )
        )
        ids = select(Conversation.id).where(*opened)
        answers = first_answers(session, ids)
        first_in: dict[int, datetime] = {
            conversation_id: created_at
            for conversation_id, created_at in session.execute(
                select(Message.conversation_id, Message.created_at)
                .where(Message.conversation_id.in_(ids), Message.direction == Direction.INBOUND)
                .order_by(Message.id.desc())  # the last row written per key is the first
            )
        }
        closed_by = list(
            session.execute(
                select(Event.data).where(
                    Event.kind == EventKind.CONVERSATION_CLOSED, Event.conversation_id.in_(ids)
                )
            ).scalars()
        )
        names = {user_id: name for user_id, name in session.execute(select(User.id, User.username))}
        handled = list(
            session.execute(
                select(User.username, Message.conversation_id)
                .join(User, User.id == Message.author_user_id)
                .where(
                    Message.conversation_id.in_(ids),
                    Message.direction == Direction.OUTBOUND,
                    Message.author.in_(ANSWERING_AUTHORS),
                    Message.status.not_in(UNSENT),
                )
                .distinct()
            )
        )
    hours: dict[str, Counter[str]] = defaultdict(Counter)
    hour_channels: dict[str, Counter[str]] = defaultdict(Counter)
    days: dict[str, Counter[str]] = defaultdict(Counter)
    day_channels: dict[str, Counter[str]] = defaultdict(Counter)
    level: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for conversation_id, created_at, language, channel in rows:
        local = created_at.astimezone(zone)
        hour, day = f"{local.hour:02d}", local.date()
        hours[hour][language or "unknown"] += 1
        hour_channels[hour][channel.value] += 1
        days[day.isoformat()][language or "unknown"] += 1
        day_channels[day.isoformat()][channel.value] += 1
        level[day][0] += 1
        answered = answers.get(conversation_id)
        if answered is not None:
            wait = answered - first_in.get(conversation_id, created_at)
            level[day][1] += wait.total_seconds() <= PROMPT_REPLY_SECONDS
    hour_names = [f"{h:02d}" for h in range(24)]
    day_list = _days(since, until, zone)
    day_names = [d.isoformat() for d in day_list]
    agents: dict[str, Counter[str]] = defaultdict(Counter)
    for name, _conversation in handled:
        agents[name]["answered"] += 1
    for data in closed_by:  # closed by an agent; relay's own closing names nobody
        if (closer := names.get(data.get("user_id"))) is not None:
            agents[closer]["closed"] += 1
    return FigureSeries(
        hours_by_language=_series(hour_names, hours),
        hours_by_channel=_series(hour_names, hour_channels),
        days_by_language=_series(day_names, days),
        days_by_channel=_series(day_names, day_channels),
        service_level=tuple(DayLevel(d, *level.get(d, [0, 0])) for d in day_list),
        agents=_series(
            sorted(agents, key=lambda n: (-agents[n]["answered"], n)),
            agents,
            ["answered", "closed"],
        ),
    )
