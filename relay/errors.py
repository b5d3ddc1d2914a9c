"""Errors become HTTP answers here, in one place.

Views and jobs let the record's errors (transcripts.errors) and the language engines' errors
rise; this module answers them: a JSON object with an `error` string under /api and /twilio,
and for the staff's pages a sentence in Korean, shown on the thread the agent acted on (or an
error page when there is no thread to go back to). HTTP errors under /api (an id past what the
database holds, a method the route does not take, a role that may not call it) answer as JSON
too, so an API client never parses an HTML page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, flash, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from languages.engine import ModelMissingError, TranslationError
from languages.phrasebook import UnknownEntryError
from transcripts.errors import (
    ChatEndedError,
    ChatLimitError,
    ChatMessageError,
    ConversationClosedError,
    NotActionableError,
    NotFoundError,
    NotYoursError,
    RecordError,
)

log = logging.getLogger(__name__)

#: HTTP status of each domain error (the first matching class in this order wins).
STATUS: tuple[tuple[type[Exception], int], ...] = (
    (NotFoundError, 404),
    (ChatEndedError, 410),
    (ChatLimitError, 429),
    (ChatMessageError, 400),
    (NotYoursError, 409),
    (ConversationClosedError, 409),
    (NotActionableError, 409),
    (RecordError, 409),
    (UnknownEntryError, 400),
    (ModelMissingError, 503),
    (TranslationError, 502),
)

#: What staff read when the error carries no Korean sentence of its own.
KOREAN: dict[int, str] = {
    400: "요청을 처리할 수 없습니다. 입력을 확인해 주세요.",
    404: "찾는 대화나 메시지가 없습니다.",
    409: "지금 상태에서는 할 수 없는 작업입니다.",
    502: "번역에 실패했습니다. 잠시 후 다시 시도해 주세요.",
    503: "번역 모델이 설치되어 있지 않습니다. 관리자에게 알려 주세요.",
}


#: HTTP errors an API client may meet that no domain error explains.
HTTP_KOREAN: dict[int, str] = {
    401: "로그인이 필요합니다.",
    403: "이 작업을 할 권한이 없습니다.",
    405: "이 주소에서는 할 수 없는 요청입니다.",
    413: "보낸 내용이 너무 큽니다.",
    415: "JSON으로 보내세요.",
    429: "요청이 너무 많습니다. 잠시 후 다시 하세요.",
    500: "서버 오류가 났습니다. 잠시 후 다시 하세요.",
}


def status_of(error: Exception) -> int:
    """The HTTP status a domain error answers with."""
    for kind, status in STATUS:
        if isinstance(error, kind):
            return status
    return 500


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/twilio/"))


def _api_text(error: Exception) -> str:
    if isinstance(error, ModelMissingError):
        return str(error)
    if isinstance(error, TranslationError):
        return f"translation failed: {error}"
    return str(error)


def domain_error(error: Exception) -> Any:
    """Answer a domain error the way the page or client that caused it can use."""
    status = status_of(error)
    korean = getattr(error, "korean", None) or KOREAN.get(status, KOREAN[400])
    if request.path.startswith("/api/"):
        # Agents read these in the reply box: Korean, with the record's own words beside it.
        return {"error": korean, "detail": _api_text(error)}, status
    if _wants_json():
        return {"error": _api_text(error)}, status
    conversation_id = (request.view_args or {}).get("conversation_id")
    if conversation_id is not None and status != 404 and request.method == "POST":
        flash(korean, "error")
        target = url_for("agent_thread.thread", conversation_id=conversation_id)
        return redirect(target, code=303)
    return Response(render_template("error.html", status=status, message=korean), status=status)


#: app.extensions key: (path prefix, page) pairs whose HTTP errors a channel answers itself.
HTTP_ERROR_PAGES = "relay.http_error_pages"


def answer_http_errors_under(
    app: Flask, prefixes: tuple[str, ...], page: Callable[[HTTPException], Any]
) -> None:
    """Let a part of the site answer its own HTTP errors (a 404 for an address no route
    matches is raised before any blueprint is known, so a blueprint handler never sees it):
    the residents' chat, whose readers must not get Flask's English page."""
    app.extensions.setdefault(HTTP_ERROR_PAGES, []).extend((prefix, page) for prefix in prefixes)


def _json_under_api(error: HTTPException) -> Any:
    """An HTTP error as JSON under /api; under a prefix a channel took, its page; elsewhere
    the staff's error page in Korean (Flask's own is in English)."""
    if request.path.startswith("/api/"):
        code = error.code or 500
        korean = KOREAN.get(code) or HTTP_KOREAN.get(code, "요청을 처리하지 못했습니다.")
        return {"error": korean, "detail": error.description or error.name}, code
    for prefix, page in current_app.extensions.get(HTTP_ERROR_PAGES, ()):
        if request.path.startswith(prefix):
            return page(error)
    code = error.code or 500
    if code < 400:  # a routing redirect, not an error
        return error
    korean = KOREAN.get(code) or HTTP_KOREAN.get(code, "요청을 처리하지 못했습니다.")
    if isinstance(error, CSRFError):
        korean = "이 화면의 보안 토큰(CSRF)이 만료되었습니다. 새로 고친 뒤 다시 하세요."
    elif code == 404 and request.url_rule is None:
        # No page has this address (a mistyped or old link), which is not a missing record.
        korean = "찾는 화면이 없습니다. 주소를 확인해 주세요."
    page = render_template("error.html", status=code, message=korean)
    headers = [(k, v) for k, v in error.get_headers() if k.lower() not in ("content-type",)]
    return Response(page, status=code, headers=headers)


def register_error_handlers(app: Flask) -> None:
    """Let every blueprint raise domain errors and get the same answer for each, and answer
    HTTP errors under /api in JSON (a handler for one error, as for 413, still wins)."""
    for kind, _status in STATUS:
        app.register_error_handler(kind, domain_error)
    app.register_error_handler(HTTPException, _json_under_api)
