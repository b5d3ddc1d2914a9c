"""gunicorn.conf.py's feed limit: derived from the thread count gunicorn really uses, and a limit
that would let feeds take every thread stops gunicorn before it serves anything."""

from __future__ import annotations

import os
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parents[2]
LIMIT = "RELAY_AGENT_SSE_MAX_STREAMS"


@pytest.fixture
def unset_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """No limit in the environment, and whatever the hook sets is removed after the test
    (setenv records the variable's absence; delenv alone would not, and the hook's value would
    leak into every later app)."""
    monkeypatch.setenv(LIMIT, "")
    monkeypatch.delenv(LIMIT)


def _on_starting(threads: int) -> None:
    config = runpy.run_path(str(REPO / "gunicorn.conf.py"))
    config["on_starting"](SimpleNamespace(cfg=SimpleNamespace(threads=threads)))


@pytest.mark.usefixtures("unset_limit")
def test_half_of_the_threads_when_unset() -> None:
    _on_starting(threads=12)  # e.g. `--threads 12` on the command line
    assert os.environ[LIMIT] == "6"


@pytest.mark.parametrize("value", ["0", "12", "40", "many"])
def test_a_limit_that_leaves_no_thread_for_webhooks_stops_gunicorn(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(LIMIT, value)
    with pytest.raises(SystemExit, match="must be between 1 and 11"):
        _on_starting(threads=12)


def test_an_operators_limit_below_the_threads_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LIMIT, "4")
    _on_starting(threads=12)
    assert os.environ[LIMIT] == "4"


@pytest.mark.usefixtures("unset_limit")
def test_one_thread_is_refused() -> None:
    with pytest.raises(SystemExit, match="--threads 2 or more"):
        _on_starting(threads=1)


CHAT = "RELAY_CHAT_SSE_MAX_STREAMS"


@pytest.fixture(autouse=True)
def unset_chat_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """As unset_limit, for every test here: the hook sets the chat limit whenever it runs."""
    monkeypatch.setenv(CHAT, "")
    monkeypatch.delenv(CHAT)


@pytest.mark.usefixtures("unset_limit")
def test_residents_chat_pages_get_a_quarter_of_the_threads_of_their_own() -> None:
    _on_starting(threads=32)
    assert (os.environ[LIMIT], os.environ[CHAT]) == ("16", "8")  # 8 threads stay for webhooks


@pytest.mark.usefixtures("unset_limit")
@pytest.mark.parametrize("value", ["0", "6", "many"])
def test_a_chat_limit_that_leaves_no_thread_for_webhooks_stops_gunicorn(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(CHAT, value)
    with pytest.raises(SystemExit, match=f"{CHAT}='{value}' must be between 1 and 5"):
        _on_starting(threads=12)
