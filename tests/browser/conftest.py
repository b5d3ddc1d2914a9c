"""A real relay served by werkzeug in a thread, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update
from werkzeug.serving import BaseWSGIServer, make_server

from relay.services import services
from tests.support.app_fixtures import create_user
from tests.support.servers import free_port
from transcripts.models import Conversation, User

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery"
#: The window a signed-in browser opens with when a test names no screen.
DESK = {"width": 1360, "height": 860}
DEVELOPER = "developer"
#: The phone the simulated resident texts from, unless a test needs another one.
RESIDENT = "+821055501234"


@dataclass
class LiveRelay:
    app: Flask
    url: str

    def user(self, name: str, role: str = "agent") -> str:
        create_user(self.app, name, role, PASSWORD)
        return name

    def developer(self) -> str:
        """The account the resident simulator is opened with (development pages need one)."""
        with services(self.app).sessions() as session:
            if session.scalar(select(User.id).where(User.username == DEVELOPER)) is None:
                self.user(DEVELOPER)
        return DEVELOPER


@contextmanager
def running_relay(app_factory: Any, **settings: Any) -> Iterator[LiveRelay]:
    """The app on a real port; jobs run inline so a webhook's translation is done when it
    answers, and the live feed is short-lived so reconnects happen within a test."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = app_factory(
        PUBLIC_BASE_URL=url,
        QUEUE_URL="immediate://",
        AGENT_SSE_POLL_SECONDS=0.1,
        AGENT_SSE_MAX_SECONDS=3.0,
        **settings,
    )
    server: BaseWSGIServer = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveRelay(app, url)
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def live_relay(app_factory: Any) -> Iterator[LiveRelay]:
    with running_relay(app_factory) as relay:
        yield relay


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def sign_in(
    browser: Any,
    relay: LiveRelay,
    name: str,
    timezone_id: str | None = None,
    screen: dict[str, int] | None = None,
) -> Any:
    """A fresh browser context (its own cookies), signed in through the login form; the
    browser's clock in `timezone_id` when given (an agent's PC in Seoul), else the machine's;
    the window `screen` big when given (tests/browser/screens.py), else a desk's 1360x860."""
    # Playwright's wait_for_function evaluates its string in the page, which the app's
    # Content-Security-Policy (no eval) refuses; the policy is checked in tests/relay.
    zone = {"timezone_id": timezone_id} if timezone_id else {}
    context = browser.new_context(locale="ko-KR", viewport=screen or DESK, bypass_csp=True, **zone)
    page = context.new_page()
    page.goto(f"{relay.url}/login")
    page.fill('input[name="username"]', name)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(f"{relay.url}/agent/")
    return page


def live(page: Any) -> None:
    """Wait until the page's live feed is connected, so nothing sent next is missed."""
    page.wait_for_function("document.getElementById('live').className === 'live on'")


def resident_texts(browser: Any, relay: LiveRelay, text: str, phone: str = RESIDENT) -> Any:
    """The development resident simulator, in its own browser context, sends a signed SMS."""
    page = sign_in(browser, relay, relay.developer())
    page.goto(f"{relay.url}/dev/simulator?phone={phone.replace('+', '%2B')}")
    page.fill('textarea[name="body"]', text)
    page.click("form.compose >> text=SMS 보내기")
    page.wait_for_selector(".flash")
    return page


def agent_replies(agent: Any, korean: str, resident_text: str) -> str:
    """The agent writes `korean`, waits for its translation to read `resident_text`, sends it;
    returns the preview's line on how it will go, as it read before sending (the box clears
    once the reply is sent)."""
    agent.fill("#reply-text", korean)
    agent.wait_for_function(
        "document.getElementById('reply-translated').value === " + repr(resident_text)
    )
    way = str(agent.inner_text("#preview-sms"))
    agent.click("#send")
    return way


def user_id(relay: LiveRelay, name: str) -> int:
    """The id of the account called `name` (the record's use cases take ids, not names)."""
    with services(relay.app).sessions() as session:
        found = session.scalar(select(User.id).where(User.username == name))
        assert found is not None, name
        return int(found)


def claim_for(relay: LiveRelay, conversation_id: int, name: str) -> None:
    """Hand a seeded conversation to `name` straight in the database, where a test is about
    the thread and not about claiming it."""
    holder = user_id(relay, name)
    with services(relay.app).sessions() as session, session.begin():
        session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id)
            .values(claimed_by_id=holder)
        )
