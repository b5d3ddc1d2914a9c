"""The translation memory's review: agents suggest; admins approve, edit, reject and delete.

The memory is the centre's, not any one agent's: an agent's edit of a machine translation is
stored as a suggestion that changes nothing for anyone until an admin approves it, and only
approved entries are reused. Texts holding personal data are never stored, not even as a
suggestion. Every change is an audit event (`memory.*`, not tied to a conversation, so the
memory's history outlives the retention of the conversations it came from).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from transcripts.db import utcnow
from transcripts.errors import NotActionableError, NotFoundError, NotYoursError, RecordError
from transcripts.masking import holds_personal_data
from transcripts.memory import MAX_MEMORY_CHARS, keep, memorable
from transcripts.models import Event, MemoryEntry, MemorySuggestion, SuggestionStatus
from transcripts.policy import Actor, EventKind
from transcripts.uow import UnitOfWork, UseCases


class SuggestOutcome(StrEnum):
    """What became of an agent's edit offered to the memory."""

    SUGGESTED = "suggested"  # waiting for an admin (new, or the same edit once more)
    ALREADY_APPROVED = "already_approved"  # the memory already says exactly this
    REJECTED_BEFORE = "rejected_before"  # an admin turned this very text down already
    PERSONAL_DATA = "personal_data"  # never stored
    NOT_KEPT = "not_kept"  # empty or too long to be worth reusing


class MemoryReviewError(RecordError):
    """An admin's text the memory will not take (empty, too long, holding personal data)."""


@dataclass(frozen=True)
class Review:
    """An admin's decision on a suggestion, or on an approved entry."""

    status: str  # "approved", "rejected", "deleted"
    suggestion_id: int | None
    entry_id: int | None
    text: str | None


def suggest(
    session: Session,
    normalise: Callable[[str], str],
    *,
    source_text: str,
    source: str,
    target: str,
    translated_text: str,
    machine_text: str | None,
    user_id: int | None,
    conversation_id: int | None,
) -> SuggestOutcome:
    """Offer an edited translation to the memory inside the caller's transaction (a reply's)."""
    if holds_personal_data(source_text) or holds_personal_data(translated_text):
        return SuggestOutcome.PERSONAL_DATA
    if not memorable(source_text, translated_text):
        return SuggestOutcome.NOT_KEPT
    key = normalise(source_text)
    approved = session.scalar(
        select(MemoryEntry.target_text).where(
            MemoryEntry.source == source,
            MemoryEntry.target == target,
            MemoryEntry.normalised_text == key,
        )
    )
    if approved == translated_text:
        return SuggestOutcome.ALREADY_APPROVED
    earlier = session.scalars(
        select(MemorySuggestion).where(
            MemorySuggestion.source == source,
            MemorySuggestion.target == target,
            MemorySuggestion.normalised_text == key,
            MemorySuggestion.target_text == translated_text,
            MemorySuggestion.status != SuggestionStatus.APPROVED,
        )
    ).all()
    if any(s.status is SuggestionStatus.REJECTED for s in earlier):
        return SuggestOutcome.REJECTED_BEFORE
    if earlier:
        suggestion = earlier[0]
        suggestion.times += 1
    else:
        suggestion = MemorySuggestion(
            source=source,
            target=target,
            normalised_text=key,
            source_text=source_text,
            target_text=translated_text,
            machine_text=machine_text,
            suggested_by_id=user_id,
            conversation_id=conversation_id,
        )
        session.add(suggestion)
        session.flush()
    _audit(
        session,
        EventKind.MEMORY_SUGGESTED,
        user_id,
        suggestion,
        after=translated_text,
        conversation=conversation_id,
    )
    return SuggestOutcome.SUGGESTED


class MemoryReview(UseCases):
    """An admin's decisions on the memory; each owns one transaction and one audit event."""

    def __init__(
        self, source: UnitOfWork | sessionmaker[Session], normalise: Callable[[str], str]
    ) -> None:
        super().__init__(source)
        self._normalise = normalise  # the memory's key function (languages.memory.normalise)

    def approve(self, suggestion_id: int, actor: Actor, text: str | None = None) -> Review:
        """Keep a pending suggestion in the memory, as suggested or as the admin edited it;
        it replaces what the memory said for that sentence."""
        _require_admin(actor)
        with self._uow.write() as session:
            suggestion = _pending(session, suggestion_id)
            final = suggestion.target_text if text is None else _clean(text)
            if not memorable(suggestion.source_text, final):
                raise MemoryReviewError(
                    "the translation is empty, too long or holds personal data",
                    "번역이 비었거나 너무 길거나 개인정보(번호·이메일)를 담고 있어 "
                    "저장할 수 없습니다.",
                )
            # Keyed as the lookups key it now, whatever the key was when it was suggested.
            key = self._normalise(suggestion.source_text)
            previous = _entry(session, suggestion, key)
            before = previous.target_text if previous is not None else None
            keep(
                session,
                self._normalise,
                suggestion.source_text,
                suggestion.source,
                suggestion.target,
                final,
                created_by_id=suggestion.suggested_by_id,
                approved_by_id=actor.user_id,
            )
            entry = _entry(session, suggestion, key)
            assert entry is not None
            suggestion.status = SuggestionStatus.APPROVED
            suggestion.reviewed_by_id = actor.user_id
            suggestion.reviewed_at = utcnow()
            suggestion.approved_text = final
            _audit(
                session,
                EventKind.MEMORY_APPROVED,
                actor.user_id,
                suggestion,
                before=before,
                after=final,
                edited=final != suggestion.target_text,
                entry_id=entry.id,
            )
            return Review("approved", suggestion.id, entry.id, final)

    def reject(self, suggestion_id: int, actor: Actor) -> Review:
        """Turn a pending suggestion down: it is never reused, nor offered again as it was."""
        _require_admin(actor)
        with self._uow.write() as session:
            suggestion = _pending(session, suggestion_id)
            suggestion.status = SuggestionStatus.REJECTED
            suggestion.reviewed_by_id = actor.user_id
            suggestion.reviewed_at = utcnow()
            _audit(
                session,
                EventKind.MEMORY_REJECTED,
                actor.user_id,
                suggestion,
                after=suggestion.target_text,
            )
            return Review("rejected", suggestion.id, None, None)

    def delete_entry(self, entry_id: int, actor: Actor) -> Review:
        """Remove an approved entry: the engine translates that sentence again."""
        _require_admin(actor)
        with self._uow.write() as session:
            entry = session.get(MemoryEntry, entry_id, with_for_update=True)
            if entry is None:
                raise NotFoundError(
                    f"memory entry {entry_id} not found", "번역 메모리 항목이 없습니다."
                )
            _event(
                session,
                EventKind.MEMORY_DELETED,
                actor.user_id,
                entry_id=entry.id,
                source=entry.source,
                target=entry.target,
                source_text=entry.source_text,
                before=entry.target_text,
                uses=entry.uses,
            )
            session.delete(entry)
            return Review("deleted", None, entry_id, None)


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise NotYoursError(
            "only an admin reviews the translation memory",
            "번역 메모리는 관리자만 승인·수정·삭제할 수 있습니다.",
        )


def _pending(session: Session, suggestion_id: int) -> MemorySuggestion:
    suggestion = session.get(MemorySuggestion, suggestion_id, with_for_update=True)
    if suggestion is None:
        raise NotFoundError(f"suggestion {suggestion_id} not found", "제안이 없습니다.")
    if suggestion.status is not SuggestionStatus.PENDING:
        raise NotActionableError(
            f"suggestion {suggestion_id} was already {suggestion.status.value}",
            "이미 처리한 제안입니다.",
        )
    return suggestion


def _entry(session: Session, suggestion: MemorySuggestion, key: str) -> MemoryEntry | None:
    session.flush()
    return session.scalar(
        select(MemoryEntry).where(
            MemoryEntry.source == suggestion.source,
            MemoryEntry.target == suggestion.target,
            MemoryEntry.normalised_text == key,
        )
    )


def _clean(text: str) -> str:
    cleaned = text.replace("\r\n", "\n").strip()
    if not cleaned or len(cleaned) > MAX_MEMORY_CHARS:
        raise MemoryReviewError(
            f"a translation is 1 to {MAX_MEMORY_CHARS} characters",
            f"번역은 1자에서 {MAX_MEMORY_CHARS}자까지입니다.",
        )
    return cleaned


def _audit(
    session: Session,
    kind: EventKind,
    user_id: int | None,
    suggestion: MemorySuggestion,
    **details: object,
) -> None:
    _event(
        session,
        kind,
        user_id,
        suggestion_id=suggestion.id,
        source=suggestion.source,
        target=suggestion.target,
        source_text=suggestion.source_text,
        **details,
    )


def _event(session: Session, kind: EventKind, user_id: int | None, **data: object) -> None:
    """An audit event of the memory: no conversation, so retention never takes the history."""
    session.add(Event(kind=kind, conversation_id=None, data={"user_id": user_id, **data}))
