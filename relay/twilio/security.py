"""Twilio webhook signatures, checked against the public URL rather than what the app sees.

Behind a proxy the app sees http://127.0.0.1:8000/..., while Twilio signed https://relay.example/...;
validating against RELAY_PUBLIC_BASE_URL plus the request's path and query makes both agree.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, request
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])


def public_url() -> str:
    """The URL Twilio requested: the configured public base, this path, this query string."""
    base = current_app.config["PUBLIC_BASE_URL"]
    query = request.query_string.decode("latin-1")
    return f"{base}{request.path}" + (f"?{query}" if query else "")


def signature_is_valid() -> bool:
    """True when X-Twilio-Signature matches this request's URL and form parameters."""
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not signature:
        return False
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
    validator = RequestValidator(current_app.config["TWILIO_AUTH_TOKEN"])
    try:
        return bool(validator.validate(public_url(), request.form, signature, algorithm=algorithm))
    except ValueError:  # an algorithm name Twilio does not define
        return False


def stream_url(path: str) -> str:
    """The websocket URL of `path` under the public base: wss:// for https://, ws:// for
    http:// (what <Stream url> names, and what Twilio signs on the upgrade request)."""
    base = current_app.config["PUBLIC_BASE_URL"]
    scheme, _, rest = base.partition("://")
    return ("wss" if scheme == "https" else "ws") + "://" + rest + path


def stream_signature_is_valid() -> bool:
    """True when a websocket upgrade carries Twilio's signature of the stream URL.

    Twilio signs a Media Stream's upgrade (a GET with no parameters) like any webhook: the
    URL as written in <Stream url>, here rebuilt from the public base, with no form values.
    """
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not signature:
        return False
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
    validator = RequestValidator(current_app.config["TWILIO_AUTH_TOKEN"])
    try:
        return bool(
            validator.validate(stream_url(request.path), {}, signature, algorithm=algorithm)
        )
    except ValueError:
        return False


def sign(url: str, params: dict[str, str], auth_token: str) -> str:
    """The signature Twilio would send for a POST of `params` to `url` (simulator and tests)."""
    return str(RequestValidator(auth_token).compute_signature(url, params))


def twilio_signed(view: F) -> F:
    """Refuse (403) any request whose Twilio signature is missing or wrong."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not signature_is_valid():
            log.warning("refused %s: missing or invalid Twilio signature", request.path)
            return {"error": "invalid or missing X-Twilio-Signature"}, 403
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
