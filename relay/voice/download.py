"""Fetching a caller's recording over HTTP: with timeouts, a size cap and retries with backoff.

Twilio's recording URLs answer with a WAV file (Basic auth with the account's SID and token when
the account protects its media). Only Twilio's API hosts (over HTTPS) and hosts the
configuration names are fetched at all, and the credentials go only to Twilio's. The file is
written beside its final name and renamed into place, so a half-downloaded recording is never
taken for a whole one.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests

log = logging.getLogger(__name__)

_CHUNK = 64 * 1024


class DownloadError(Exception):
    """The recording could not be fetched; `retryable` says whether trying later may help."""

    def __init__(self, reason: str, *, retryable: bool, oversized: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.oversized = oversized


@dataclass(frozen=True)
class DownloadSettings:
    """How hard to try: per-request timeout, attempts, first backoff (doubling), size cap."""

    timeout_seconds: float
    attempts: int
    backoff_seconds: float
    max_bytes: int
    account_sid: str = ""
    auth_token: str = ""
    # Hosts besides Twilio's API that may serve recordings (RELAY_VOICE_RECORDING_HOSTS).
    allowed_hosts: tuple[str, ...] = ()


def _is_twilio_api(host: str) -> bool:
    """api.twilio.com, or a regional API host such as api.dublin.ie1.twilio.com."""
    return host == "api.twilio.com" or (host.startswith("api.") and host.endswith(".twilio.com"))


def recording_url_allowed(url: str, allowed_hosts: tuple[str, ...]) -> bool:
    """True when `url` is Twilio's API over HTTPS, or on a host the configuration names
    (`host` for any port, `host:port` for one). A RecordingUrl arrives in a webhook, so without
    this the worker could be sent to fetch internal addresses."""
    if not url or "\\" in url or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        return False
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if not host or parts.username is not None or parts.password is not None:
        return False
    if parts.scheme == "https" and _is_twilio_api(host) and port in (None, 443):
        return True
    if parts.scheme not in ("http", "https"):
        return False
    netloc = f"{host}:{port}" if port is not None else host
    return any(entry.lower() in (host, netloc) for entry in allowed_hosts)


def _auth_for(url: str, settings: DownloadSettings) -> tuple[str, str] | None:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if settings.account_sid and parts.scheme == "https" and _is_twilio_api(host):
        return (settings.account_sid, settings.auth_token)
    return None


def download(url: str, destination: Path, settings: DownloadSettings) -> int:
    """Fetch `url` into `destination`; returns its size. Raises DownloadError.

    Timeouts, connection errors, 5xx, 429 and 404 are retried (a recording can be announced a
    moment before Twilio serves it); other client errors and an oversized file are not.
    """
    if not recording_url_allowed(url, settings.allowed_hosts):
        raise DownloadError(
            f"recording URL host not allowed (not Twilio's API, not configured): {url[:80]}",
            retryable=False,
        )
    last: DownloadError | None = None
    for attempt in range(1, max(settings.attempts, 1) + 1):
        try:
            return _fetch_once(url, destination, settings)
        except DownloadError as error:
            last = error
            if not error.retryable or attempt >= settings.attempts:
                break
            delay = settings.backoff_seconds * 2 ** (attempt - 1)
            log.info(
                "recording download attempt %d failed (%s); again in %.1fs", attempt, error, delay
            )
            time.sleep(delay)
    assert last is not None
    raise DownloadError(
        f"{last.reason} (after {attempt} attempt{'s' if attempt != 1 else ''})",
        retryable=last.retryable,
        oversized=last.oversized,
    )


def _fetch_once(url: str, destination: Path, settings: DownloadSettings) -> int:
    partial = destination.with_name(f".{destination.name}.part")
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        with requests.get(
            url,
            auth=_auth_for(url, settings),
            timeout=(settings.timeout_seconds, settings.timeout_seconds),
            stream=True,
            # Twilio may redirect to its media storage; a configured host has no reason to.
            allow_redirects=_is_twilio_api((urlsplit(url).hostname or "").lower()),
        ) as response:
            _check_status(response)
            announced = response.headers.get("Content-Length")
            if announced and announced.isdigit() and int(announced) > settings.max_bytes:
                raise DownloadError(
                    _too_big(int(announced), settings), retryable=False, oversized=True
                )
            size = 0
            with partial.open("wb") as handle:
                for chunk in response.iter_content(_CHUNK):
                    size += len(chunk)
                    if size > settings.max_bytes:
                        raise DownloadError(
                            _too_big(size, settings), retryable=False, oversized=True
                        )
                    handle.write(chunk)
    except requests.Timeout as error:
        partial.unlink(missing_ok=True)
        raise DownloadError(f"the recording server timed out: {error}", retryable=True) from error
    except requests.RequestException as error:
        partial.unlink(missing_ok=True)
        raise DownloadError(
            f"the recording could not be fetched: {error}", retryable=True
        ) from error
    except DownloadError:
        partial.unlink(missing_ok=True)
        raise
    if size == 0:
        partial.unlink(missing_ok=True)
        raise DownloadError("the recording server sent an empty file (0 bytes)", retryable=False)
    partial.replace(destination)
    return size


def _check_status(response: requests.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    retryable = status >= 500 or status in (404, 408, 429)
    raise DownloadError(f"the recording server answered HTTP {status}", retryable=retryable)


def _too_big(size: int, settings: DownloadSettings) -> str:
    return (
        f"the recording is larger than the {settings.max_bytes} byte cap ({size}+ bytes); "
        "not kept, listen to it at the provider"
    )
