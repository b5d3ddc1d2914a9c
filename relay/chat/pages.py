"""The resident's chat pages: /chat starts a conversation, /chat/c shows and continues it.

Each view parses, calls one use case of `services().record.chat` and renders, in the
resident's language. The conversation is reached only through its secret: in the link
(/chat/c/<secret>, or an SMS reply link /r/<token> that mints one), then in an HttpOnly,
SameSite cookie; every use case checks it again, so a forged, revoked or purged secret opens
nothing. Everything works without JavaScript (plain form posts, CSRF-protected); chat.js adds
the live feed, the typing sign and the delivered/read acknowledgements.
"""

from __future__ import annotations

import json
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response as WerkzeugResponse

from relay.agent.stream import RESIDENTS, live_feed, start_id
from relay.centre_time import centre_zone
from relay.chat import wording
from relay.chat.feed import chat_stream
from relay.chat.problems import problem_page, problem_text, render_problem
from relay.errors import STATUS
from relay.services import services
from transcripts.chat import ChatView
from transcripts.errors import ChatEndedError, ChatLimitError, ChatMessageError, RecordError
from transcripts.models import Author
from transcripts.outbound import ReplyDraft
from transcripts.policy import MAX_CHAT_MESSAGE_CHARS

bp = Blueprint("chat", __name__, url_prefix="/chat")
COOKIE = "relay_chat"
COOKIE_DAYS = 30
MAX_SECRET_CHARS = 64
MAX_CALLBACK_CHARS = 32


def _language() -> str:
    return wording.page_language(request.args.get("lang"), list(request.accept_languages))


def _address() -> str:
    return request.remote_addr or "unknown"


def _secret() -> str:
    value = request.cookies.get(COOKIE, "")
    return value if 0 < len(value) <= MAX_SECRET_CHARS and value.isascii() else "-"


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.get("")
def start_page() -> Any:
    """The public start page, in the language asked for or the browser's."""
    return _start_form(_language())


def _start_form(language: str, *, error: str = "", text: str = "", status: int = 200) -> Any:
    return render_template(
        "chat/start.html",
        lang=language,
        w=wording.words(language),
        choices=wording.choices(),
        error=error,
        text=text,
        limit=MAX_CHAT_MESSAGE_CHARS,
    ), status


@bp.post("")
def start() -> Any:
    """Start a web conversation with the first message; the answer sets the page's cookie."""
    form = request.form
    language = form.get("language", "")
    if language not in wording.PAGE_CODES:
        language = _language()
    text = form.get("text", "")
    callback = _callback(form.get("callback", ""))
    svc = services()
    try:
        started = svc.record.chat.start(
            language, text, _address(), callback, receipt=_receipt(language)
        )
    except (ChatMessageError, ChatLimitError) as error:
        status = 429 if isinstance(error, ChatLimitError) else 400
        return _start_form(language, error=problem_text(error, language), text=text, status=status)
    _enqueue(started.message_id if started.needs_work else None, started.receipt_id)
    assert started.secret is not None
    return _enter(started.secret)


def _callback(raw: str) -> str | None:
    """A call-back number as typed (digits, +, spaces, dashes), or None."""
    value = raw.strip()[:MAX_CALLBACK_CHARS]
    allowed = set("+0123456789 -()")
    return value if value and set(value) <= allowed and any(c.isdigit() for c in value) else None


def _receipt(language: str) -> ReplyDraft | None:
    """The receipt shown at once on a new chat, human-written, unless receipts are off."""
    config = current_app.config
    if not config["SMS_ACKNOWLEDGEMENT"]:
        return None
    from transcripts.db import utcnow

    korean, text = wording.receipt(language, staffed=config["SERVICE_HOURS"].staffed(utcnow()))
    return ReplyDraft(
        korean_text=korean, language=language, translated_text=text, machine_translation=None,
        back_translation=None, engine=Author.AUTOMATIC.value, model="chat_receipt", pivot=None,
        translation_ms=0.0, delivered_body=text, sms_encoding="", sms_segments=0,
        undeliverable_chars="", author=Author.AUTOMATIC,
    )  # fmt: skip


def _enqueue(message_id: int | None, receipt_id: int | None) -> None:
    jobs = services().jobs
    if receipt_id is not None:
        jobs.send_outbound(receipt_id)
    if message_id is not None:
        jobs.translate_inbound(message_id)


@bp.get("/c/<secret>")
def enter(secret: str) -> Any:
    """A chat link: check the secret, keep it in the cookie, show the conversation."""
    if len(secret) > MAX_SECRET_CHARS or not secret.isascii():
        return problem_page(RecordError("bad secret"), 404)
    services().record.chat.conversation_of(secret)
    return _enter(secret)


def enter_with(secret: str) -> WerkzeugResponse:
    """The chat page for a secret just minted (an SMS reply link opening the conversation)."""
    return _enter(secret)


def _enter(secret: str) -> WerkzeugResponse:
    """Keep `secret` in the page's cookie and go to the conversation (303, so a reload or the
    back button never posts again and the secret leaves the address bar)."""
    response = redirect(url_for("chat.conversation"), code=303)
    response.set_cookie(
        COOKIE,
        secret,
        max_age=COOKIE_DAYS * 24 * 3600,
        path="/chat",
        secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
        httponly=True,
        samesite="Lax",
    )
    return response


@bp.get("/c")
def conversation() -> Any:
    """The whole conversation in the resident's language."""
    view = services().record.chat.view(_secret())
    return render_conversation(view)


def render_conversation(view: ChatView, *, error: str = "", status: int = 200) -> Any:
    language = wording.spoken(view.language) or _language()
    w = wording.words(language)
    return render_template(
        "chat/conversation.html",
        lang=language,
        w=w,
        view=view,
        error=error,
        limit=MAX_CHAT_MESSAGE_CHARS,
        interpreter=wording.INTERPRETER_NOTICE,
        labels=json.dumps(
            {k: w[k] for k in ("you", "agent", "received", "sent", "delivered", "read", "by_sms")}
            | {
                "interpreter_en": wording.INTERPRETER_NOTICE[0],
                "interpreter_ko": wording.INTERPRETER_NOTICE[1],
            },
            ensure_ascii=False,
        ),
    ), status


@bp.post("/c/messages")
def post_message() -> Any:
    """A resident's message from the page (a plain form post, or chat.js asking for JSON)."""
    secret = _secret()
    svc = services()
    try:
        posted = svc.record.chat.post(secret, request.form.get("text", ""), _address())
    except (ChatMessageError, ChatLimitError) as error:
        status = 429 if isinstance(error, ChatLimitError) else 400
        view = svc.record.chat.view(secret)
        text = problem_text(error, wording.spoken(view.language) or _language())
        if _wants_json():
            return {"error": text}, status
        return render_conversation(view, error=text, status=status)
    _enqueue(posted.message_id if posted.needs_work else None, None)
    if _wants_json():
        return {"message_id": posted.message_id}, 202
    return redirect(url_for("chat.conversation"), code=303)


@bp.post("/c/seen")
def seen() -> Any:
    """chat.js says which replies reached the open page and which it showed."""
    payload = request.get_json(silent=True)
    payload = payload if isinstance(payload, dict) else {}

    def ids(key: str) -> list[int]:
        values = payload.get(key)
        if not isinstance(values, list):
            return []
        return [v for v in values[:200] if isinstance(v, int) and 0 < v < 2**62]

    services().record.chat.seen(_secret(), ids("delivered"), ids("read"))
    return Response(status=204)


@bp.get("/c/events")
def events() -> Any:
    """The conversation's live feed for the open page (Server-Sent Events)."""
    svc = services()
    view = svc.record.chat.view(_secret())  # the page's language is the conversation's
    words = wording.words(wording.spoken(view.language) or _language())
    zone = centre_zone()  # read here: the stream runs after the request's context is gone
    return live_feed(
        lambda **timing: chat_stream(
            svc.sessions, view.conversation_id, start_id(), zone=zone, **timing
        ),
        words["offline"],
        RESIDENTS,
    )


@bp.after_request
def _private(response: Response) -> Response:
    """A chat page is one resident's conversation: no cache keeps it, no index lists it, and
    its address goes to no other site."""
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.errorhandler(CSRFError)
def _csrf_failed(_error: CSRFError) -> Any:
    """An expired or missing form token: a page in the resident's language, not an English
    400; it names the refusal (CSRF) so a helper reading it over their shoulder knows why.
    The language is the one the start form chose, or the open conversation's."""
    if request.endpoint == "chat.start":
        language = wording.spoken(request.form.get("language")) or _language()
    else:
        language = _open_conversation_language() or _language()
    return render_problem("expired", 400, language, code="CSRF")


def _open_conversation_language() -> str | None:
    """The language of the conversation the page's cookie opens, if it opens one the page
    speaks (a closed one still says its language); None otherwise."""
    try:
        return wording.spoken(services().record.chat.view(_secret()).language)
    except ChatEndedError as ended:
        return wording.spoken(ended.language)
    except RecordError:
        return None


for _kind, _status in STATUS:
    bp.register_error_handler(_kind, problem_page)
