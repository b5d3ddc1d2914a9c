"""Pages anyone may open: the home page, health, the reply page a link in an SMS points to, and
the recorded voice prompts Twilio fetches for `<Play>`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_login import current_user
from sqlalchemy import text

from languages import registry
from relay.agent.stream import feed_slots
from relay.services import services
from relay.voice.prompts import AUDIO_SUFFIXES, PROMPT_IDS
from transcripts import repository

bp = Blueprint("public", __name__)


def index() -> Any:
    """Agents go to their work; everyone else to sign-in."""
    if current_user.is_authenticated:
        return render_template("home.html")
    return redirect(url_for("auth.login"))


@bp.get("/r/<token>")
def reply_page(token: str) -> Any:
    """A reply too long or with characters SMS cannot carry, shown in the resident's language."""
    if len(token) > 64:
        abort(404)
    with services().sessions() as session:
        message = repository.message_by_reply_token(session, token)
        if message is None:
            abort(404)
        language = registry.get(message.translated_language or "en")
        return render_template("reply.html", message=message, language=language)


@bp.after_request
def _reply_page_is_private(response: Response) -> Response:
    """A reply page is one resident's message behind an unguessable link: no shared cache may
    keep it, no search engine index it, and its address (the token) goes to no other site."""
    if request.endpoint == "public.reply_page":
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/prompts/<language>/<name>")
def prompt_audio(language: str, name: str) -> Response:
    """A provided prompt recording (the Mongolian menu, say), fetched by Twilio for <Play>.

    The same words for every caller and nothing personal, so it is public and cacheable like a
    static file, not a webhook: asking a media fetch for a signature would silence the menu
    if Twilio did not send one. Only known prompts of supported languages are served.
    """
    stem, _, suffix = name.rpartition(".")
    if language not in registry.RESIDENT_CODES or stem not in PROMPT_IDS:
        abort(404)
    if f".{suffix}" not in AUDIO_SUFFIXES:
        abort(404)
    folder = Path(current_app.config["VOICE_PROMPTS_PATH"]) / language
    return send_from_directory(folder, name, max_age=3600)


@bp.get("/healthz")
def healthz() -> Any:
    """Database, queue and models: 200 when the service can take and translate messages."""
    svc = services()
    checks: dict[str, Any] = {}
    healthy = True
    try:
        with svc.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = {"ok": True, "backend": svc.engine.dialect.name}
    except Exception as error:  # any failure here is the answer, not a crash
        healthy = False
        checks["database"] = {"ok": False, "error": str(error)}
    try:
        checks["queue"] = {
            "ok": True,
            "backend": type(svc.huey).__name__,
            "pending": svc.huey.pending_count(),
            "consumer": "embedded" if svc.consumer is not None else "external",
        }
    except Exception as error:
        healthy = False
        checks["queue"] = {"ok": False, "error": str(error)}
    checks["models"] = svc.languages.status()
    checks["twilio"] = {"outbox_only": current_app.config["OUTBOX_ONLY"]}
    # This process's open agent feeds against its limit: the figure to watch for refusals.
    slots = feed_slots(current_app)
    checks["live_feeds"] = {"open": slots.open, "limit": slots.limit}
    return {"ok": healthy, "checks": checks}, (200 if healthy else 503)
