"""End-to-end benchmark of the residents' web chat, with many chat pages open at once.

relay is served as `make run` serves it (`flask run`, embedded defaults, the tiny test models
installed so every message is really detected and translated). Residents start chats from the
start page's form (spread over a few loopback addresses, as many phones would be, so the
per-address limit of 30 new chats a minute is not what is measured), and `OPEN_PAGES` of them
keep their conversation page's live feed open (`/chat/c/events`, Server-Sent Events, as the
page's EventSource reads it), each holding a server thread as a phone would. With that load:

- resident to agent: a resident posts from the page (as chat.js does); the clock runs until
  the agent's live feed (`/agent/events`) has announced the translation and the message API
  returns its Korean;
- agent to resident: the agent sends a Korean reply through the API; the clock runs until that
  resident's open page receives it in Vietnamese. The reply is translated inside the send
  request, so the row "beyond translation" subtracts the translation time the reply records;
- a webhook-sized request (`/healthz`) made meanwhile, to show open pages do not take every
  thread.

No baseline: the rows give seconds. Both directions include the feeds' polling
(`RELAY_AGENT_SSE_POLL_SECONDS`, 0.5 s) and the consumer's look at the queue (0.25 s at most).
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from bench import Options, Result
from bench._served import (
    Served,
    percentile,
    served_relay,
)
from tests.support.servers import free_port

#: How many chat pages are open while each case is measured.
OPEN_PAGES = (10, 100, 300, 1000)
#: Messages timed in each direction at each level, one every SPACING seconds.
SAMPLES = 20
SPACING = 0.4
#: Residents per loopback address: the limit of 30 posts a minute per address
#: (transcripts/policy.py) must not be what is measured.
CHATS_PER_ADDRESS = 5
WALLET_VI = "Tôi bị mất ví trên xe buýt."
RECEIVED_KO = "신청이 접수되었습니다."
RECEIVED_VI = "Đơn của bạn đã được tiếp nhận."
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_MESSAGE = re.compile(r'data-message="(\d+)"')
log = logging.getLogger(__name__)


class _FromAddress(HTTPAdapter):
    """Connections from one loopback address (127.0.0.2, ...): each is another resident's
    phone to the per-address limit."""

    def __init__(self, address: str) -> None:
        self._address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self._address, 0)
        super().init_poolmanager(*args, **kwargs)


@dataclass
class Resident:
    """One resident's browser: its cookies (the chat secret) and its conversation."""

    session: requests.Session
    conversation_id: int = 0
    first_message_id: int = 0
    token: str = ""  # the form token chat.js reads from the page
    seen: dict[int, float] = field(default_factory=dict)  # reply id → when the page got it
    feed: requests.Response | None = None  # the open page's live feed


@dataclass
class AgentFeed:
    """What the agent's live feed announced: message id → (when, conversation id)."""

    translated: dict[int, tuple[float, int]] = field(default_factory=dict)
    ready: threading.Condition = field(default_factory=threading.Condition)


def run(options: Options) -> list[Result]:
    """One server; chats started, then measured with more and more pages open."""
    del options  # one pass per level: each sample is already a median's worth of messages
    with tempfile.TemporaryDirectory(prefix="relay-bench-chat-") as name:
        folder = Path(name)
        with served_relay(folder, free_port()) as relay:
            agent = AgentFeed()
            threading.Thread(target=_follow_agent, args=(relay, agent), daemon=True).start()
            residents = [_start_chat(relay, index) for index in range(max(OPEN_PAGES))]
            _claim_all(relay, agent, residents)
            results: list[Result] = []
            for pages in OPEN_PAGES:
                with _open_pages(relay, residents[:pages]) as opened:
                    results.extend(_measure(relay, agent, residents[:pages], pages, opened))
    return results


def _start_chat(relay: Served, index: int) -> Resident:
    session = requests.Session()
    adapter = _FromAddress(f"127.0.0.{2 + index // CHATS_PER_ADDRESS}")
    session.mount("http://", adapter)
    page = session.get(f"{relay.base}/chat?lang=vi", timeout=30).text
    token = _CSRF.search(page)
    assert token is not None, "no form token on the start page"
    form = {"csrf_token": token.group(1), "language": "vi", "text": WALLET_VI}
    started = session.post(f"{relay.base}/chat", data=form, allow_redirects=False, timeout=30)
    assert started.status_code == 303, started.status_code
    thread = session.get(f"{relay.base}/chat/c", timeout=30).text
    first = _MESSAGE.search(thread)
    assert first is not None, "the conversation page shows no message"
    return Resident(session, first_message_id=int(first.group(1)))


def _claim_all(relay: Served, agent: AgentFeed, residents: list[Resident]) -> None:
    """Wait for every first message's translation (it names the conversation), then claim."""
    wanted = {resident.first_message_id for resident in residents}
    with agent.ready:
        agent.ready.wait_for(lambda: wanted <= agent.translated.keys(), timeout=300)
    for resident in residents:
        resident.conversation_id = agent.translated[resident.first_message_id][1]
        url = f"{relay.base}/api/conversations/{resident.conversation_id}/claim"
        requests.post(url, headers=relay.headers, timeout=30).raise_for_status()


def _follow_agent(relay: Served, agent: AgentFeed) -> None:
    """The agent's live feed, reconnecting when the server ends a stream."""
    after = 0
    while True:
        try:
            headers = {**relay.headers, "Last-Event-ID": str(after)}
            with requests.get(
                f"{relay.base}/agent/events", headers=headers, stream=True, timeout=60
            ) as response:
                for raw in response.iter_lines():
                    line = raw.decode() if isinstance(raw, bytes) else str(raw)
                    if line.startswith("id:"):
                        after = int(line.removeprefix("id:").strip())
                    if not line.startswith("data:"):
                        continue
                    event = json.loads(line.removeprefix("data:"))
                    if event.get("kind") == "message.translated":
                        with agent.ready:
                            agent.translated[event["message_id"]] = (
                                time.monotonic(),
                                event["conversation_id"],
                            )
                            agent.ready.notify_all()
        except requests.RequestException:
            time.sleep(0.2)  # the server stopped (end of the run) or ended this stream


@contextmanager
def _open_pages(relay: Served, residents: list[Resident]) -> Iterator[list[bool]]:
    """Each resident's conversation page feed, open for the block; yields which connected."""
    stop = threading.Event()
    opened = [False] * len(residents)
    threads = [
        threading.Thread(target=_page_feed, args=(relay, r, stop, opened, i), daemon=True)
        for i, r in enumerate(residents)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while not all(opened) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)  # past every feed's first read
    try:
        yield opened
    finally:
        stop.set()
        for resident in residents:  # as a phone closing the page: the server sees it at once
            if resident.feed is not None:
                resident.feed.close()
        for thread in threads:
            thread.join(timeout=10)


def _page_feed(
    relay: Served, resident: Resident, stop: threading.Event, opened: list[bool], index: int
) -> None:
    """A phone's open conversation page: its EventSource, noting each agent reply's arrival."""
    while not stop.is_set():
        try:
            with resident.session.get(
                f"{relay.base}/chat/c/events", stream=True, timeout=(10, 60)
            ) as response:
                resident.feed = response
                opened[index] = response.status_code == 200
                event = ""
                for raw in response.iter_lines():
                    line = raw.decode() if isinstance(raw, bytes) else str(raw)
                    if line.startswith("event:"):
                        event = line.removeprefix("event:").strip()
                    elif line.startswith("data:") and event == "line":
                        data = json.loads(line.removeprefix("data:"))
                        if not data.get("mine") and RECEIVED_VI in data.get("text", ""):
                            resident.seen.setdefault(int(data["id"]), time.monotonic())
                    if stop.is_set():
                        return
        except (requests.RequestException, AttributeError, ValueError):
            pass  # the stream's end, or closed by the block's end: reconnect or stop


def _measure(
    relay: Served, agent: AgentFeed, residents: list[Resident], pages: int, opened: list[bool]
) -> list[Result]:
    inbound: list[float] = []
    outbound: list[float] = []
    beyond: list[float] = []
    health: list[float] = []
    step = max(1, len(residents) // SAMPLES)
    chosen = [residents[(n * step) % len(residents)] for n in range(SAMPLES)]
    for resident in chosen:
        inbound.append(_resident_to_agent(relay, agent, resident))
        total, translation = _agent_to_resident(relay, resident)
        outbound.append(total)
        beyond.append(total - translation)
        began = time.perf_counter()
        requests.get(f"{relay.base}/healthz", timeout=30).raise_for_status()
        health.append(time.perf_counter() - began)
        time.sleep(SPACING)
    note = f"{sum(opened)} of {pages} pages open, {SAMPLES} messages"
    rows = (
        ("resident's message to Korean on the agent's feed", inbound),
        ("agent's reply to the resident's open page", outbound),
        ("agent's reply to the open page, beyond translation", beyond),
        ("a webhook-sized request meanwhile (/healthz)", health),
    )
    return [
        Result(
            "web_chat", f"{case}, {pages} pages open, p50", percentile(values, 0.5), 0.0, "", note
        )
        for case, values in rows
    ]


def _resident_to_agent(relay: Served, agent: AgentFeed, resident: Resident) -> float:
    began = time.monotonic()
    posted = resident.session.post(
        f"{relay.base}/chat/c/messages",
        data={"text": WALLET_VI},
        headers={"Accept": "application/json", "X-CSRFToken": _page_token(relay, resident)},
        timeout=30,
    )
    posted.raise_for_status()
    message_id = int(posted.json()["message_id"])
    with agent.ready:
        agent.ready.wait_for(lambda: message_id in agent.translated, timeout=60)
    url = f"{relay.base}/api/conversations/{resident.conversation_id}"
    thread = requests.get(url, headers=relay.headers, timeout=30).json()
    message = next(m for m in thread["messages"] if m["id"] == message_id)
    assert message["translated_text"], message
    return time.monotonic() - began


def _page_token(relay: Served, resident: Resident) -> str:
    """The form token chat.js reads from the open page (fetched once per resident)."""
    if not resident.token:
        page = resident.session.get(f"{relay.base}/chat/c", timeout=30).text
        found = re.search(r'name="csrf-token" content="([^"]+)"', page)
        assert found is not None
        resident.token = found.group(1)
    return resident.token


def _agent_to_resident(relay: Served, resident: Resident) -> tuple[float, float]:
    """Seconds from the agent's send to the reply on the page, and the reply's translation."""
    began = time.monotonic()
    url = f"{relay.base}/api/conversations/{resident.conversation_id}/replies"
    sent = requests.post(url, json={"text": RECEIVED_KO}, headers=relay.headers, timeout=60)
    sent.raise_for_status()
    body = sent.json()
    reply_id = int(body["message"]["id"])
    deadline = time.monotonic() + 60
    while reply_id not in resident.seen and time.monotonic() < deadline:
        time.sleep(0.005)
    if reply_id not in resident.seen:
        raise RuntimeError(f"reply {reply_id} never reached the open page")
    translation = float(body["preview"]["translation_ms"]) / 1000
    return resident.seen[reply_id] - began, translation
