"""Browser-facing responses carry a Content-Security-Policy that forbids inline script, refuse
to be framed, are not sniffed, keep their address to this site, and no template relies on
inline script that the policy would block."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from relay.services import services
from tests.relay.agent_helpers import post_form, sign_in
from tests.support.app_fixtures import Webhooks, drain
from transcripts.models import Conversation

TEMPLATES = Path(__file__).resolve().parents[2] / "relay" / "templates"


def _directives(policy: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            found[words[0].lower()] = words[1:]
    return found


def assert_protected(response: object, what: str) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    policy = headers.get("Content-Security-Policy")
    assert policy, f"{what}: no Content-Security-Policy"
    directives = _directives(policy)
    scripts = directives.get("script-src") or directives.get("default-src") or []
    assert "'self'" in scripts, f"{what}: {policy}"
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, policy
    assert directives.get("default-src") == ["'self'"], policy
    assert directives.get("object-src") == ["'none'"], policy
    assert directives.get("frame-ancestors") == ["'none'"], policy
    assert directives.get("base-uri") in (["'none'"], ["'self'"]), policy
    assert headers.get("X-Frame-Options") == "DENY", what
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("Referrer-Policy") in ("no-referrer", "same-origin"), what


def test_public_pages_carry_the_security_headers(app: Flask) -> None:
    client = app.test_client()
    assert_protected(client.get("/login"), "/login")
    assert_protected(client.get("/r/no-such-token"), "a 404 page")
    assert client.get("/healthz").headers.get("X-Content-Type-Options") == "nosniff"


def test_signed_in_pages_carry_the_security_headers(app: Flask) -> None:
    Webhooks(app.test_client()).sms("Where is my wallet?")
    drain(app)
    agent = sign_in(app, "agent1")
    assert_protected(agent.get("/agent/"), "the queue")
    assert_protected(agent.get("/dev/simulator"), "/dev/simulator")
    with services(app).sessions() as session:
        conversation_id = session.scalars(select(Conversation.id)).one()
    thread = f"/agent/conversations/{conversation_id}"
    post_form(agent, thread, f"{thread}/claim")
    page = agent.get(thread)
    assert page.status_code == 200
    assert_protected(page, "a thread")
    html = page.get_data(as_text=True)
    assert " onsubmit=" not in html and "onclick=" not in html
    assert "data-confirm=" in html  # the abuse button still asks before it warns


_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
_STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)


def test_no_template_has_inline_script_handlers_or_styles() -> None:
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert templates
    for path in templates:
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(TEMPLATES)
        assert not _INLINE_SCRIPT.search(text), f"{name}: inline <script> (use relay/static)"
        assert not _HANDLER.search(text), f"{name}: inline event handler attribute"
        assert "javascript:" not in text.lower(), f"{name}: javascript: URL"
        assert not _STYLE_ATTRIBUTE.search(text), f"{name}: inline style attribute"
