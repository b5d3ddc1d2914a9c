"""Builds the engines, the session factory, the queue and the senders once per app.

Everything an app needs at run time hangs off one `Services` object in
`app.extensions["relay"]`, so there is no module-level state and two apps (two tests) never share
a database, a queue or a model cache.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask import Flask, current_app
from huey import Huey
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from relay.language_services import LanguageServices
from relay.queue import EmbeddedConsumer, make_huey
from relay.twilio.outbound import OutboxSender, Sender, TwilioSender
from transcripts.accounts import Accounts
from transcripts.db import make_engine, make_session_factory
from transcripts.service import TranscriptService

if TYPE_CHECKING:
    from relay.jobs import Jobs

log = logging.getLogger(__name__)


@dataclass
class Services:
    """The per-app collaborators; built by `build_services`, reached through `services()`."""

    engine: Engine
    sessions: sessionmaker[Session]
    record: TranscriptService
    accounts: Accounts
    huey: Huey
    languages: LanguageServices
    sender: Sender
    jobs: Jobs | None = None
    consumer: EmbeddedConsumer | None = field(default=None)


def build_services(app: Flask) -> Services:
    """Create the app's collaborators from its configuration (nothing heavy is loaded here)."""
    config = app.config
    engine = make_engine(config["DATABASE_URL"])
    sessions = make_session_factory(engine)
    sender: Sender
    status_url = f"{config['PUBLIC_BASE_URL']}/twilio/sms/status"
    if config["OUTBOX_ONLY"]:
        sender = OutboxSender()
    else:
        sender = TwilioSender(
            account_sid=config["TWILIO_ACCOUNT_SID"],
            auth_token=config["TWILIO_AUTH_TOKEN"],
            from_number=config["TWILIO_NUMBER"] or None,
            messaging_service_sid=config["TWILIO_MESSAGING_SERVICE_SID"] or None,
            status_callback=status_url,
            http_client=config.get("TWILIO_HTTP_CLIENT"),
        )
    return Services(
        engine=engine,
        sessions=sessions,
        record=TranscriptService(sessions),
        accounts=Accounts(sessions),
        huey=make_huey(config["QUEUE_URL"]),
        languages=LanguageServices.from_config(config, sessions),
        sender=sender,
    )


def services(app: Flask | None = None) -> Services:
    """The current app's services."""
    target = app if app is not None else current_app
    found: Services = target.extensions["relay"]
    return found
