"""The development outbox and resident simulator: on only when RELAY_DEV_PAGES says so."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from relay import config as relay_config
from tests.relay.agent_helpers import sign_in
from tests.support.app_fixtures import ACCOUNT_SID, Webhooks, drain
from tests.support.modelkit import TinyModels


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """The development pages are for signed-in staff."""
    return sign_in(app, "developer")


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the form carries no CSRF token"
    return match.group(1)


def test_simulator_sends_a_signed_sms_and_shows_the_reply(
    app: Flask, client: FlaskClient, tiny_models: TinyModels
) -> None:
    wallet = tiny_models.phrase("wallet")
    page = client.get("/dev/simulator?phone=010-5550-1234")
    assert page.status_code == 200
    posted = client.post(
        "/dev/simulator",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "phone": "+821055501234",
            "body": wallet["en"],
        },
    )
    assert posted.status_code == 302
    drain(app)
    thread = client.get("/dev/simulator?phone=%2B821055501234").get_data(as_text=True)
    assert wallet["en"] in thread


def test_simulator_refuses_a_post_without_csrf(app: Flask, client: FlaskClient) -> None:
    response = client.post("/dev/simulator", data={"phone": "+821055501234", "body": "hi"})
    assert response.status_code == 400


def test_dev_pages_are_for_signed_in_staff(app: Flask) -> None:
    anonymous = app.test_client()
    assert "/dev/" not in anonymous.get("/login").get_data(as_text=True)  # not even a link
    for path in ("/dev/outbox", "/dev/simulator"):
        response = anonymous.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    assert anonymous.post("/dev/simulator", data={"body": "hi"}).status_code in (302, 400)
    # A simulated recording is fetched by the recording job, by its unguessable token.
    assert anonymous.get("/dev/audio/" + "a" * 24).status_code == 404


def test_dev_pages_are_off_unless_asked_for_even_without_an_account(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A missing Twilio account once turned them on, and with them a page where any signed-in
    agent writes as any resident. Only RELAY_DEV_PAGES turns them on now, in debug too."""
    for name in [name for name in os.environ if name.startswith("RELAY_")]:
        monkeypatch.delenv(name)
    for debug in (False, True):
        bare = Flask("relay", instance_path=str(tmp_path / "instance"))
        bare.debug = debug
        relay_config.load(bare, {"OUTBOX": True})
        assert bare.config["TWILIO_ACCOUNT_SID"] == ""
        assert bare.config["DEV_PAGES"] is False
    monkeypatch.setenv("RELAY_DEV_PAGES", "true")  # as `make run` sets it
    asked = Flask("relay", instance_path=str(tmp_path / "instance"))
    relay_config.load(asked, None)
    assert asked.config["DEV_PAGES"] is True


def test_dev_pages_are_off_with_a_twilio_account(app_factory: Any) -> None:
    production = app_factory(TWILIO_ACCOUNT_SID=ACCOUNT_SID)
    assert production.config["DEV_PAGES"] is False
    client = production.test_client()
    assert client.get("/dev/outbox").status_code == 404
    assert client.get("/dev/simulator").status_code == 404


def test_simulator_page_escapes_resident_text(app: Flask, client: FlaskClient) -> None:
    hostile = "<script>alert('x')</script> &amp; <b>bold</b> \u202eevil\u202c 🙂"
    page = client.get("/dev/simulator")
    client.post(
        "/dev/simulator",
        data={"csrf_token": csrf_token(page.get_data(as_text=True)), "body": hostile},
    )
    html = client.get("/dev/simulator").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "<b>bold</b>" not in html
    assert (
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp;amp; &lt;b&gt;bold&lt;/b&gt;" in html
    )
    assert "🙂" in html


def test_the_outbox_reads_in_korean_and_wraps_between_words(
    app_factory: Any, tiny_models: TinyModels
) -> None:
    app = app_factory(SMS_ACKNOWLEDGEMENT=True)  # the receipt is held in the outbox
    assert Webhooks(app.test_client()).sms(tiny_models.phrase("wallet")["en"]).status_code == 200
    drain(app)
    page = sign_in(app, "developer").get("/dev/outbox").get_data(as_text=True)
    assert "120" in page and '"경로">문자' in page  # the held receipt, by its channel's name
    assert 'class="grid outbox stack"' in page  # relay.css wraps its cells between words
    assert "Outbox:" not in page and "(body)" not in page and "(channel)" not in page
    assert "+8210" not in page  # a resident's number shows by its last four digits


def test_the_outbox_names_a_web_visitor_not_the_key_their_page_is_found_by(
    app_factory: Any, tiny_models: TinyModels
) -> None:
    from tests.relay.test_web_chat import start_chat

    app = app_factory(SMS_ACKNOWLEDGEMENT=True)  # the chat's receipt is the reply held here
    start_chat(app.test_client(), tiny_models.phrase("wallet")["vi"])
    drain(app)
    page = sign_in(app, "developer").get("/dev/outbox").get_data(as_text=True)
    assert '<td data-label="받는 사람">웹 방문자</td>' in page
    assert "web:" not in page
