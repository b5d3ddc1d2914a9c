"""HTTP errors under /api answer as JSON objects with an `error` string, like the API's own
refusals, so a client never parses an HTML page: an id past what the database holds (no route
matches it), a method the route does not take, a role that may not call it."""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from werkzeug.exceptions import HTTPException


def _json_under_api(error: HTTPException) -> Any:
    """The error as JSON under /api; elsewhere the page Flask would show anyway."""
    if not request.path.startswith("/api/"):
        return error
    return {"error": error.description or error.name}, error.code or 500


def register_error_responses(app: Flask) -> None:
    """Answer HTTP errors under /api in JSON (handlers for one error, as for 413, still win)."""
    app.register_error_handler(HTTPException, _json_under_api)
