"""The live feed: the Event table as Server-Sent Events, so queues and threads update without
reloading.

Each event is sent with its id; a browser that loses the connection reconnects with the
Last-Event-ID header and gets exactly what it missed. The generator reads the table every
AGENT_SSE_POLL_SECONDS (one indexed query on the primary key), sends a comment line when idle so
proxies keep the connection, and ends after AGENT_SSE_MAX_SECONDS so no server thread is held
forever; the browser's EventSource then reconnects by itself and resumes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, current_app, request
from sqlalchemy.orm import Session, sessionmaker

from relay.agent.access import agent_required
from relay.services import services
from transcripts import repository

bp = Blueprint("agent_stream", __name__, url_prefix="/agent")

RETRY_MS = 1000


def _start_id() -> int | None:
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
) -> Iterator[str]:
    """Yield SSE frames for events after `after` (None: only events from now on)."""
    yield f"retry: {RETRY_MS}\n\n"
    with sessions() as session:
        last_id = after if after is not None else repository.latest_event_id(session)
    started = last_sent = time.monotonic()
    while time.monotonic() - started < max_seconds:
        with sessions() as session:
            events = repository.events_after(session, last_id)
            frames = [_frame(e.id, e.kind, e.conversation_id, e.message_id) for e in events]
            if events:
                last_id = events[-1].id
        if frames:
            yield "".join(frames)
            last_sent = time.monotonic()
            continue  # a burst may have more than one page of events
        if time.monotonic() - last_sent >= heartbeat:
            yield ": keep-alive\n\n"
            last_sent = time.monotonic()
        time.sleep(poll)


def _frame(event_id: int, kind: str, conversation_id: int | None, message_id: int | None) -> str:
    data: dict[str, Any] = {
        "id": event_id,
        "kind": kind,
        "conversation_id": conversation_id,
        "message_id": message_id,
    }
    return f"id: {event_id}\nevent: relay\ndata: {json.dumps(data)}\n\n"


@bp.get("/events")
@agent_required
def events() -> Response:
    """The event feed for signed-in agents (text/event-stream)."""
    config = current_app.config
    stream = event_stream(
        services().sessions,
        _start_id(),
        poll=float(config["AGENT_SSE_POLL_SECONDS"]),
        heartbeat=float(config["AGENT_SSE_HEARTBEAT_SECONDS"]),
        max_seconds=float(config["AGENT_SSE_MAX_SECONDS"]),
    )
    return Response(
        stream,
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
