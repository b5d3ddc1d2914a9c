"""Who may open the agent pages, and what the agent's pages share after a button or a link.

Who may act on a thread is the record's rule (transcripts.policy), checked by each use case;
the signed-in person comes from relay.auth (`actor`, `me`, `is_admin`), re-exported here for
the agent views."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for

from relay.auth import actor, is_admin, me, role_required
from transcripts.models import Role

__all__ = [
    "actor",
    "admin_required",
    "agent_required",
    "back_to_thread",
    "is_admin",
    "me",
    "page_number",
    "wants_fragment",
]

agent_required = role_required(Role.AGENT, Role.ADMIN)
admin_required = role_required(Role.ADMIN)


def back_to_thread(conversation_id: int, message: str, category: str = "ok") -> Any:
    """After a button: the thread again, with a sentence saying what happened."""
    flash(message, category)
    return redirect(url_for("agent_thread.thread", conversation_id=conversation_id), code=303)


def wants_fragment() -> bool:
    """htmx asks for a fragment; a plain request (or a test) gets the whole page."""
    return request.headers.get("HX-Request") == "true"


def page_number(raw: str | None) -> int:
    """A 1-based page from a query string; anything else (odd digits, huge numbers) is page 1."""
    if raw and raw.isascii() and raw.isdigit() and len(raw) <= 9 and int(raw) > 0:
        return int(raw)
    return 1
