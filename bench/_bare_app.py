"""The bare endpoint the webhook benchmark compares relay with: Flask answering Twilio's SMS
webhook with empty TwiML, and nothing else (no signature, no database, no queue).

Served by `flask --app bench._bare_app run` exactly as relay is served by `make run`, so the
ratio isolates what relay does per webhook from what the server itself costs.
"""

from __future__ import annotations

from flask import Flask, Response, request

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/twilio/sms")
    def inbound() -> Response:
        request.form.get("Body")  # parse the form, as any webhook must
        return Response(EMPTY_TWIML, mimetype="text/xml")

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
