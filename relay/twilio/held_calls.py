"""The TwiML of live-call updates the outbox held instead of sending to Twilio.

With the outbox chosen (`make run`), an agent's reply on a live call does not reach Twilio's
REST API, so nobody would ever see the document that speaks it. The outbox keeps each one as a
file under the instance folder, one per update, so the resident simulator can show it (and act
on it as Twilio would) from any process: the update is made by the job consumer, the simulator
page is served by the web process.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

HELD_CALLS_FOLDER = "outbox-calls"
_CALL_SID = re.compile(r"^CA[0-9a-fA-F]{32}$")


@dataclass(frozen=True)
class HeldUpdate:
    """One update: when it was held (ns since the epoch, also its order) and its TwiML."""

    held_ns: int
    twiml: str


class HeldCallUpdates:
    """A folder of held updates, one file per update, named by call and time."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def keep(self, call_sid: str, twiml: str) -> None:
        if not _CALL_SID.match(call_sid):
            return  # not a call Twilio could have: nothing to show it to
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{call_sid}-{time.time_ns()}.xml"
        partial = target.with_suffix(".part")
        partial.write_text(twiml, encoding="utf-8")
        partial.replace(target)  # a reader never sees half a document

    def of_call(self, call_sid: str) -> list[HeldUpdate]:
        """The call's held updates, oldest first."""
        if not _CALL_SID.match(call_sid) or not self.folder.is_dir():
            return []
        found = []
        for path in self.folder.glob(f"{call_sid}-*.xml"):
            stamp = path.stem.rsplit("-", 1)[-1]
            if stamp.isdigit():
                found.append(HeldUpdate(int(stamp), path.read_text(encoding="utf-8")))
        return sorted(found, key=lambda update: update.held_ns)
