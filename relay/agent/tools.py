"""Reference data the agent view reads on every page, loaded once per app on first use.

The per-pair quality notes and the abuse warnings are files reviewed like code; parsing them per
request would cost more than the page itself. The glossary and the phrasebook are edited by admins
on the web: they come from the app's reference books, rebuilt only when their version changes.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from flask import current_app

from languages import registry
from languages.glossary import Glossary
from languages.phrasebook import Phrasebook
from languages.quality import QualityNotes
from relay.services import services


class AbuseWarningsError(ValueError):
    """The abuse warnings file lacks a language relay serves."""


def load_abuse_warnings() -> dict[str, str]:
    """The centre's human-written warning in Korean and every resident language."""
    raw = json.loads(
        resources.files("languages.data").joinpath("abuse_warnings.json").read_text("utf-8")
    )
    texts = raw["texts"]
    missing = [lang.code for lang in registry.ALL_LANGUAGES if not texts.get(lang.code)]
    if missing:
        raise AbuseWarningsError(f"abuse_warnings.json has no text for {', '.join(missing)}")
    return {code: str(text) for code, text in texts.items()}


@dataclass
class AgentTools:
    """Lazily built, then shared read-only by every request of one app."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _cache: dict[str, Any] = field(default_factory=dict)

    def _get(self, name: str, build: Any) -> Any:
        with self._lock:
            if name not in self._cache:
                self._cache[name] = build()
            return self._cache[name]

    @property
    def glossary(self) -> Glossary:
        """The glossary in effect now (admins edit it on the web)."""
        return services().languages.books.glossary()

    @property
    def phrasebook(self) -> Phrasebook:
        """The phrasebook in effect now (admins edit it on the web)."""
        return services().languages.books.phrasebook()

    @property
    def quality(self) -> QualityNotes:
        return self._get("quality", QualityNotes.default)

    @property
    def abuse_warnings(self) -> dict[str, str]:
        return self._get("abuse", load_abuse_warnings)


def agent_tools() -> AgentTools:
    found: AgentTools = current_app.extensions["relay_agent"]
    return found
