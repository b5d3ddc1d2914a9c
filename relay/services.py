"""The per-app collaborators, frozen and complete once built (relay/wiring.py builds them).

Everything an app needs at run time hangs off one `Services` object in
`app.extensions["relay"]`, so there is no module-level state and two apps (two tests) never share
a database, a queue or a model cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from huey import Huey
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from relay.engines import LanguageServices
from relay.twilio.outbound import Sender
from transcripts.record import Record


@dataclass(frozen=True)
class Jobs:
    """Enqueue functions: calling one puts a task on the queue (or runs it, in immediate mode).

    Each takes ids only; the task finds everything else in the record.
    """

    translate_inbound: Any
    send_outbound: Any
    process_recording: Any
    caption_utterance: Any  # a live utterance's stored audio, heard again (the sweep's)
    sweep: Any
    end_call: Any  # hangs a live call up once the agent's goodbye has been said
    auto_assign: Any  # gives waiting contacts to available agents (RELAY_AUTO_ASSIGN)


@dataclass(frozen=True)
class Services:
    """The per-app collaborators; built by `relay.wiring.build_services`."""

    engine: Engine
    sessions: sessionmaker[Session]
    record: Record
    huey: Huey
    languages: LanguageServices
    sender: Sender
    jobs: Jobs


def services(app: Flask | None = None) -> Services:
    """The current app's services."""
    target = app if app is not None else current_app
    found: Services = target.extensions["relay"]
    return found
