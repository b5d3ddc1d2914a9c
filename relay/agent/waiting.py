"""The queue: conversations waiting for an agent, the agent's own threads, and claiming.

The page renders the newest event id it has seen; the live feed resumes from there, so nothing
that happens between rendering and connecting is missed.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from relay.agent.access import actor, agent_required, me, page_number, wants_fragment
from relay.agent.presenters import (
    CHANNEL_LABELS,
    MIN_LANGUAGE_PROBABILITY,
    language_label,
    quality_warnings,
)
from relay.agent.reply_language import reply_language_choices
from relay.services import services
from transcripts import listings as queue_reads
from transcripts import repository
from transcripts.agent_actions import ClaimOutcome
from transcripts.db import utcnow
from transcripts.errors import NotFoundError
from transcripts.policy import is_blocked

bp = Blueprint("agent_queue", __name__, url_prefix="/agent")


def _rows(session: Any, conversations: Any) -> list[dict[str, Any]]:
    """What the queue shows per conversation, from two queries for the whole page."""
    last = repository.last_messages(session, [c.id for c in conversations])
    names = queue_reads.usernames(session, [c.claimed_by_id for c in conversations])
    now = utcnow()
    rows = []
    for conversation in conversations:
        message = last.get(conversation.id)
        preview = ""
        if message is not None:
            if message.direction.value == "inbound":
                preview = message.translated_text or message.original_text
            else:
                preview = f"↩ {message.original_text}"
        rows.append(
            {
                "c": conversation,
                "language": language_label(conversation.language),
                "preview": preview[:140],
                "preview_is_korean": bool(
                    message is not None
                    and (message.direction.value == "outbound" or message.translated_text)
                ),
                "warnings": quality_warnings(message) if message is not None else [],
                # The resident's latest words, for the unread marker on the agent's own rows.
                "resident_at": (
                    message.created_at
                    if message is not None and message.direction.value == "inbound"
                    else None
                ),
                "holder": names.get(conversation.claimed_by_id or 0),
                "blocked": is_blocked(conversation.contact, now),
            }
        )
    return rows


def _page_number() -> int:
    return page_number(request.args.get("page"))


#: The queue's filter fields, as the query string names them.
_FILTER_ARGS = ("q", "language", "channel", "interpreter", "warning")


def _queue_filter() -> tuple[queue_reads.QueueFilter, dict[str, str]]:
    """The agent's filters from the query string (anything not offered is ignored), and the
    arguments that keep them across the live refresh and the pager."""
    args = {name: (request.args.get(name) or "").strip()[:100] for name in _FILTER_ARGS}
    languages = {code for code, _label in reply_language_choices() if code != "interpreter"}
    if args["language"] not in languages:
        args["language"] = ""
    if args["channel"] not in CHANNEL_LABELS:
        args["channel"] = ""
    for flag in ("interpreter", "warning"):
        args[flag] = "1" if args[flag] == "1" else ""
    filters = queue_reads.QueueFilter(
        text=args["q"],
        language=args["language"],
        channel=args["channel"],
        needs_interpreter=bool(args["interpreter"]),
        quality_warning=bool(args["warning"]),
        doubt_below=MIN_LANGUAGE_PROBABILITY,
    )
    return filters, {name: value for name, value in args.items() if value}


def _render(status: int = 200, notice: str | None = None) -> Any:
    filters, filter_args = _queue_filter()
    with services().sessions() as session:
        waiting = queue_reads.waiting(session, page=_page_number(), filters=filters)
        context = {
            "waiting": waiting,
            "rows": _rows(session, waiting.conversations),
            "mine": _rows(session, queue_reads.claimed_by(session, me(), filters=filters)),
            "last_event_id": repository.latest_event_id(session),
            "notice": notice,
            "filters": filters,
            "filter_args": filter_args,
            "filter_languages": [
                (code, label) for code, label in reply_language_choices() if code != "interpreter"
            ],
        }
        template = "agent/_queue.html" if wants_fragment() else "agent/queue.html"
        return render_template(template, **context), status


@bp.get("/")
@agent_required
def queue() -> Any:
    """The waiting queue and the agent's own threads."""
    return _render()


@bp.get("/queue")
@agent_required
def queue_fragment() -> Any:
    """The queue's lists alone, for the live refresh."""
    return _render()


@bp.post("/conversations/<int:conversation_id>/claim")
@agent_required
def claim(conversation_id: int) -> Any:
    """Take a waiting conversation; when someone was faster, say who."""
    try:
        result = services().record.agents.claim(conversation_id, actor())
    except NotFoundError:
        return _render(404, f"{conversation_id}번 대화가 없습니다.")
    if result.won:
        return redirect(url_for("agent_thread.thread", conversation_id=conversation_id), code=303)
    if result.outcome is ClaimOutcome.CLOSED:
        return _back_to_queue(f"{conversation_id}번 대화는 이미 종료되었습니다.")
    return _back_to_queue(
        f"{conversation_id}번 대화는 이미 {result.claimed_by_name} 상담원이 맡았습니다."
    )


def _back_to_queue(notice: str) -> Any:
    """The claim-race loser lands on the queue (a GET page, safe to reload) with the reason, not
    on the POST's URL, where a reload would ask to send the form again."""
    flash(notice, "error")
    return redirect(url_for("agent_queue.queue"), code=303)
