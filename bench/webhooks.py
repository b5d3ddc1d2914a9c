"""Webhook benchmark: acknowledging a burst of signed SMS while translation runs, against a bare
Flask endpoint served the same way in the same run.

Twilio waits for our answer (and gives up after 15 s), so the acknowledgement must never wait
for language work. Each run fires 400 signed SMS, 40 of them delivered twice (Twilio redelivers),
from 16 client threads at once at relay served as `make run` serves it (`flask run`, embedded
defaults, the tiny test models installed so every text is detected and translated for real), then
the same burst at `bench._bare_app` (Flask answering empty TwiML, nothing else) under `flask run`
on the same machine. The bursts alternate, and relay's job consumer is still translating the
earlier bursts while later ones arrive. At the end the record is checked: every text stored
once, none lost, all translated; the note says how long the translations took to drain.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import requests

from bench import Options, Result
from bench._served import (
    AUTH_TOKEN,
    CENTRE_NUMBER,
    Burst,
    burst,
    flask_run,
    relay_env,
    served_relay,
)
from relay.twilio.security import sign
from tests.support.servers import free_port

TEXTS = 400
REDELIVERED = 40
CLIENT_THREADS = 16
BASELINE = "bare Flask endpoint, flask run"
#: Phrases the tiny models know (tests/data/phrases.tsv), in each resident language.
PHRASES = (
    "I lost my wallet on the bus.",
    "Tôi bị mất ví trên xe buýt.",
    "我在公交车上丢了钱包。",
    "バスで財布をなくしました。",
    "Би автобусанд түрийвчээ гээчихлээ.",
)
log = logging.getLogger(__name__)


def run(options: Options) -> list[Result]:
    """Alternate bursts at relay and at the bare endpoint; medians over the runs."""
    runs = max(1, min(options.runs, 3))  # each run is 880 requests; three keep it to a minute
    with tempfile.TemporaryDirectory(prefix="relay-bench-webhooks-") as name:
        folder = Path(name)
        relay_port, bare_port = free_port(), free_port()
        bare_env = relay_env(folder / "bare", bare_port)
        with (
            served_relay(folder, relay_port) as relay,
            flask_run("bench._bare_app", bare_env, bare_port, folder / "bare.log") as bare,
        ):
            ours: list[Burst] = []
            baseline: list[Burst] = []
            sids: set[str] = set()
            for number in range(runs + 1):  # the first pair is the warm-up
                sends, run_sids = _sms_burst(relay.base, number)
                ours_burst = burst(sends, CLIENT_THREADS)
                baseline_burst = burst(_sms_burst(bare.base, number)[0], CLIENT_THREADS)
                sids |= run_sids
                if number:
                    ours.append(ours_burst)
                    baseline.append(baseline_burst)
                _check_answers(ours_burst)
            drained = _wait_until_translated(folder / "instance" / "relay.db", len(sids))
        note = _record_note(folder / "instance" / "relay.db", sids, drained)
    return _results(ours, baseline, note)


def _sms_burst(
    base: str, run_number: int
) -> tuple[list[Callable[[requests.Session], requests.Response]], set[str]]:
    """TEXTS signed webhooks from as many residents, REDELIVERED of them twice, shuffled."""
    shuffle = random.Random(run_number)
    url = f"{base}/twilio/sms"
    forms = []
    for index in range(TEXTS):
        forms.append(
            {
                "MessageSid": f"SM{run_number:04d}{index:028d}",
                "From": f"+8210{run_number:02d}{index:06d}",
                "To": CENTRE_NUMBER,
                "Body": PHRASES[index % len(PHRASES)],
            }
        )
    forms += shuffle.sample(forms, REDELIVERED)
    shuffle.shuffle(forms)
    sends: list[Callable[[requests.Session], requests.Response]] = [
        partial(_post_signed, url, form) for form in forms
    ]
    return sends, {form["MessageSid"] for form in forms}


def _post_signed(url: str, form: dict[str, str], session: requests.Session) -> requests.Response:
    headers = {"X-Twilio-Signature": sign(url, form, AUTH_TOKEN)}
    return session.post(url, data=form, headers=headers, timeout=30)


def _check_answers(measured: Burst) -> None:
    failed = [status for status in measured.statuses if status != 200]
    if failed:
        raise RuntimeError(f"{len(failed)} webhooks were not acknowledged: {failed[:5]}")


def _wait_until_translated(db_path: Path, expected: int, seconds: float = 600) -> float:
    """Seconds from now until every stored text has left "received" (translated or failed)."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        with sqlite3.connect(db_path) as db:
            (pending,) = db.execute(
                "SELECT count(*) FROM messages WHERE direction = 'inbound' AND status = 'received'"
            ).fetchone()
            (stored,) = db.execute(
                "SELECT count(*) FROM messages WHERE direction = 'inbound'"
            ).fetchone()
        if stored >= expected and pending == 0:
            return time.monotonic() - started
        time.sleep(0.5)
    raise RuntimeError(f"translations still pending after {seconds:.0f} s")


def _record_note(db_path: Path, sids: set[str], drained: float) -> str:
    """What the record holds: every text once, how many translated."""
    with sqlite3.connect(db_path) as db:
        rows = db.execute(
            "SELECT provider_sid, status FROM messages WHERE direction = 'inbound'"
        ).fetchall()
    stored = [sid for sid, _ in rows]
    lost = len(sids - set(stored))
    duplicated = len(stored) - len(set(stored))
    translated = sum(1 for _, status in rows if status == "translated")
    if lost or duplicated:
        raise RuntimeError(f"{lost} texts lost, {duplicated} stored twice")
    return (
        f"{len(sids)} texts, none lost or doubled; {translated} translated, "
        f"the last {drained:.0f} s after the last burst"
    )


def _results(ours: list[Burst], baseline: list[Burst], note: str) -> list[Result]:
    def median(bursts: list[Burst], figure: Callable[[Burst], float]) -> float:
        return statistics.median(figure(one) for one in bursts)

    requests_per_burst = TEXTS + REDELIVERED
    cases: list[tuple[str, Callable[[Burst], float], str]] = [
        ("SMS acknowledgement p50", partial(Burst.percentile, fraction=0.50), "s"),
        ("SMS acknowledgement p99", partial(Burst.percentile, fraction=0.99), "s"),
        ("SMS acknowledgements per second", lambda measured: measured.throughput, "req/s"),
    ]
    shape = f"{requests_per_burst} signed SMS from {CLIENT_THREADS} threads"
    return [
        Result(
            "webhooks",
            name,
            median(ours, figure),
            median(baseline, figure),
            BASELINE,
            note=shape if unit == "s" else note,
            unit=unit,
        )
        for name, figure, unit in cases
    ]
