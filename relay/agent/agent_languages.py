"""Admins giving agents their languages, from whichever page they do it on.

The supervisor's live view and the accounts page both set the languages an agent serves; both
read the form here and call the floor's one use case here, so the choices offered, the
record's rule and what follows a change (automatic assignment looking again) cannot drift
apart between the two pages.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app

from relay.agent.access import actor
from relay.agent.floor_labels import AGENT_LANGUAGES, language_name
from relay.services import services

#: The codes an admin may tick: the five residents' languages and Korean.
OFFERED: frozenset[str] = frozenset(language.code for language in AGENT_LANGUAGES)


def chosen_languages(values: Iterable[str]) -> frozenset[str]:
    """The ticked boxes of a form that are languages relay offers (anything else is dropped)."""
    return frozenset(values) & OFFERED


def save_agent_languages(user_id: int, values: Iterable[str]) -> tuple[str, ...]:
    """Set the languages of agent `user_id` from a form's ticked boxes; returns them sorted.

    With automatic assignment on, a waiting contact in a language just given to an available
    agent is assigned now rather than at the next minute's sweep."""
    svc = services()
    kept = svc.record.floor.set_languages(actor(), user_id, set(chosen_languages(values)))
    if kept and current_app.config["AUTO_ASSIGN"]:
        svc.jobs.auto_assign()
    return kept


def languages_said(codes: Iterable[str]) -> str:
    """The languages in Korean words for a confirmation ("영어, 베트남어", or "없음")."""
    return ", ".join(language_name(code) for code in codes) or "없음"
