"""gunicorn settings for relay's web processes: `gunicorn -c gunicorn.conf.py wsgi:app`.

Threaded workers (gthread): a webhook, a page or an API call spends most of its time waiting on
the database, so threads serve them cheaply, and an agent's live feed (/agent/events) can hold a
thread for minutes without holding a process. Such feeds are capped per process at half the
threads (RELAY_AGENT_SSE_MAX_STREAMS, set below from the thread count gunicorn really uses), so
however many agent views are open, the other half of the threads is always free for Twilio's
webhooks; a feed over the cap gets 503 with Retry-After and the view reconnects a little later.
Values given on the command line (`--workers 4`, `--bind ...`) override the ones here.
Sizing for one machine and many is in docs/deploy.md.
"""

from __future__ import annotations

import os
from typing import Any

FEED_LIMIT = "RELAY_AGENT_SSE_MAX_STREAMS"
CHAT_LIMIT = "RELAY_CHAT_SSE_MAX_STREAMS"

wsgi_app = "wsgi:app"
bind = ["0.0.0.0:8000"]
worker_class = "gthread"
# Processes: about one per core of a web node (the GIL lets one process use about one core).
# Two at least, so a worker that restarts never leaves the node without one.
workers = 2
# Threads per process: half for live feeds, half for everything else.
threads = 32
# gthread's main loop reports in regardless of how long requests take, so this restarts a
# stuck process without cutting long feeds; requests themselves are short.
timeout = 30
# On a restart or deploy, requests get this long to finish; open feeds are then cut, and each
# browser resumes from its Last-Event-ID on another process.
graceful_timeout = 30
# Idle kept-alive connections wait in gthread's poller, not in a thread.
keepalive = 5
# Each process builds its own app after the fork (database pools and the queue client are not
# fork-safe), which also lets on_starting below set the feed limit before any app reads it.
preload_app = False
# One line per request with its time in milliseconds (%(M)s), for webhook latency. The path
# without its query string (%(U)s): admin searches carry phone numbers in theirs.
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'


def on_starting(server: Any) -> None:
    """Derive the per-process feed limit from the final thread count, or check the one given.

    Runs in the master before any worker starts, so every worker's app reads the same limit.
    A limit of 0 (none) or one not below the thread count would let open feeds take every thread
    again, so gunicorn refuses to start with it rather than starve webhooks later.
    """
    threads = int(server.cfg.threads)
    if threads < 2:
        raise SystemExit("gunicorn.conf.py: relay needs --threads 2 or more (feeds hold threads)")
    configured = os.environ.get(FEED_LIMIT)
    if configured is None:
        os.environ[FEED_LIMIT] = str(threads // 2)
    elif not configured.strip().isdigit() or not 0 < int(configured) < threads:
        raise SystemExit(
            f"gunicorn.conf.py: {FEED_LIMIT}={configured!r} must be between 1 and {threads - 1} "
            f"(below --threads {threads}), or unset for {threads // 2}"
        )
    _chat_pages_limit(threads, int(os.environ[FEED_LIMIT]))


def _chat_pages_limit(threads: int, agents: int) -> None:
    """Residents' open chat pages get a pool of their own (a quarter of the threads unless
    set), so they never take an agent's feed; with the agents' pool it must leave a thread."""
    configured = os.environ.get(CHAT_LIMIT)
    room = threads - agents - 1
    if room < 1:
        raise SystemExit("gunicorn.conf.py: no thread left for residents' chat pages")
    if configured is None:
        os.environ[CHAT_LIMIT] = str(min(max(1, threads // 4), room))
        return
    if not configured.strip().isdigit() or not 0 < int(configured) <= room:
        raise SystemExit(
            f"gunicorn.conf.py: {CHAT_LIMIT}={configured!r} must be between 1 and {room} "
            f"(with {FEED_LIMIT}={agents}, below --threads {threads})"
        )
