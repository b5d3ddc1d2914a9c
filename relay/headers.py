"""Security headers on every response: a Content-Security-Policy with no inline script, no
framing by other sites, no MIME sniffing, and no page address sent to other sites.

Views that need a different value set the header themselves; these are only defaults.
"""

from __future__ import annotations

from flask import Flask, Response

# Scripts, styles and media come only from this site (relay/static); templates carry no inline
# script, handler or style attribute, so none needs a nonce. `frame-ancestors` and
# X-Frame-Options together stop clickjacking in old and new browsers alike.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # A reply page's address holds its token: never hand it to another site as a referrer.
    "Referrer-Policy": "same-origin",
}


def register_security_headers(app: Flask) -> None:
    """Add the headers to every response the app sends."""

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response
