"""Configuration for the Flask app: the frozen settings (relay/settings.py) copied into
`app.config`, where Flask and its extensions read them, with the objects derived from them.

Views read `app.config`; it holds what the settings say and nothing may change it after start.
`settings(app)` is the typed object itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from relay.service_hours import ServiceHours
from relay.settings import ENV_PREFIX, Settings, SettingsError, instance_path_from_env

__all__ = ["ENV_PREFIX", "Settings", "SettingsError", "instance_path_from_env", "load", "settings"]


def load(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    """Build the settings (defaults, RELAY_* variables, explicit overrides) and fill app.config;
    overrides that are not settings (Flask's own keys, a test's HTTP client) go in as given."""
    built = Settings.from_environment(overrides, Path(app.instance_path))
    app.extensions["relay.settings"] = built
    values = built.flask_config()
    app.config.update(values)
    app.config.update({k: v for k, v in (overrides or {}).items() if k not in values})
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    app.config["REMEMBER_COOKIE_SECURE"] = built.SESSION_COOKIE_SECURE
    # Read at start, so a mistyped setting stops the service with the reason, not at 3 a.m.
    app.config["SERVICE_HOURS"] = ServiceHours.parse(built.AGENT_HOURS, built.TIMEZONE)
    # Production (not debug or testing) must say how replies leave: a Twilio account, or the
    # outbox chosen on purpose. Checked where serving and working start (relay/delivery.py).


def settings(app: Flask | None = None) -> Settings:
    """The app's settings, as built at start."""
    target = app if app is not None else current_app
    found: Settings = target.extensions["relay.settings"]
    return found
