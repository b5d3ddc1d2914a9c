"""Twilio's REST API for messages as a local HTTP server, reached by the real twilio library.

relay's sender is pointed at it with RELAY_TWILIO_API_BASE_URL. It answers the two calls relay
makes as Twilio does: `POST .../Messages.json` creates a message (201, the message's JSON with
its `sid` and `status`), and `GET .../Messages.json` lists them (filtered by `To` and
`DateSent>`, newest first, in Twilio's page shape). Requests need the account's Basic auth.

A fault test can hold one send at either of its worst moments and learn when it got there:
`HOLD_BEFORE_ACCEPT` signals `arrived` and waits, then drops the request without creating
anything (the request never reached Twilio); `HOLD_AFTER_ACCEPT` creates the message, signals
`accepted` and waits before answering (Twilio took it; its answer never reached the worker).
The test kills the worker meanwhile, then calls `release()`.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from enum import Enum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

HOLD_SECONDS = 60.0  # a held request is dropped after this even if nobody releases it


class Hold(Enum):
    """Where the next send stops until the test releases it."""

    NONE = "none"
    HOLD_BEFORE_ACCEPT = "before accept"
    HOLD_AFTER_ACCEPT = "after accept"


@dataclass
class TwilioServer:
    """The state of the local Twilio: its messages, every request, and the hold for a send."""

    account_sid: str
    auth_token: str
    port: int = 0
    messages: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path with query)
    hold: Hold = Hold.NONE
    arrived: threading.Event = field(default_factory=threading.Event)
    accepted: threading.Event = field(default_factory=threading.Event)
    created: threading.Event = field(default_factory=threading.Event)  # any message created
    listed: threading.Event = field(default_factory=threading.Event)  # messages were listed
    requested: threading.Condition = field(default_factory=threading.Condition)
    _released: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        """What RELAY_TWILIO_API_BASE_URL is set to."""
        return f"http://127.0.0.1:{self.port}"

    def release(self) -> None:
        """Let a held request go on (after the test killed its worker)."""
        self._released.set()

    def sent_to(self, to: str) -> list[str]:
        """Bodies of the messages created for `to`: what the resident's phone received."""
        with self._lock:
            return [m["body"] for m in self.messages if m["to"] == to]

    def wait_for_requests(self, count: int, timeout: float) -> bool:
        """Wait until the server has had `count` requests in all (a worker reached Twilio)."""
        with self.requested:
            return self.requested.wait_for(lambda: len(self.requests) >= count, timeout)

    def lists(self) -> int:
        """How many times messages were listed (each is a reconciliation)."""
        return sum(1 for method, _path in self.requests if method == "GET")

    def create_message(self, form: dict[str, str]) -> dict[str, Any]:
        now = datetime.now(UTC)
        message = {
            "sid": "SM" + secrets.token_hex(16),
            "account_sid": self.account_sid,
            "to": form.get("To"),
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": form.get("Body", ""),
            "status": "queued",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "num_segments": "1",
            "num_media": "0",
            "date_created": format_datetime(now, usegmt=True),
            "date_updated": format_datetime(now, usegmt=True),
            "date_sent": None,
            "error_code": None,
            "error_message": None,
            "price": None,
            "price_unit": "USD",
        }
        message["uri"] = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{message['sid']}.json"
        with self._lock:
            # Twilio hands a message to the carrier moments after taking it; here at once, so
            # a later list shows it sent (with its DateSent), while the answer says "queued".
            self.messages.append(
                {**message, "status": "sent", "date_sent": message["date_created"]}
            )
        self.created.set()
        return message

    def list_page(self, query: dict[str, list[str]], path: str) -> dict[str, Any]:
        to = query.get("To", [None])[0]
        after = _parse_date_sent(query.get("DateSent>", [None])[0])
        page_size = int(query.get("PageSize", ["50"])[0])
        with self._lock:
            found = [
                m
                for m in self.messages
                if (to is None or m["to"] == to)
                and (
                    after is None
                    or (
                        m["date_sent"] is not None and parsedate_to_datetime(m["date_sent"]) > after
                    )
                )
            ]
        found.reverse()  # newest first, as Twilio lists them
        self.listed.set()
        page = found[:page_size]
        return {
            "messages": page,
            "end": max(len(page) - 1, 0),
            "first_page_uri": path,
            "next_page_uri": None,
            "page": 0,
            "page_size": page_size,
            "previous_page_uri": None,
            "start": 0,
            "uri": path,
        }


def _parse_date_sent(value: str | None) -> datetime | None:
    """Twilio's DateSent filter: a GMT date, or (as twilio-python sends it) a date and time."""
    if not value:
        return None
    if len(value) == 10:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _handler(state: TwilioServer) -> type[BaseHTTPRequestHandler]:
    messages_path = f"/2010-04-01/Accounts/{state.account_sid}/Messages.json"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # keep test output quiet
            return None

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                return  # the worker was killed while we held its answer: that is the point

        def _checked(self) -> bool:
            with state.requested:
                state.requests.append((self.command, self.path))
                state.requested.notify_all()
            if urlsplit(self.path).path != messages_path:
                self._answer(404, {"code": 20404, "message": "not found", "status": 404})
                return False
            credentials = f"{state.account_sid}:{state.auth_token}".encode()
            if (
                self.headers.get("Authorization")
                != f"Basic {base64.b64encode(credentials).decode()}"
            ):
                self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
                return False
            return True

        def do_GET(self) -> None:
            if self._checked():
                self._answer(200, state.list_page(parse_qs(urlsplit(self.path).query), self.path))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            if not self._checked():
                return
            form = {key: values[0] for key, values in parse_qs(raw).items()}
            hold, state.hold = state.hold, Hold.NONE  # one held send per arm
            if hold is Hold.HOLD_BEFORE_ACCEPT:
                state.arrived.set()
                state._released.wait(HOLD_SECONDS)
                self.close_connection = True  # dropped: Twilio never saw this message
                return
            message = state.create_message(form)
            if hold is Hold.HOLD_AFTER_ACCEPT:
                state.accepted.set()
                state._released.wait(HOLD_SECONDS)
            self._answer(201, message)

    return Handler


@contextmanager
def twilio_server(account_sid: str, auth_token: str) -> Iterator[TwilioServer]:
    """A local Twilio REST API for one account, stopped when the block ends."""
    state = TwilioServer(account_sid, auth_token)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, name="twilio-server", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
