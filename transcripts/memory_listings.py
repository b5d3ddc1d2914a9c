"""Read models of the translation memory's admin page: entries, suggestions and their history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from transcripts.models import Event, MemoryEntry, MemorySuggestion, SuggestionStatus, User
from transcripts.policy import EventKind

PAGE_SIZE = 50
MEMORY_EVENTS = tuple(kind.value for kind in EventKind if kind.value.startswith("memory."))
_Row = TypeVar("_Row", MemoryEntry, MemorySuggestion)


@dataclass(frozen=True)
class MemoryFilter:
    """What the admin searched for: words of either side, a resident language, a status."""

    text: str = ""
    language: str = ""
    status: str = SuggestionStatus.PENDING.value  # of the suggestions listed


@dataclass(frozen=True)
class MemoryListing:
    """One page of the memory and of the suggestions, with the names of the people involved."""

    entries: Sequence[MemoryEntry]
    entries_total: int
    suggestions: Sequence[MemorySuggestion]
    suggestions_total: int
    pending_total: int
    names: dict[int, str]


def memory_listing(session: Session, filters: MemoryFilter, *, page: int = 1) -> MemoryListing:
    """Approved entries (most used first) and suggestions (newest first) matching `filters`."""
    offset = (max(page, 1) - 1) * PAGE_SIZE
    entries_query = _matching(select(MemoryEntry), MemoryEntry, filters)
    entries = session.scalars(
        entries_query.order_by(MemoryEntry.uses.desc(), MemoryEntry.id.desc())
        .offset(offset)
        .limit(PAGE_SIZE)
    ).all()
    suggestions_query = _matching(select(MemorySuggestion), MemorySuggestion, filters)
    if filters.status in {s.value for s in SuggestionStatus}:
        suggestions_query = suggestions_query.where(
            MemorySuggestion.status == SuggestionStatus(filters.status)
        )
    suggestions = session.scalars(
        suggestions_query.order_by(MemorySuggestion.id.desc()).offset(offset).limit(PAGE_SIZE)
    ).all()
    people = {
        user_id
        for user_id in [
            *(e.created_by_id for e in entries),
            *(e.approved_by_id for e in entries),
            *(s.suggested_by_id for s in suggestions),
            *(s.reviewed_by_id for s in suggestions),
        ]
        if user_id is not None
    }
    return MemoryListing(
        entries=entries,
        entries_total=_count(session, entries_query),
        suggestions=suggestions,
        suggestions_total=_count(session, suggestions_query),
        pending_total=session.scalar(
            select(func.count())
            .select_from(MemorySuggestion)
            .where(MemorySuggestion.status == SuggestionStatus.PENDING)
        )
        or 0,
        names=usernames(session, people),
    )


def memory_history(session: Session, *, limit: int = 100) -> Sequence[Event]:
    """The memory's audit events, newest first (through ix_events_kind)."""
    return session.scalars(
        select(Event).where(Event.kind.in_(MEMORY_EVENTS)).order_by(Event.id.desc()).limit(limit)
    ).all()


def usernames(session: Session, user_ids: set[int]) -> dict[int, str]:
    """The usernames of `user_ids`, for the page's "who" columns."""
    if not user_ids:
        return {}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(user_ids))).all()
    return {user_id: name for user_id, name in rows}


def _matching(
    query: Select[_Row], table: type[MemoryEntry] | type[MemorySuggestion], filters: MemoryFilter
) -> Select[_Row]:
    if filters.language:
        query = query.where(or_(table.source == filters.language, table.target == filters.language))
    if filters.text.strip():
        pattern = "%" + _escaped(filters.text.strip()) + "%"
        query = query.where(
            or_(
                table.source_text.ilike(pattern, escape="\\"),
                table.target_text.ilike(pattern, escape="\\"),
            )
        )
    return query


def _escaped(text: str) -> str:
    """A search for "100%" looks for those characters, not for "100" and anything after."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _count(session: Session, query: Select[_Row]) -> int:
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0
