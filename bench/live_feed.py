"""End-to-end benchmark: from a resident's SMS webhook to its Korean on the agent's live feed.

What an agent waits for: relay served as `make run` serves it (`flask run`, embedded defaults,
the tiny test models installed, so detection and translation really run), an agent's live feed
open (`/agent/events`, Server-Sent Events, as the browser's EventSource reads it), and signed
SMS arriving at a steady 1 and then 20 texts a second, each from a new resident. For every text,
the clock runs from sending the webhook until the feed has announced `message.translated` and
the message API (`/api/conversations/<id>`) returns its Korean. The figure includes the feed's
polling (`RELAY_AGENT_SSE_POLL_SECONDS`, 0.5 s) and the consumer's look at the queue file
(0.25 s at most); there is no baseline, so the rows give seconds, not ratios.
"""

from __future__ import annotations

import json
import logging
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bench import Options, Result
from bench._served import (
    AUTH_TOKEN,
    CENTRE_NUMBER,
    Served,
    percentile,
    served_relay,
)
from bench.webhooks import PHRASES
from relay.twilio.security import sign
from tests.support.servers import free_port

#: (texts a second, how many): about 30 s at 1/s and 15 s at 20/s keep the case to a minute.
RATES = ((1, 30), (20, 300))
log = logging.getLogger(__name__)


def run(options: Options) -> list[Result]:
    """One server, one live feed; a steady stream of texts at each rate in turn."""
    with tempfile.TemporaryDirectory(prefix="relay-bench-feed-") as name:
        folder = Path(name)
        with served_relay(folder, free_port()) as relay:
            results = []
            for rate, count in RATES:
                waits = _stream(relay, rate, count, prefix=f"{rate:03d}")
                for fraction in (0.50, 0.99):
                    results.append(
                        Result(
                            "live_feed",
                            f"SMS to Korean on the feed at {rate}/s, p{fraction * 100:.0f}",
                            percentile(waits, fraction),
                            0.0,
                            "",
                            note=f"{len(waits)} of {count} texts seen",
                        )
                    )
    return results


def _stream(relay: Served, rate: int, count: int, prefix: str) -> list[float]:
    """Send `count` texts at `rate` a second; the seconds each took to reach the feed in Korean."""
    sent: dict[str, float] = {}  # resident's number → when its webhook was sent
    seen: dict[str, float] = {}
    done = threading.Event()
    feed = threading.Thread(target=_read_feed, args=(relay, sent, seen, count, done), daemon=True)
    feed.start()
    time.sleep(1.0)  # the feed is open and past its first read
    started = time.monotonic()
    with ThreadPoolExecutor(8) as senders:
        for index in range(count):
            time.sleep(max(0.0, started + index / rate - time.monotonic()))
            phone = f"+8219{prefix}{index:05d}"
            sent[phone] = time.monotonic()
            senders.submit(_send, relay, prefix, index, phone)
    done.wait(timeout=120)
    return [seen[phone] - sent[phone] for phone in seen]


def _send(relay: Served, prefix: str, index: int, phone: str) -> None:
    url = f"{relay.base}/twilio/sms"
    form = {
        "MessageSid": f"SM{prefix}{index:029d}",
        "From": phone,
        "To": CENTRE_NUMBER,
        "Body": PHRASES[index % len(PHRASES)],
    }
    headers = {"X-Twilio-Signature": sign(url, form, AUTH_TOKEN)}
    requests.post(url, data=form, headers=headers, timeout=30).raise_for_status()


def _read_feed(
    relay: Served,
    sent: dict[str, float],
    seen: dict[str, float],
    count: int,
    done: threading.Event,
) -> None:
    """Follow the live feed; on each translation, read the message and note when it was seen."""
    try:
        _follow(relay, sent, seen, count, done)
    except requests.RequestException:  # the server stopped at the end of the run
        if not done.is_set():
            raise


def _follow(
    relay: Served,
    sent: dict[str, float],
    seen: dict[str, float],
    count: int,
    done: threading.Event,
) -> None:
    with (
        requests.get(
            f"{relay.base}/agent/events", headers=relay.headers, stream=True, timeout=60
        ) as response,
        ThreadPoolExecutor(4) as readers,
    ):
        for raw in response.iter_lines():
            line = raw.decode() if isinstance(raw, bytes) else str(raw)
            if not line.startswith("data:"):
                continue
            event = json.loads(line.removeprefix("data:"))
            if event["kind"] == "message.translated":
                readers.submit(_read_message, relay, event, sent, seen, count, done)
            if done.is_set():
                return


def _read_message(
    relay: Served,
    event: dict[str, int],
    sent: dict[str, float],
    seen: dict[str, float],
    count: int,
    done: threading.Event,
) -> None:
    url = f"{relay.base}/api/conversations/{event['conversation_id']}"
    thread = requests.get(url, headers=relay.headers, timeout=30).json()
    message = next(m for m in thread["messages"] if m["id"] == event["message_id"])
    if message["translated_text"] and thread["phone"] in sent:
        seen[thread["phone"]] = time.monotonic()
        if len(seen) >= count:
            done.set()
