"""Configuration: typed defaults, overridden by RELAY_* environment variables.

This is the only module that reads the environment. `RELAY_DATABASE_URL=...` becomes
`app.config["DATABASE_URL"]`; values are parsed as JSON where they look like it (Flask's
`from_prefixed_env`), so `RELAY_EMBEDDED_WORKER=false` is a boolean. Paths default to places
under the instance folder so that one folder holds everything the service writes.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from relay.service_hours import ServiceHours

ENV_PREFIX = "RELAY"


class Defaults:
    """Every setting relay reads, with its embedded default. docs/configuration.md explains each."""

    # Where everything the service writes lives; RELAY_INSTANCE_PATH (read before the app exists).
    INSTANCE_PATH: str = ""
    # SQLAlchemy URL; default sqlite:///<instance>/relay.db. PostgreSQL: postgresql+psycopg://...
    DATABASE_URL: str = ""
    # Job queue: sqlite:///<instance>/queue.db (default), redis://host:6379/0, memory://, immediate://
    QUEUE_URL: str = ""
    # Run the job consumer inside the web process (threads). Turn off when `flask worker` runs it.
    EMBEDDED_WORKER: bool = True
    WORKER_THREADS: int = 2
    # The URL Twilio uses to reach this service; signatures are checked against it (proxies!).
    PUBLIC_BASE_URL: str = "http://127.0.0.1:5000"
    TWILIO_ACCOUNT_SID: str = ""
    TWILIO_AUTH_TOKEN: str = ""
    # The centre's Twilio number (E.164). Messages to other numbers are accepted but flagged.
    TWILIO_NUMBER: str = ""
    # Optional Messaging Service SID for sending from a number pool instead of TWILIO_NUMBER.
    TWILIO_MESSAGING_SERVICE_SID: str = ""
    # Folder of language models; default <instance>/models.
    MODELS_PATH: str = ""
    # Whisper model: a faster-whisper model directory; default <models>/whisper/base.
    WHISPER_MODEL: str = ""
    WHISPER_DEVICE: str = "cpu"
    WHISPER_COMPUTE_TYPE: str = "int8"
    # Beam size for machine translation (Argos defaults to 4; 2 is nearly as good and much faster).
    TRANSLATION_BEAM_SIZE: int = 2
    # CTranslate2 threads per translation model (0: one, which measured fastest on 2 cores).
    TRANSLATION_THREADS: int = 0
    # Answer a resident's first text of a new conversation at once, in their language, with a
    # human-written receipt ("we have your message; emergencies: 112, 119").
    SMS_ACKNOWLEDGEMENT: bool = True
    # An answered conversation the resident has not written back to for this long closes as
    # no_response (transcripts/idle.py), checked hourly; 0 keeps conversations open until an
    # agent closes them.
    IDLE_CLOSE_HOURS: int = 72
    # When agents are at work, e.g. "mon-fri 09:00-22:00; sat-sun 09:00-18:00" in TIMEZONE
    # (relay/service_hours.py); a receipt outside them says the answer comes when they are back.
    # Empty: always staffed.
    AGENT_HOURS: str = ""
    TIMEZONE: str = "Asia/Seoul"
    # Development pages (outbox, resident simulator): on only when set (`make run` sets it). A
    # missing Twilio account no longer turns them on: any signed-in agent could forge a resident.
    DEV_PAGES: bool = False
    SECRET_KEY: str = ""
    SESSION_COOKIE_HTTPONLY: bool = True
    SESSION_COOKIE_SAMESITE: str = "Lax"
    SESSION_COOKIE_SECURE: bool = False  # set true behind HTTPS
    # How long a job may look stuck before the sweeper enqueues it again, and how often it may.
    STALE_JOB_SECONDS: int = 120
    MAX_JOB_ATTEMPTS: int = 5
    # Resident text longer than this is stored whole but translated in part (with a flag).
    MAX_TRANSLATED_CHARS: int = 4000
    # Conversations closed longer ago than this are deleted with their messages and audio by a
    # daily job (0 keeps everything; `flask transcripts purge` does it by hand).
    RETENTION_DAYS: int = 365
    # Create tables/apply migrations when the app starts under `flask run`.
    AUTO_MIGRATE: bool = True
    # Voice calls: the longest message a caller may record (Twilio <Record maxLength>).
    VOICE_MAX_RECORDING_SECONDS: int = 120
    # Mongolian (and any other) prompt recordings: <folder>/<lang>/<prompt>.wav|mp3.
    VOICE_PROMPTS_PATH: str = ""
    # Fetching recordings: per-request timeout, attempts with doubling backoff, size cap
    # (0: derived from the length cap, 32 kB per second plus 1 MiB).
    VOICE_DOWNLOAD_TIMEOUT_SECONDS: float = 10.0
    VOICE_DOWNLOAD_ATTEMPTS: int = 3
    VOICE_DOWNLOAD_BACKOFF_SECONDS: float = 1.0
    VOICE_MAX_DOWNLOAD_BYTES: int = 0
    # Recordings are fetched only from Twilio's API (https://api.twilio.com) and these hosts
    # ("host" for any port, "host:port" for one): a local recording server in tests, a mirror.
    # With development pages on, the simulator's own address (PUBLIC_BASE_URL) is added.
    VOICE_RECORDING_HOSTS: tuple[str, ...] = ()
    # When a download keeps failing, the job is tried again this many times, this far apart.
    VOICE_JOB_RETRIES: int = 3
    VOICE_JOB_RETRY_DELAY_SECONDS: int = 60
    # Passes through the language menu before the line says goodbye.
    VOICE_MENU_ATTEMPTS: int = 3
    # Reply channel when the agent names none: "auto" (a call-back when the resident's last
    # message was a call in a language Twilio can speak, else SMS), "sms" or "voice".
    VOICE_DEFAULT_REPLY_CHANNEL: str = "auto"
    # Sign-in: failed attempts per username and address before a pause of LOGIN_LOCK_SECONDS.
    LOGIN_MAX_FAILURES: int = 5
    LOGIN_LOCK_SECONDS: int = 300
    # Agent view's live feed (Server-Sent Events): how often the event table is read, how often
    # an idle stream sends a keep-alive comment, and how long one stream may hold a thread before
    # the browser reconnects (resuming from Last-Event-ID).
    AGENT_SSE_POLL_SECONDS: float = 0.5
    AGENT_SSE_HEARTBEAT_SECONDS: float = 15.0
    AGENT_SSE_MAX_SECONDS: float = 300.0
    # The abuse button's block lengths offered to agents, in hours (the first is the default).
    ABUSE_BLOCK_HOURS: tuple[int, ...] = (24, 72, 168, 720)
    # CSRF tokens are accepted for as long as the signed-in session lasts (None), not Flask-WTF's
    # one hour, after which a thread page left open failed every button; why: relay/auth.py.
    WTF_CSRF_TIME_LIMIT: int | None = None
    # Live feeds one process serves at once; the next is refused with 503 and Retry-After so
    # feeds can never take every thread from webhooks. 0: no limit (`flask run` starts a thread
    # per request); gunicorn.conf.py sets half of gunicorn's threads.
    AGENT_SSE_MAX_STREAMS: int = 0
    # Twilio's REST API base URL for messages and calls; empty: https://api.twilio.com. For a
    # regional endpoint or a proxy every request must pass (the tests' local stand-in for Twilio).
    TWILIO_API_BASE_URL: str = ""
    # Hold every reply in the outbox (/dev/outbox) instead of sending it: nothing reaches a
    # resident, and replies are recorded as held, never as sent or delivered. An explicit choice
    # (`make run` sets it), so a production instance without a Twilio account refuses to start
    # rather than pretend; with this on, an account is used for signatures and recordings only.
    OUTBOX: bool = False
    # The CPU priority (nice) of the job consumer `flask run` starts as its child process: above
    # 0 the kernel serves waiting webhooks first and translation with what is left.
    EMBEDDED_WORKER_NICENESS: int = 10
    # A web chat reply the resident's page has not shown for this many minutes gets one SMS
    # saying a reply is waiting, with the link to the chat, when the resident left a number
    # (or texted before); 0: never.
    WEB_CHAT_NUDGE_MINUTES: int = 15
    # Live calls: after the language menu, while agents are at work, the caller's audio streams
    # to relay (<Start><Stream>) and the agent reads Korean captions while the caller speaks.
    VOICE_LIVE: bool = True
    # How long a live caller waits for an agent to take the call before being offered the
    # recorded-message path.
    VOICE_LIVE_WAIT_SECONDS: int = 45
    # Silence that ends an utterance, and the longest utterance before it is cut anyway.
    VOICE_LIVE_END_SILENCE_MS: int = 700
    VOICE_LIVE_MAX_UTTERANCE_SECONDS: float = 15.0
    # Whisper's CPU threads (0: faster-whisper's default of four) and the seconds one recording
    # may take before no further 30 s window is decoded: with the token cap per window, a
    # recording holds a worker for at most this plus one window.
    WHISPER_CPU_THREADS: int = 0
    WHISPER_TIME_LIMIT_SECONDS: float = 120.0
    # The spoken-language check flags a recording when another language is more likely than the
    # menu's by more than this (0: the most likely language decides); see languages/spoken.py.
    SPOKEN_LANGUAGE_MARGIN: float = 0.0


def instance_path_from_env(default: Path) -> Path:
    """The instance folder: RELAY_INSTANCE_PATH, else Flask's default (needed before the app
    exists)."""
    value = os.environ.get(f"{ENV_PREFIX}_INSTANCE_PATH")
    return Path(value).resolve() if value else default


def load(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    """Fill app.config: defaults, then RELAY_* variables, then explicit overrides (tests)."""
    app.config.from_object(Defaults)
    app.config.from_prefixed_env(ENV_PREFIX)
    if overrides:
        app.config.update(overrides)
    _derive(app)


def _derive(app: Flask) -> None:
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    config = app.config
    config["INSTANCE_PATH"] = str(instance)
    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = f"sqlite:///{instance / 'relay.db'}"
    if not config["QUEUE_URL"]:
        config["QUEUE_URL"] = f"sqlite:///{instance / 'queue.db'}"
    if not config["MODELS_PATH"]:
        config["MODELS_PATH"] = str(instance / "models")
    if not config["VOICE_PROMPTS_PATH"]:
        config["VOICE_PROMPTS_PATH"] = str(instance / "prompts")
    if not config["WHISPER_MODEL"]:
        config["WHISPER_MODEL"] = str(Path(config["MODELS_PATH"]) / "whisper" / "base")
    config["PUBLIC_BASE_URL"] = config["PUBLIC_BASE_URL"].rstrip("/")
    if config["PUBLIC_BASE_URL"].startswith("https://"):
        # Served over HTTPS: the session and remember-me cookies must never travel in clear.
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
    config["REMEMBER_COOKIE_HTTPONLY"] = True
    config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _instance_secret(instance / "secret-key")
    if not config["TWILIO_AUTH_TOKEN"]:
        # No account configured: webhooks are still signed and checked, with a token that only
        # this instance (and its resident simulator) knows.
        config["TWILIO_AUTH_TOKEN"] = _instance_secret(instance / "dev-twilio-auth-token")
    # Read at start, so a mistyped setting stops the service with the reason, not at 3 a.m.
    config["SERVICE_HOURS"] = ServiceHours.parse(config["AGENT_HOURS"], config["TIMEZONE"])
    # Production (not debug or testing) must say how replies leave: a Twilio account, or the
    # outbox chosen on purpose. Checked where serving and working start (relay/delivery.py).


def _instance_secret(path: Path) -> str:
    """A random secret kept in the instance folder, so it survives restarts."""
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_hex(32)
    path.write_text(value)
    path.chmod(0o600)
    return value
