"""Fetching a caller's recording over HTTP: with timeouts, a size cap and retries with backoff.

Twilio's recording URLs answer with a WAV file (Basic auth with the account's SID and token when
the account protects its media). The credentials go only to Twilio's own hosts, never to any
other URL a webhook might name. The file is written beside its final name and renamed into
place, so a half-downloaded recording is never taken for a whole one.
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


def _auth_for(url: str, settings: DownloadSettings) -> tuple[str, str] | None:
    host = (urlsplit(url).hostname or "").lower()
    if settings.account_sid and (host == "twilio.com" or host.endswith(".twilio.com")):
        return (settings.account_sid, settings.auth_token)
    return None


def download(url: str, destination: Path, settings: DownloadSettings) -> int:
    """Fetch `url` into `destination`; returns its size. Raises DownloadError.

    Timeouts, connection errors, 5xx, 429 and 404 are retried (a recording can be announced a
    moment before Twilio serves it); other client errors and an oversized file are not.
    """
    if urlsplit(url).scheme not in ("http", "https"):
        raise DownloadError(f"not an http(s) recording URL: {url[:80]}", retryable=False)
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
            allow_redirects=True,
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
