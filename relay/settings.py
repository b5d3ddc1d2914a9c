"""The settings: one frozen, typed object built from RELAY_* variables at start.

This is the only module that reads the environment. `RELAY_WORKER_THREADS=4` becomes
`settings.WORKER_THREADS == 4`; each value is parsed by the setting's type, so a boolean means
what it says (`true`, `1`, `yes`, `on` or `false`, `0`, `no`, `off`, in any case) and a value
that cannot be read (`RELAY_DEV_PAGES=maybe`, `RELAY_WORKER_THREADS=two`) stops the service at
start with the variable's name and what it takes, not at 3 a.m. Paths default to places under
the instance folder so that one folder holds everything the service writes.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from languages.routes import RoutesError, parse_routes
from languages.sms import Sender, sender_problem
from transcripts.phones import is_e164

log = logging.getLogger(__name__)

ENV_PREFIX = "RELAY"
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


class SettingsError(ValueError):
    """A setting cannot be read or does not make sense; the message names it."""


@dataclass(frozen=True)
class Settings:
    """Every setting relay reads, with its embedded default. docs/configuration.md explains each.

    Built once at start from RELAY_* variables (`from_environment`), typed and validated, and
    frozen: nothing changes a setting while the service runs. The names are those of Flask's
    `app.config`, into which the settings are copied for Flask and its extensions.
    """

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
    # Who residents are told a text with a link comes from, so they can check it is the
    # centre: its name in Latin letters (one name every resident can read and look up) and the
    # number they can call. Shown in every SMS notice and reply-waiting text and on the chat
    # pages; languages/sms.py has the rules (at most 30 characters; digits, +, - and spaces).
    CENTRE_NAME: str = "120 Call Centre"
    CENTRE_NUMBER: str = "120"
    # The centre's Twilio number (E.164). Messages to other numbers are accepted but flagged.
    TWILIO_NUMBER: str = ""
    # Optional Messaging Service SID for sending from a number pool instead of TWILIO_NUMBER.
    TWILIO_MESSAGING_SERVICE_SID: str = ""
    # Folder of language models; default <instance>/models.
    MODELS_PATH: str = ""
    # The Hugging Face Hub that `flask languages install m2m100_418M` fetches from (a mirror);
    # empty: huggingface_hub's default, https://huggingface.co or its HF_ENDPOINT.
    HF_ENDPOINT: str = ""
    # Whisper model: a faster-whisper model directory; default <models>/whisper/base.
    WHISPER_MODEL: str = ""
    WHISPER_DEVICE: str = "cpu"
    WHISPER_COMPUTE_TYPE: str = "int8"
    # Beam size for machine translation (Argos defaults to 4). In the shape of M2M-100 418M,
    # beam 2 cost 3% more CPU than greedy and beam 4 another 10% (README, Performance).
    TRANSLATION_BEAM_SIZE: int = 2
    # CTranslate2 threads per translation model (0: one). On 2 cores a second thread cost 12-24%
    # more CPU per sentence in the M2M-100 418M shape and was no faster; workers run in parallel.
    TRANSLATION_THREADS: int = 0
    # Which engine serves a pair, over the measured choice of `flask languages evaluate`:
    # "zh-ko=m2m100,ja-ko=argos". Empty: the best-measured route, else the first that serves it.
    TRANSLATION_ROUTES: str = ""
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
    # The same for residents' open chat pages (/chat/c/events), in a pool of their own so open
    # pages never take an agent's feed; a page over the cap is refused and tries again, and
    # still sends and shows replies on reload. 0: no limit; gunicorn.conf.py sets a quarter.
    CHAT_SSE_MAX_STREAMS: int = 0
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
    # Live utterances decoded for speed (a caller is waiting on each caption): greedy, without
    # timestamp tokens, with one VAD pass instead of two. Off: decoded as recordings are.
    VOICE_LIVE_QUICK_DECODE: bool = True
    # Whisper's CPU threads (0: faster-whisper's default of four) and the seconds one recording
    # may take before no further 30 s window is decoded: with the token cap per window, a
    # recording holds a worker for at most this plus one window.
    WHISPER_CPU_THREADS: int = 0
    WHISPER_TIME_LIMIT_SECONDS: float = 120.0
    # The spoken-language check flags a recording when another language is more likely than the
    # menu's by more than this (0: the most likely language decides); see languages/spoken.py.
    SPOKEN_LANGUAGE_MARGIN: float = 0.0
    # The centre's human interpreter line (E.164). On a live call the agent's 3자 통역 연결 dials
    # it into a conference with the caller (and the agent's own phone, when their account has
    # one); empty: the button only marks the conversation, as for texts.
    INTERPRETER_NUMBER: str = ""
    # Automatic assignment: the longest-waiting contact goes to an available agent who serves its
    # language and holds the fewest open conversations, fewer than AUTO_ASSIGN_CAP. Off: agents
    # claim from the queue themselves.
    AUTO_ASSIGN: bool = False
    AUTO_ASSIGN_CAP: int = 3

    @classmethod
    def from_environment(
        cls,
        overrides: Mapping[str, Any] | None,
        instance: Path,
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        """Defaults, then RELAY_* variables (of `environ`, the process's by default), then
        explicit overrides (tests, scripts), each parsed by its type; then the values derived
        from the instance folder; then checked."""
        environ = os.environ if environ is None else environ
        hints = typing.get_type_hints(cls)
        names = {field.name for field in fields(cls)}
        values: dict[str, Any] = {}
        for name in names:
            variable = f"{ENV_PREFIX}_{name}"
            if overrides and name in overrides:
                values[name] = _coerce(name, hints[name], overrides[name])
            elif variable in environ:
                values[name] = _parse(variable, hints[name], environ[variable])
        unknown = sorted(
            key
            for key in environ
            if key.startswith(f"{ENV_PREFIX}_") and key.removeprefix(f"{ENV_PREFIX}_") not in names
        )
        if unknown:
            log.warning("ignoring unknown settings (mistyped?): %s", ", ".join(unknown))
        return _derived(cls(**values), instance).checked()

    def checked(self) -> Settings:
        """The settings, if they make sense together; SettingsError naming the first that
        does not."""
        url = urlsplit(self.PUBLIC_BASE_URL)
        if url.scheme not in ("http", "https") or not url.netloc:
            raise SettingsError(
                f"RELAY_PUBLIC_BASE_URL must be an http:// or https:// address, "
                f"not {self.PUBLIC_BASE_URL!r}"
            )
        if self.SESSION_COOKIE_SAMESITE not in ("Lax", "Strict", "None"):
            raise SettingsError("RELAY_SESSION_COOKIE_SAMESITE must be Lax, Strict or None")
        if self.VOICE_DEFAULT_REPLY_CHANNEL not in ("auto", "sms", "voice"):
            raise SettingsError("RELAY_VOICE_DEFAULT_REPLY_CHANNEL must be auto, sms or voice")
        problem = sender_problem(Sender(self.CENTRE_NAME, self.CENTRE_NUMBER))
        if problem is not None:
            raise SettingsError(f"RELAY_CENTRE_NAME / RELAY_CENTRE_NUMBER: {problem}")
        if self.INTERPRETER_NUMBER and not is_e164(self.INTERPRETER_NUMBER):
            raise SettingsError(
                "RELAY_INTERPRETER_NUMBER must be an international number such as +8221200120, "
                f"not {self.INTERPRETER_NUMBER!r}"
            )
        try:
            parse_routes(self.TRANSLATION_ROUTES)
        except RoutesError as error:
            raise SettingsError(f"RELAY_TRANSLATION_ROUTES: {error}") from None
        for name in ("WORKER_THREADS", "MAX_JOB_ATTEMPTS", "VOICE_MENU_ATTEMPTS"):
            if getattr(self, name) < 1:
                raise SettingsError(f"RELAY_{name} must be at least 1")
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
                raise SettingsError(f"RELAY_{field.name} cannot be negative ({value})")
        return self

    def flask_config(self) -> dict[str, Any]:
        """The settings as Flask's config keys (Flask and its extensions read them there)."""
        return {field.name: getattr(self, field.name) for field in fields(self)}


def _derived(settings: Settings, instance: Path) -> Settings:
    """Fill what defaults to the instance folder, and what follows from other settings."""
    instance.mkdir(parents=True, exist_ok=True)
    models = settings.MODELS_PATH or str(instance / "models")
    public = settings.PUBLIC_BASE_URL.rstrip("/")
    https = public.startswith("https://")
    return replace(
        settings,
        INSTANCE_PATH=str(instance),
        DATABASE_URL=settings.DATABASE_URL or f"sqlite:///{instance / 'relay.db'}",
        QUEUE_URL=settings.QUEUE_URL or f"sqlite:///{instance / 'queue.db'}",
        MODELS_PATH=models,
        VOICE_PROMPTS_PATH=settings.VOICE_PROMPTS_PATH or str(instance / "prompts"),
        WHISPER_MODEL=settings.WHISPER_MODEL or str(Path(models) / "whisper" / "base"),
        PUBLIC_BASE_URL=public,
        # Served over HTTPS: the session cookie must never travel in clear.
        SESSION_COOKIE_SECURE=settings.SESSION_COOKIE_SECURE or https,
        SECRET_KEY=settings.SECRET_KEY or _instance_secret(instance / "secret-key"),
        # No account configured: webhooks are still signed and checked, with a token that only
        # this instance (and its resident simulator) knows.
        TWILIO_AUTH_TOKEN=settings.TWILIO_AUTH_TOKEN
        or _instance_secret(instance / "dev-twilio-auth-token"),
    )


def _parse(variable: str, kind: Any, raw: str) -> Any:
    """A value from the environment, read as `kind`; SettingsError naming the variable."""
    text = raw.strip()
    optional = _optional_of(kind)
    if optional is not None:
        if text.lower() in ("", "none", "null"):
            return None
        kind = optional
    try:
        if kind is bool:
            if text.lower() in _TRUE:
                return True
            if text.lower() in _FALSE:
                return False
            raise ValueError("true or false (also 1/0, yes/no, on/off)")
        if kind is int:
            return int(text)
        if kind is float:
            return float(text)
        if kind is str:
            return raw
        item = _tuple_item(kind)
        if item is not None:
            parts = json.loads(text) if text.startswith("[") else text.replace(",", " ").split()
            return tuple(item(part) for part in parts)
    except (ValueError, TypeError) as error:
        takes = _describe(kind)
        raise SettingsError(f"{variable}={raw!r} cannot be read: it takes {takes}") from error
    raise SettingsError(f"{variable}: settings of type {kind!r} cannot be read")


def _coerce(name: str, kind: Any, value: Any) -> Any:
    """An override given as a Python value: kept when it has the setting's type, else read
    like an environment variable."""
    if isinstance(value, str) and kind is not str and _optional_of(kind) is not str:
        return _parse(f"{ENV_PREFIX}_{name}", kind, value)
    if isinstance(value, list):
        return tuple(value)
    return value


def _optional_of(kind: Any) -> Any:
    if isinstance(kind, types.UnionType) and type(None) in typing.get_args(kind):
        others = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        return others[0] if len(others) == 1 else None
    return None


def _tuple_item(kind: Any) -> Any:
    if typing.get_origin(kind) is tuple:
        return typing.get_args(kind)[0]
    return None


def _describe(kind: Any) -> str:
    if kind is bool:
        return "true or false (also 1/0, yes/no, on/off)"
    if kind is int:
        return "a whole number"
    if kind is float:
        return "a number"
    item = _tuple_item(kind)
    if item is not None:
        return f"a list of {_describe(item)}s, separated by commas"
    return str(kind)


def instance_path_from_env(default: Path, environ: Mapping[str, str] | None = None) -> Path:
    """The instance folder: RELAY_INSTANCE_PATH, else Flask's default (needed before the app
    exists)."""
    value = (os.environ if environ is None else environ).get(f"{ENV_PREFIX}_INSTANCE_PATH")
    return Path(value).resolve() if value else default


def _instance_secret(path: Path) -> str:
    """A random secret kept in the instance folder, so it survives restarts."""
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_hex(32)
    path.write_text(value)
    path.chmod(0o600)
    return value
