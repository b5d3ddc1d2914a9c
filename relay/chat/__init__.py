"""The residents' web chat: its pages, its live feed, and the "a reply is waiting" SMS.

`register_web_chat` is the app factory's one step for the channel: the blueprint, the reply
link's way into it, and the periodic job that nudges residents about unread replies.
"""

from __future__ import annotations

from flask import Flask
from huey import crontab


def register_web_chat(app: Flask) -> None:
    """Add the chat pages and the nudge job to `app`."""
    from relay.channels.web import send_nudges
    from relay.chat.pages import bp
    from relay.chat.problems import http_problem_page
    from relay.errors import answer_http_errors_under
    from relay.replies import centre_sender
    from relay.services import services

    app.register_blueprint(bp)
    answer_http_errors_under(app, ("/chat", "/r/"), http_problem_page)
    config = app.config

    @app.context_processor
    def _centre() -> dict[str, object]:
        # App-wide, not the blueprint's: a mistyped /chat/... address is answered by the
        # chat's page before any blueprint is known, and names the centre too.
        return {"chat_centre": centre_sender(config)}

    def _nudge() -> None:
        with app.app_context():
            send_nudges(
                services(app),
                int(config["WEB_CHAT_NUDGE_MINUTES"]),
                config["PUBLIC_BASE_URL"],
                centre_sender(config),
            )

    services(app).huey.periodic_task(crontab(minute="*"), name="web_chat_nudge")(_nudge)
