"""Pages anyone may open: the home page, health, the reply page a link in an SMS points to, and
the recorded voice prompts Twilio fetches for `<Play>`."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_login import current_user
from sqlalchemy import text

from languages import registry
from relay.agent.stream import AGENTS, RESIDENTS, feed_slots
from relay.delivery import NO_DELIVERY_REASON, Delivery, delivery
from relay.engines import Readiness
from relay.services import Services, services
from relay.voice.prompts import AUDIO_SUFFIXES, PROMPT_IDS
from transcripts import repository

bp = Blueprint("public", __name__)
log = logging.getLogger(__name__)


def index() -> Any:
    """Agents go to their work; everyone else to sign-in."""
    if current_user.is_authenticated:
        return render_template("home.html")
    return redirect(url_for("auth.login"))


@bp.get("/r/<token>")
def reply_page(token: str) -> Any:
    """The link in an SMS: the conversation's chat page while it is open (the resident reads
    the whole reply and answers there), else just that reply in the resident's language."""
    if len(token) > 64:
        abort(404)
    secret = services().record.chat.link_reply(token)
    if secret is not None:
        from relay.chat.pages import enter_with

        return enter_with(secret)
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
    """200 `{"status": "ok"}` when the service can take messages (database and queue answer),
    else 503 `{"status": "unavailable"}`, with one word on the language models ("loading",
    "ready"...), and `"delivery": "outbox"` (or "none") when replies reach no resident.

    Anyone may ask (load balancers, uptime monitors), so that answer names no host, backend or
    error; the checks behind it go only to an admin, signed in or with an admin's bearer token.
    """
    svc = services()
    checks: dict[str, Any] = {
        "database": _database_check(svc),
        "queue": _queue_check(svc),
        "models": {**svc.languages.status(), "warm_up": svc.languages.warm_up_status()},
        "delivery": _delivery_check(),
        # This process's open agent feeds against its limit: the figure to watch for refusals.
        "live_feeds": _feeds_check(),
    }
    healthy = checks["database"]["ok"] and checks["queue"]["ok"]
    body: dict[str, Any] = {
        "status": "ok" if healthy else "unavailable",
        "models": _models_word(checks["models"]),
    }
    if not checks["delivery"]["ready_for_residents"]:
        # Up, but no reply reaches a resident: a monitor must not read this as all well.
        body["delivery"] = checks["delivery"]["mode"]
    if current_user.is_authenticated and current_user.is_admin:
        body["checks"] = checks
    response = jsonify(body)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"  # an admin's answer must not be kept
    response.vary.add("Authorization")
    return response


def _database_check(svc: Services) -> dict[str, Any]:
    try:
        with svc.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure here is the answer, not a crash
        log.warning("health: the database does not answer", exc_info=True)
        return {"ok": False, "error": str(error)}
    return {"ok": True, "backend": svc.engine.dialect.name}


def _queue_check(svc: Services) -> dict[str, Any]:
    try:
        pending = svc.huey.pending_count()
    except Exception as error:
        log.warning("health: the queue does not answer", exc_info=True)
        return {"ok": False, "error": str(error)}
    return {
        "ok": True,
        "backend": type(svc.huey).__name__,
        "pending": pending,
        "consumer": "embedded" if "relay.consumer" in current_app.extensions else "external",
        # The embedded consumer's own process (None when it runs as threads in this one).
        "consumer_pid": getattr(current_app.extensions.get("relay.consumer"), "pid", None),
    }


def _delivery_check() -> dict[str, Any]:
    """How replies leave; only Twilio reaches residents (the outbox holds, "none" fails)."""
    chosen = delivery(current_app.config)
    ready = chosen is Delivery.TWILIO
    check: dict[str, Any] = {"mode": chosen.value, "ready_for_residents": ready}
    if chosen is Delivery.OUTBOX:
        check["note"] = "not ready for residents: replies are held in the outbox, never sent"
    elif chosen is Delivery.NONE:
        check["note"] = "not ready for residents: " + NO_DELIVERY_REASON
    return check


def _feeds_check() -> dict[str, int]:
    slots, pages = feed_slots(current_app, AGENTS), feed_slots(current_app, RESIDENTS)
    return {
        "open": slots.open,
        "limit": slots.limit,
        "chat_open": pages.open,
        "chat_limit": pages.limit,
    }


def _models_word(models: dict[str, Any]) -> str:
    """One word for everyone: "missing" when no translation model is installed, else how
    loading them in this process is going (`Readiness`: "unloaded" means no warm-up here, as
    in a web process whose jobs run in `flask worker`; models then load on first use)."""
    state: str = models["warm_up"]["state"]
    if state != Readiness.FAILED and not models["pairs"]:
        return "missing"
    return state
