"""Admin review: every conversation, searchable by text and phone, filtered by language,
channel, status and interpreter need; each row links to the thread and its audit trail."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from languages import registry
from relay.agent.access import actor, admin_required, page_number
from relay.agent.audit_view import accounts_named, audit_rows
from relay.agent.presenters import DISPOSITION_LABELS, language_label
from relay.centre_time import centre_zone
from relay.services import services
from transcripts import listings as queue_reads
from transcripts import repository

bp = Blueprint("admin", __name__, url_prefix="/admin")


def review_filter(args: Mapping[str, str]) -> queue_reads.ReviewFilter:
    """The review list's filters from a query string or form (the export form repeats them)."""
    return queue_reads.ReviewFilter(
        text=(args.get("q") or "")[:200],
        phone=(args.get("phone") or "")[:64],
        language=args.get("language") or "",
        channel=args.get("channel") or "",
        status=args.get("status") or "",
        needs_interpreter=args.get("interpreter") == "1",
    )


@bp.get("/conversations")
@admin_required
def conversations() -> Any:
    """The review list (50 per page)."""
    args = request.args
    filters = review_filter(args)
    with services().sessions() as session:
        page = queue_reads.review(session, filters, page=page_number(args.get("page")))
        last = repository.last_messages(session, [c.id for c in page.conversations])
        names = queue_reads.usernames(session, [c.claimed_by_id for c in page.conversations])
        rows = [
            {
                "c": c,
                "language": language_label(c.language),
                "last": last.get(c.id),
                "holder": names.get(c.claimed_by_id or 0),
            }
            for c in page.conversations
        ]
        query = {k: v for k, v in args.items() if k != "page"}
        return render_template(
            "admin/conversations.html",
            page=page,
            rows=rows,
            filters=filters,
            languages=registry.RESIDENT_LANGUAGES,
            query=query,
            zone=centre_zone().key,
            dispositions=DISPOSITION_LABELS,
        )


@bp.get("/conversations/<int:conversation_id>/audit")
@admin_required
def audit(conversation_id: int) -> Any:
    """Everything that happened to one conversation, with who did it."""
    with services().sessions() as session:
        conversation = repository.get_conversation(session, conversation_id)
        if conversation is None:
            abort(404)
        events = queue_reads.audit_trail(session, conversation_id)
        names = queue_reads.usernames(session, sorted(accounts_named(events)))
        rows = audit_rows(events, names)
        return render_template("admin/audit.html", c=conversation, rows=rows)


@bp.post("/conversations/<int:conversation_id>/unblock")
@admin_required
def unblock(conversation_id: int) -> Any:
    """Lift a number's block before it runs out (audited)."""
    with services().sessions() as session:
        conversation = repository.get_conversation(session, conversation_id)
        if conversation is None:
            abort(404)
        contact_id = conversation.contact_id
    services().record.agents.unblock(contact_id, actor())
    flash("차단을 해제했습니다.", "ok")
    return redirect(url_for("agent_thread.thread", conversation_id=conversation_id), code=303)
