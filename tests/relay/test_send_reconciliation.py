"""A reply whose send began and recorded nothing is reconciled with Twilio before it is sent.

The app reaches a local HTTP server that answers as Twilio's REST API does, through the real
twilio library (RELAY_TWILIO_API_BASE_URL). An attempt that "died" is what a killed worker
leaves behind: the attempt counted (`begin_sending`), maybe a message at Twilio, nothing
recorded. tests/system/test_worker_faults.py kills real worker processes at those moments.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from relay.services import services
from tests.relay.test_sweeper import RESIDENT, Agent, lose_queued_jobs, run_sweep, text_in
from tests.support.app_fixtures import ACCOUNT_SID, AUTH_TOKEN, drain
from tests.support.modelkit import TinyModels
from tests.support.twilio_server import TwilioServer, twilio_server
from transcripts.models import Message, MessageStatus


@pytest.fixture
def twilio() -> Iterator[TwilioServer]:
    with twilio_server(ACCOUNT_SID, AUTH_TOKEN) as server:
        yield server


@pytest.fixture
def app(app_factory: Any, twilio: TwilioServer) -> Flask:
    """Twilio at the local server; a lost job is overdue at once."""
    return app_factory(  # type: ignore[no-any-return]
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_API_BASE_URL=twilio.base_url,
        STALE_JOB_SECONDS=0,
    )


def queued_reply(app: Flask, tiny_models: TinyModels) -> tuple[int, str]:
    """A resident's text, translated, and an agent's reply whose job was lost: (id, body)."""
    text_in(app, tiny_models.phrase("thanks")["en"])
    drain(app)
    reply_id = Agent.of(app).reply(RESIDENT, tiny_models.phrase("received")["ko"])
    lose_queued_jobs(app)
    return reply_id, reply(app, reply_id).delivered_body or ""


def reply(app: Flask, reply_id: int) -> Message:
    with services(app).sessions() as session:
        return session.scalars(select(Message).where(Message.id == reply_id)).one()


def test_a_first_send_goes_straight_to_twilio(
    app: Flask, twilio: TwilioServer, tiny_models: TinyModels
) -> None:
    reply_id, body = queued_reply(app, tiny_models)
    assert run_sweep(app) == ["send_outbound"]
    drain(app)
    assert twilio.sent_to(RESIDENT) == [body]
    assert twilio.lists() == 0  # nothing in doubt, nothing to ask
    sent = reply(app, reply_id)
    assert (sent.status, sent.provider_sid) == (MessageStatus.SENT, twilio.messages[0]["sid"])


def test_an_attempt_twilio_took_is_recorded_not_sent_again(
    app: Flask, twilio: TwilioServer, tiny_models: TinyModels
) -> None:
    reply_id, body = queued_reply(app, tiny_models)
    svc = services(app)
    # The attempt that died: counted, handed to Twilio, its answer never recorded.
    assert svc.record.outbound.begin_sending(reply_id) is not None
    svc.sender.send(RESIDENT, body)

    assert run_sweep(app) == ["send_outbound"]
    drain(app)
    assert twilio.sent_to(RESIDENT) == [body]  # one text, not two
    assert twilio.lists() == 1
    found = reply(app, reply_id)
    assert found.status is MessageStatus.SENT
    assert found.provider_sid == twilio.messages[0]["sid"]
    assert found.attempts == 2


def test_an_attempt_that_never_reached_twilio_is_sent_after_asking(
    app: Flask, twilio: TwilioServer, tiny_models: TinyModels
) -> None:
    reply_id, body = queued_reply(app, tiny_models)
    assert services(app).record.outbound.begin_sending(reply_id) is not None  # and died

    assert run_sweep(app) == ["send_outbound"]
    drain(app)
    assert twilio.lists() == 1
    assert twilio.sent_to(RESIDENT) == [body]
    assert reply(app, reply_id).provider_sid == twilio.messages[0]["sid"]


def test_an_earlier_identical_text_is_not_taken_for_the_reply(
    app: Flask, twilio: TwilioServer, tiny_models: TinyModels
) -> None:
    """The same words sent to the same resident before this reply was queued (a canned answer,
    yesterday's receipt) are another message: the reply in doubt is still sent."""
    text_in(app, tiny_models.phrase("thanks")["en"])
    drain(app)
    agent = Agent.of(app)
    earlier_id = agent.reply(RESIDENT, tiny_models.phrase("received")["ko"])
    drain(app)
    body = reply(app, earlier_id).delivered_body or ""
    hours_ago = format_datetime(datetime.now(UTC) - timedelta(hours=3), usegmt=True)
    twilio.messages[0].update(date_created=hours_ago, date_sent=hours_ago)
    reply_id = agent.reply(RESIDENT, tiny_models.phrase("received")["ko"])
    lose_queued_jobs(app)
    assert services(app).record.outbound.begin_sending(reply_id) is not None  # and died

    assert run_sweep(app) == ["send_outbound"]
    drain(app)
    assert twilio.sent_to(RESIDENT) == [body, body]
    assert reply(app, reply_id).provider_sid == twilio.messages[1]["sid"]


def test_when_twilio_cannot_be_asked_nothing_is_sent(
    app: Flask, twilio: TwilioServer, tiny_models: TinyModels
) -> None:
    """A reply in doubt is never sent blind: the job fails retryably and Huey tries later."""
    reply_id, _body = queued_reply(app, tiny_models)
    assert services(app).record.outbound.begin_sending(reply_id) is not None
    twilio.auth_token = "changed"  # every request now answers 401
    assert run_sweep(app) == ["send_outbound"]
    drain(app)
    assert twilio.sent_to(RESIDENT) == []
    still = reply(app, reply_id)
    assert (still.status, still.provider_sid) == (MessageStatus.QUEUED, None)
    assert len(services(app).huey.scheduled()) == 1  # Huey's retry
