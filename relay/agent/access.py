"""Who may open the agent pages and who may act on a thread, in one place for every view."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_login import current_user

from relay.auth import role_required
from transcripts.models import Role
from transcripts.policy import Actor

agent_required = role_required(Role.AGENT, Role.ADMIN)
admin_required = role_required(Role.ADMIN)


def me() -> int:
    return int(current_user.id)


def is_admin() -> bool:
    return bool(current_user.is_authenticated and current_user.role is Role.ADMIN)


def actor() -> Actor:
    """The signed-in person, as the record's rules see them (transcripts.policy)."""
    return Actor(user_id=me(), is_admin=is_admin())


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
