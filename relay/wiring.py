"""Builds an app's services once: database, record, queue and its jobs, engines, sender.

Kept apart from relay/services.py so that the jobs (which use the services when they run) and
the services (which hold the jobs' enqueue functions) do not import each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from languages.memory import normalise
from relay.delivery import NO_DELIVERY_REASON, Delivery, delivery
from relay.engines import LanguageServices
from relay.job_queue import make_huey
from relay.jobs import register_jobs
from relay.services import Services
from relay.twilio.held_calls import HELD_CALLS_FOLDER, HeldCallUpdates
from relay.twilio.outbound import NoSender, OutboxSender, Sender, TwilioSender
from transcripts.checkpoints import start_checkpoints
from transcripts.db import make_engine, make_session_factory
from transcripts.record import Record


def build_services(app: Flask) -> Services:
    """Create the app's collaborators from its configuration (nothing heavy is loaded here)."""
    config = app.config
    engine = make_engine(config["DATABASE_URL"])
    if not app.testing:  # a test app's engine lives for one test; a serving process's lasts
        start_checkpoints(engine)
    sessions = make_session_factory(engine)
    huey = make_huey(config["QUEUE_URL"])
    return Services(
        engine=engine,
        sessions=sessions,
        record=Record.build(sessions, normalise),
        huey=huey,
        languages=LanguageServices.from_config(config, sessions),
        sender=_sender(config),
        jobs=register_jobs(app, huey),
    )


def _sender(config: Mapping[str, Any]) -> Sender:
    """The sender the configuration chose (relay/delivery.py); without a choice, one that
    refuses every send with the reason, since a command that sends nothing may still run."""
    chosen = delivery(config)
    if chosen is Delivery.OUTBOX:
        return OutboxSender(HeldCallUpdates(Path(config["INSTANCE_PATH"]) / HELD_CALLS_FOLDER))
    if chosen is Delivery.NONE:
        return NoSender(NO_DELIVERY_REASON)
    return TwilioSender(
        account_sid=config["TWILIO_ACCOUNT_SID"],
        auth_token=config["TWILIO_AUTH_TOKEN"],
        from_number=config["TWILIO_NUMBER"] or None,
        messaging_service_sid=config["TWILIO_MESSAGING_SERVICE_SID"] or None,
        status_callback=f"{config['PUBLIC_BASE_URL']}/twilio/sms/status",
        http_client=config.get("TWILIO_HTTP_CLIENT"),
        api_base_url=config["TWILIO_API_BASE_URL"] or None,
    )
