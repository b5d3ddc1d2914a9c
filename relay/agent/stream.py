"""The live feed: the Event table as Server-Sent Events, so queues and threads update without
reloading.

Each event is sent with its id; a browser that loses the connection reconnects with the
Last-Event-ID header and gets exactly what it missed. The generator reads the table every
AGENT_SSE_POLL_SECONDS (one indexed query on the primary key), sends a comment line when idle so
proxies keep the connection, and ends after AGENT_SSE_MAX_SECONDS so no server thread is held
forever; the browser's EventSource then reconnects by itself and resumes.

An open feed holds one server thread for as long as it lasts. Under a threaded server with a
fixed pool (gunicorn's gthread) enough open agent views would take every thread, and Twilio's
webhooks, sign-ins and pages would queue behind them. So each process admits at most
AGENT_SSE_MAX_STREAMS feeds at once (gunicorn.conf.py sets half the threads) and refuses the next
with 503 and Retry-After, the way a server sheds load it cannot carry rather than queueing it:
the refusal costs a few milliseconds, the webhooks keep the other half of the threads, and the
agent view shows that it is reconnecting. A browser's EventSource gives up on any answer but 200
(the HTML standard "fails the connection"), so agent.js reopens the feed itself after a jittered
wait, resuming from the last event id it saw. A site with more open views than its web
processes can carry routes /agent/events to a feed-only pool of its own, as Mastodon serves its
streams from a separate server (docs/deploy.md); the cap still guards each process there.
A closed tab gives its slot back at the feed's next write (a keep-alive at the latest), when the
server finds the connection gone and closes the response.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from flask.blueprints import BlueprintSetupState
from sqlalchemy.orm import Session, sessionmaker

from relay.agent.access import agent_required
from relay.services import services
from transcripts import repository
from transcripts.models import Event

log = logging.getLogger(__name__)

bp = Blueprint("agent_stream", __name__, url_prefix="/agent")

RETRY_MS = 1000
# How long a refused browser is asked to wait; agent.js waits about this long (with jitter).
REFUSED_RETRY_AFTER_SECONDS = 10
EXTENSION = "relay_live_feeds"


class FeedSlots:
    """How many live feeds this process is serving, and whether it may take one more.

    One per app (so per process): the threads a feed holds are this process's threads. A limit
    of 0 admits every feed, for servers that start a thread per request (`flask run`).
    """

    def __init__(self, limit: int) -> None:
        if limit < 0:
            raise ValueError(f"AGENT_SSE_MAX_STREAMS must be 0 or more, not {limit}")
        self.limit = limit
        self._open = 0
        self._lock = threading.Lock()

    @property
    def open(self) -> int:
        """Feeds being served now (read for /healthz; a snapshot, not a promise)."""
        return self._open

    def try_take(self) -> bool:
        """Take a slot if one is free; the caller must `release` it exactly once."""
        with self._lock:
            if self.limit and self._open >= self.limit:
                return False
            self._open += 1
            return True

    def release(self) -> None:
        with self._lock:
            self._open -= 1


class _HeldFeed:
    """The feed's frames, releasing its slot when the server closes the response.

    WSGI servers call `close()` on the response iterable when the stream ends, the client goes
    away (noticed at the next write) or the worker stops, also when not one frame was sent; a
    generator's own `finally` would not run in that last case, and the slot would leak.
    """

    def __init__(self, frames: Iterator[str], release: Callable[[], None]) -> None:
        self._frames = frames
        self._release: Callable[[], None] | None = release

    def __iter__(self) -> _HeldFeed:
        return self

    def __next__(self) -> str:
        return next(self._frames)

    def close(self) -> None:
        try:
            close = getattr(self._frames, "close", None)
            if close is not None:
                close()
        finally:
            release, self._release = self._release, None
            if release is not None:
                release()


#: The two pools of slots: agents' views, and residents' open chat pages. Separate, so however
#: many residents keep a page open, agents' feeds are never refused for it (and the reverse).
AGENTS = "agents"
RESIDENTS = "residents"


@bp.record_once
def _create_slots(state: BlueprintSetupState) -> None:
    config = state.app.config
    state.app.extensions[EXTENSION] = {
        AGENTS: FeedSlots(int(config["AGENT_SSE_MAX_STREAMS"])),
        RESIDENTS: FeedSlots(int(config["CHAT_SSE_MAX_STREAMS"])),
    }


def feed_slots(app: Flask, pool: str = AGENTS) -> FeedSlots:
    """The app's live-feed slots of one pool (for /healthz)."""
    slots: FeedSlots = app.extensions[EXTENSION][pool]
    return slots


def start_id() -> int | None:
    """Where to resume: Last-Event-ID (a reconnect), else ?after= (the page's render point)."""
    for raw in (request.headers.get("Last-Event-ID"), request.args.get("after")):
        value = (raw or "").strip()
        if value.isascii() and value.isdigit() and len(value) <= 18:
            return int(value)
    return None


def event_stream(
    sessions: sessionmaker[Session],
    after: int | None,
    *,
    poll: float,
    heartbeat: float,
    max_seconds: float,
    conversation_id: int | None = None,
    frame: Callable[[Session, Event], str] | None = None,
    tick: Callable[[Session], str] | None = None,
) -> Iterator[str]:
    """Yield SSE frames for events after `after` (None: only events from now on).

    A resident's chat page uses the same loop for one conversation (`conversation_id`), with
    frames of its own (`frame`: what the page may see of each event) and `tick`, asked at each
    poll for a frame that is not an event (the "agent is typing" sign; "" for none).
    """
    render = frame or _event_frame
    yield f"retry: {RETRY_MS}\n\n"
    with sessions() as session:
        last_id = (
            after if after is not None else repository.latest_event_id(session, conversation_id)
        )
    started = last_sent = time.monotonic()
    while time.monotonic() - started < max_seconds:
        with sessions() as session:
            events = repository.events_after(session, last_id, conversation_id=conversation_id)
            frames = [render(session, e) for e in events]
            if events:
                last_id = events[-1].id
            if tick is not None:
                frames.append(tick(session))
        frames = [f for f in frames if f]
        if frames:
            yield "".join(frames)
            last_sent = time.monotonic()
            continue  # a burst may have more than one page of events
        if time.monotonic() - last_sent >= heartbeat:
            yield ": keep-alive\n\n"
            last_sent = time.monotonic()
        time.sleep(poll)


def _event_frame(_session: Session, event: Event) -> str:
    data: dict[str, Any] = {
        "id": event.id,
        "kind": event.kind,
        "conversation_id": event.conversation_id,
        "message_id": event.message_id,
    }
    return f"id: {event.id}\nevent: relay\ndata: {json.dumps(data)}\n\n"


@bp.get("/events")
@agent_required
def events() -> Response:
    """The event feed for signed-in agents (text/event-stream), or 503 when this process already
    serves as many feeds as it may."""
    return live_feed(lambda **timing: event_stream(services().sessions, start_id(), **timing))


def live_feed(
    stream: Callable[..., Iterator[str]],
    refusal: str = "실시간 연결이 많아 받을 수 없습니다. 잠시 후 다시 연결합니다.",
    pool: str = AGENTS,
) -> Response:
    """Serve `stream(poll=, heartbeat=, max_seconds=)` as text/event-stream in one of this
    process's feed slots of `pool`, or refuse at once with 503 (`refusal`, in the reader's
    language) when they are all taken. Agents' views hold at most AGENT_SSE_MAX_STREAMS of this
    process's threads, residents' chat pages at most CHAT_SSE_MAX_STREAMS more."""
    config = current_app.config
    slots = feed_slots(current_app, pool)
    if not slots.try_take():
        log.warning("live feed refused: %d of %d open in this process", slots.open, slots.limit)
        return _refused(refusal)
    try:
        frames = stream(
            poll=float(config["AGENT_SSE_POLL_SECONDS"]),
            heartbeat=float(config["AGENT_SSE_HEARTBEAT_SECONDS"]),
            max_seconds=float(config["AGENT_SSE_MAX_SECONDS"]),
        )
    except BaseException:
        slots.release()  # no response will carry the slot to its close()
        raise
    return Response(
        _HeldFeed(frames, slots.release),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _refused(text: str) -> Response:
    """503 with Retry-After: a clear "not now" that costs this process almost nothing."""
    return Response(
        text + "\n",
        status=503,
        mimetype="text/plain",
        headers={"Retry-After": str(REFUSED_RETRY_AFTER_SECONDS), "Cache-Control": "no-store"},
    )
