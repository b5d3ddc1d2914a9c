"""relay: the Flask service. `create_app` builds an app from configuration; nothing runs at
import."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.serving import is_running_from_reloader

from relay import config as relay_config
from relay.ids import IdConverter

log = logging.getLogger(__name__)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: configuration, services, blueprints, headers, body limits, API error
    responses, commands, then the embedded worker."""
    default_instance = Path(__file__).resolve().parent.parent / "instance"
    instance_path = (config or {}).get("INSTANCE_PATH") or relay_config.instance_path_from_env(
        default_instance
    )
    app = Flask(__name__, instance_path=str(instance_path), instance_relative_config=True)
    relay_config.load(app, config)
    _require_delivery_when_serving(app)
    _register_services(app)
    _register_blueprints(app)
    _register_web_chat(app)
    _register_live_calls(app)
    _register_errors(app)
    _register_headers(app)
    _register_body_limits(app)
    _register_commands(app)
    _register_template_filters(app)
    _maybe_start_embedded_system(app)
    return app


def _require_delivery_when_serving(app: Flask) -> None:
    """A production app served by a WSGI server (no command line) or by `flask run` must know
    how replies leave (relay/delivery.py); `flask worker` checks for itself. Other commands
    (`users create`, `db upgrade`) send nothing, so they run either way."""
    from relay.delivery import require_delivery

    context = click.get_current_context(silent=True)
    if context is None or context.info_name == "run":
        require_delivery(app.config)


def _register_template_filters(app: Flask) -> None:
    from relay.centre_time import centre_clock, centre_moment

    app.add_template_filter(centre_clock)  # times shown in the centre's time zone
    app.add_template_filter(centre_moment)


def _register_services(app: Flask) -> None:
    from relay.wiring import build_services

    app.extensions["relay"] = build_services(app)


def _register_live_calls(app: Flask) -> None:
    from relay.channels.live import register_live_calls

    register_live_calls(app)


def _register_errors(app: Flask) -> None:
    from relay.errors import register_error_handlers

    register_error_handlers(app)


def _register_blueprints(app: Flask) -> None:
    from relay import api, auth, dev, metrics_api, public
    from relay.twilio import sms, voice

    app.url_map.converters["int"] = IdConverter
    csrf = CSRFProtect(app)
    csrf.exempt(sms.bp)  # Twilio signs its webhooks instead
    csrf.exempt(voice.bp)
    csrf.exempt(api.bp)  # bearer tokens need none; sessions are checked in api
    auth.init_auth(app)
    for blueprint in (public.bp, api.bp, metrics_api.bp, sms.bp, voice.bp, dev.bp):
        app.register_blueprint(blueprint)
    app.add_url_rule("/", endpoint="index", view_func=public.index)
    from relay.agent import register_agent_views

    register_agent_views(app)


def _register_web_chat(app: Flask) -> None:
    from relay.chat import register_web_chat

    register_web_chat(app)


def _register_headers(app: Flask) -> None:
    from relay.headers import register_security_headers

    register_security_headers(app)


def _register_body_limits(app: Flask) -> None:
    from relay.body_limits import register_body_limits

    register_body_limits(app)


def _register_commands(app: Flask) -> None:
    from relay.cli import register_commands

    register_commands(app)


def _serving_under_flask_run(app: Flask) -> bool:
    """True in the process that serves requests under `flask run` (not the reloader's watcher)."""
    context = click.get_current_context(silent=True)
    if context is None or context.info_name != "run":
        return False
    reload = context.params.get("reload")
    if reload is None:
        reload = app.debug
    return not reload or is_running_from_reloader()


def _maybe_start_embedded_system(app: Flask) -> None:
    """Under `flask run` on embedded defaults: apply migrations and start the job consumer once
    (a `flask worker` child process, relay/worker_process.py, so language work never holds
    this process's GIL).

    The serving process loads the language models in the background either way: its jobs
    (embedded worker) and its reply previews would otherwise wait seconds for the first load.
    """
    if app.testing or not _serving_under_flask_run(app):
        return
    from relay.services import services
    from transcripts import migrations

    svc = services(app)
    if app.config["AUTO_MIGRATE"]:
        migrations.upgrade(app.config["DATABASE_URL"])
    if app.config["EMBEDDED_WORKER"]:
        from relay.worker_process import start_embedded_worker

        app.extensions["relay.consumer"] = start_embedded_worker(app, svc.huey)
    svc.languages.warm_up_in_background()
    _print_welcome(app)


_REPLIES = {
    "twilio": "sent through Twilio",
    "outbox": "held in the outbox, never sent to residents (RELAY_OUTBOX)",
    "none": "cannot be sent: set RELAY_TWILIO_ACCOUNT_SID, or RELAY_OUTBOX=true",
}


def _print_welcome(app: Flask) -> None:
    from relay.delivery import delivery

    base = app.config["PUBLIC_BASE_URL"]
    click.echo(
        "\n".join(
            [
                "",
                f"relay is starting on {base}",
                f"  sign in:            {base}/login",
                "  first account:      .venv/bin/flask --app wsgi users create NAME --role admin",
                f"  resident simulator: {base}/dev/simulator"
                if app.config["DEV_PAGES"]
                else "  development pages are off",
                f"  replies:            {_REPLIES[delivery(app.config)]}",
                f"  health:             {base}/healthz",
                f"  instance folder:    {app.config['INSTANCE_PATH']}",
                "",
            ]
        )
    )
