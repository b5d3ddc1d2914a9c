"""Request body caps per route: each route accepts only as many bytes as its largest honest
request needs, and a larger body is refused with 413 before anything parses or stores it.

Flask's `request.max_content_length` (3.1+) is the limit Werkzeug enforces, but a cap set in a
`before_request` hook comes too late when another hook (CSRFProtect's) reads the form first, so
the cap belongs to the request itself. Werkzeug also treats a streamed (chunked) body without
Content-Length leniently: reading stops at the limit and the form is parsed from what was read,
so a longer body would arrive cut short instead of refused; such a body is read here one byte
past the cap and refused whole.
"""

from __future__ import annotations

import io
from typing import IO, Any

from flask import Flask, Response, current_app, request
from flask.wrappers import Request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property
from werkzeug.wsgi import get_input_stream

KIB = 1024
MIB = 1024 * KIB
# Path prefix → the most bytes a body may have there; the longest matching prefix wins.
ROUTE_LIMITS: tuple[tuple[str, int], ...] = (
    # Twilio's form posts: an SMS body is at most 1,600 characters (under 20 kB even when every
    # one is a percent-encoded emoji), plus a few dozen short parameters.
    ("/twilio/", 32 * KIB),
    # JSON replies of at most 1,600 characters, twice (Korean and an edited translation).
    ("/api/", 64 * KIB),
    # Admin corrections: a transcript and its Korean of up to 5,000 characters each.
    ("/admin/", 128 * KIB),
    # A resident's chat message: at most 2,000 characters, percent-encoded (9 bytes for one
    # CJK character), with its CSRF token.
    ("/chat", 32 * KIB),
    # The resident simulator's uploaded recording (relay.voice.simulator.MAX_UPLOAD_BYTES).
    ("/dev/simulator/call", 20 * MIB + 64 * KIB),
)
# Sign-in, the agents' buttons, the simulator's text: a few short fields each.
DEFAULT_LIMIT = 16 * KIB
JSON_PREFIXES = ("/api/", "/twilio/")


def route_limit(path: str) -> int:
    """The cap for a request to `path`; MAX_CONTENT_LENGTH, when configured, lowers every cap."""
    matches = [(len(prefix), limit) for prefix, limit in ROUTE_LIMITS if path.startswith(prefix)]
    limit = max(matches)[1] if matches else DEFAULT_LIMIT
    configured = current_app.config.get("MAX_CONTENT_LENGTH")
    return min(limit, int(configured)) if configured else limit


def _read_at_most(stream: IO[bytes], limit: int) -> bytes:
    """Up to `limit` bytes of a stream that may hand them over a chunk at a time."""
    chunks: list[bytes] = []
    remaining = limit
    while remaining > 0:
        chunk = stream.read(min(remaining, 64 * KIB))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


class CappedRequest(Request):
    """A request whose body limit is its route's cap (a view may still set its own)."""

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is not None:
            return self._max_content_length
        return route_limit(self.path) if current_app else super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    @cached_property
    def stream(self) -> IO[bytes]:
        """The body, refused with 413 when it declares or streams more than the cap."""
        limit = self.max_content_length
        streamed = self.content_length is None and "wsgi.input_terminated" in self.environ
        if limit is None or not streamed:
            return get_input_stream(self.environ, max_content_length=limit)
        data = _read_at_most(self.environ["wsgi.input"], limit + 1)
        if len(data) > limit:
            raise RequestEntityTooLarge()
        return io.BytesIO(data)


def _open_body() -> None:
    """Refuse an oversized body before any view runs, also where the view never reads it."""
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if request.content_length or chunked:
        request.stream  # noqa: B018 - opening the body is what enforces the cap


def _too_large(_error: RequestEntityTooLarge) -> Any:
    """413 in the caller's terms: JSON for Twilio and API clients, Korean for staff."""
    limit = route_limit(request.path)
    if request.path.startswith("/chat"):  # a resident: their own language, not the staff's
        from relay.chat.problems import too_large_page

        return too_large_page()
    if request.path.startswith(JSON_PREFIXES):
        return {"error": f"request body is larger than {limit} bytes"}, 413
    message = f"요청 내용이 너무 큽니다. 최대 {limit // KIB}KB까지 보낼 수 있습니다."
    page = f'<!doctype html><html lang="ko"><meta charset="utf-8"><title>413</title><p>{message}'
    return Response(page, status=413, mimetype="text/html")


def register_body_limits(app: Flask) -> None:
    """Give every request its route's cap and answer a refused body with 413."""
    app.request_class = CappedRequest
    app.before_request(_open_body)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
