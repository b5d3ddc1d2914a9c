"""The translation memory's admin page: what the memory says, what agents suggest, and its history.

Only admins see or change it (the use cases check the role again); the rules (suggestions,
approval, personal data, audit) live in `transcripts.memory_review`, and these views parse a
form, call one use case and say in Korean what happened.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from languages import registry
from relay.agent.access import actor, admin_required, page_number
from relay.agent.audit_view import event_label
from relay.services import services
from transcripts import memory_listings
from transcripts.errors import RecordError
from transcripts.models import SuggestionStatus

bp = Blueprint("admin_memory", __name__, url_prefix="/admin/memory")

MAX_FORM_CHARS = 2000  # above the memory's own limit, so the use case can say why

STATUS_LABELS = {
    SuggestionStatus.PENDING.value: "검토 대기",
    SuggestionStatus.APPROVED.value: "승인됨",
    SuggestionStatus.REJECTED.value: "거절됨",
}


def language_name(code: str | None) -> str:
    """A language's Korean name ("베트남어"); an unknown code is named as such, not shown."""
    return registry.get(code).korean_name if code and registry.is_supported(code) else "알 수 없음"


@bp.get("")
@admin_required
def memory() -> Any:
    """The memory's entries and the suggestions waiting for review, searchable."""
    args = request.args
    status = args.get("status", SuggestionStatus.PENDING.value)
    language = args.get("language") or ""
    filters = memory_listings.MemoryFilter(
        text=(args.get("q") or "")[:200],
        language=language if language in registry.RESIDENT_CODES else "",
        status=status if status in STATUS_LABELS or status == "all" else "pending",
    )
    with services().sessions() as session:
        listing = memory_listings.memory_listing(
            session, filters, page=page_number(args.get("page"))
        )
        return render_template(
            "admin/memory.html",
            listing=listing,
            filters=filters,
            languages=registry.RESIDENT_LANGUAGES,
            language_name=language_name,
            status_labels=STATUS_LABELS,
            query=_query(),
        )


@bp.get("/history")
@admin_required
def history() -> Any:
    """Every change to the memory, newest first, with who made it."""
    with services().sessions() as session:
        events = memory_listings.memory_history(session)
        names = memory_listings.usernames(
            session, {e.data["user_id"] for e in events if isinstance(e.data.get("user_id"), int)}
        )
        return render_template(
            "admin/memory_history.html",
            events=events,
            names=names,
            event_label=event_label,
            language_name=language_name,
        )


@bp.post("/suggestions/<int:suggestion_id>/approve")
@admin_required
def approve(suggestion_id: int) -> Any:
    """Approve a suggestion as it is, or as the admin edited it in the form."""
    edited = request.form.get("text")
    text = edited[:MAX_FORM_CHARS] if edited is not None else None
    try:
        review = services().record.memory.approve(suggestion_id, actor(), text)
    except RecordError as error:
        return _back(error.korean or "처리할 수 없습니다.", "error")
    return _back(f"승인했습니다. 이제 같은 문장에 이 번역을 씁니다: {review.text}")


@bp.post("/suggestions/<int:suggestion_id>/reject")
@admin_required
def reject(suggestion_id: int) -> Any:
    """Turn a suggestion down: it is never reused."""
    try:
        services().record.memory.reject(suggestion_id, actor())
    except RecordError as error:
        return _back(error.korean or "처리할 수 없습니다.", "error")
    return _back("거절했습니다.")


@bp.post("/entries/<int:entry_id>/delete")
@admin_required
def delete(entry_id: int) -> Any:
    """Remove an approved entry: the engine translates that sentence again."""
    try:
        services().record.memory.delete_entry(entry_id, actor())
    except RecordError as error:
        return _back(error.korean or "처리할 수 없습니다.", "error")
    return _back("번역 메모리에서 삭제했습니다.")


def _query() -> dict[str, str]:
    """The page's search, carried through a button and back."""
    return {k: v[:200] for k, v in request.args.items() if k in ("q", "language", "status", "page")}


def _back(message: str, category: str = "ok") -> Any:
    flash(message, category)
    target = url_for("admin_memory.memory", **_query())  # type: ignore[arg-type]  # str values
    return redirect(target, code=303)
