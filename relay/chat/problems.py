"""The chat's error pages: what a resident reads when a link, a post or an address fails.

A resident who cannot read English must never meet Flask's English "Not Found" or a stack
trace, on a mistyped /chat/... address, an old /r/ link or a closed conversation alike. Each
answer is in the resident's language: the conversation's when the error knows it (Korean
included), else the one the page or the browser asks for; when nothing names one of the five or
Korean, the page says it in all six (the five and Korean), each in its own script. chat.js gets
the same sentence as JSON.
"""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from werkzeug.exceptions import HTTPException

from relay.chat import wording
from relay.errors import status_of
from transcripts.errors import ChatEndedError, ChatLimitError, ChatMessageError, NotFoundError
from transcripts.policy import MAX_CHAT_MESSAGE_CHARS

#: The page's words for each HTTP status the chat answers with a page of its own.
HTTP_WORDS = {
    400: "expired",
    404: "not_found",
    405: "not_found",
    410: "ended",
    429: "limited",
    413: "too_long",
}


def request_language() -> str | None:
    """The language `?lang=` or the browser names among the five, else Korean if it asks for
    Korean, else None."""
    return wording.known_language(request.args.get("lang"), list(request.accept_languages))


def wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def problem_text(error: Exception, language: str | None) -> str:
    """The sentence for a domain error, in `language`."""
    w = wording.words(language)
    if isinstance(error, ChatLimitError):
        return w["limited"]
    if isinstance(error, ChatMessageError) and error.reason == "too_long":
        return w["too_long"].format(limit=MAX_CHAT_MESSAGE_CHARS)
    if isinstance(error, ChatMessageError):
        return w["empty"]
    if isinstance(error, ChatEndedError):
        return w["ended"]
    return w["not_found"]


def render_problem(key: str, status: int, language: str | None, code: str = "") -> Any:
    """The page saying `wording.WORDS[...][key]`, in `language` or, when None, in every page
    language."""
    languages = [language] if language else [page.code for page in wording.PAGE_LANGUAGES]
    notes = [
        (code_, wording.words(code_)[key].format(limit=MAX_CHAT_MESSAGE_CHARS))
        for code_ in languages
    ]
    if wants_json() or request.path.endswith(("/seen", "/events")):
        body = {"error": notes[0][1]}
        return (body | {"code": code} if code else body), status
    page = render_template(
        "chat/problem.html",
        lang=language or "mul",  # ISO 639 "multiple languages"; each note carries its own
        w=wording.words(language),
        notes=[(lang, wording.words(lang), text) for lang, text in notes],
        code=code,
    )
    return page, status


def problem_page(error: Exception, status: int | None = None) -> Any:
    """A domain error raised under /chat, answered for a resident (registered on the chat's
    blueprint for each error relay/errors.py maps, with the same status)."""
    status = status or status_of(error)
    language = wording.spoken(getattr(error, "language", None)) or request_language()
    key = {410: "ended", 429: "limited"}.get(status, "not_found")
    if isinstance(error, ChatMessageError):
        key = "too_long" if error.reason == "too_long" else "empty"
    elif isinstance(error, NotFoundError):
        key = "not_found"
    return render_problem(key, status, language)


def http_problem_page(error: HTTPException) -> Any:
    """An HTTP error under /chat or on an /r/ link (an address that matches no page, a
    method a page does not take, a link that is not one): the chat's page, not Flask's."""
    status = error.code or 500
    return render_problem(HTTP_WORDS.get(status, "sending_failed"), status, request_language())


def too_large_page() -> Any:
    """A body over the chat's cap (relay/body_limits.py): "too long", in the resident's
    language."""
    return problem_page(ChatMessageError("body too large", "too_long"), 413)
