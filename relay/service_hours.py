"""When agents are at work, from `RELAY_AGENT_HOURS`, so a resident who writes at night is told
that the answer comes when agents are back instead of waiting for one that cannot come soon.

The setting is a list of rules separated by ";", each days and a time range in the centre's
time zone (`RELAY_TIMEZONE`, Asia/Seoul): "mon-fri 09:00-22:00; sat-sun 09:00-18:00". A range
that ends before it starts runs past midnight ("fri 22:00-02:00"); "24:00" is the end of a day.
Empty means agents are always there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RULE = re.compile(
    r"^(?P<first>[a-z]{3})(?:-(?P<last>[a-z]{3}))?\s+"
    r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})$"
)


class ServiceHoursError(ValueError):
    """The hours setting cannot be read; the message says which rule and why."""


@dataclass(frozen=True)
class Shift:
    """Agents are at work from `start` (minutes after midnight) to `end` on `day` (0 = Monday);
    an `end` beyond 1440 runs into the next day."""

    day: int
    start: int
    end: int

    def covers(self, day: int, minute: int) -> bool:
        if day == self.day and self.start <= minute < min(self.end, 1440):
            return True
        return self.end > 1440 and day == (self.day + 1) % 7 and minute < self.end - 1440


@dataclass(frozen=True)
class ServiceHours:
    """The shifts of a week, in one time zone; no shifts means always staffed."""

    shifts: tuple[Shift, ...]
    zone: ZoneInfo

    @classmethod
    def parse(cls, text: str, zone_name: str = "Asia/Seoul") -> ServiceHours:
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ServiceHoursError(f"unknown time zone {zone_name!r}") from error
        shifts: list[Shift] = []
        for rule in filter(None, (part.strip().lower() for part in text.split(";"))):
            match = _RULE.match(rule)
            if not match or match["first"] not in DAYS or (match["last"] or "mon") not in DAYS:
                raise ServiceHoursError(
                    f"{rule!r}: write days and hours like 'mon-fri 09:00-18:00'"
                )
            first = DAYS.index(match["first"])
            last = DAYS.index(match["last"]) if match["last"] else first
            start, end = _minutes(match["start"], rule), _minutes(match["end"], rule)
            if end <= start:
                end += 1440  # past midnight
            day = first
            while True:
                shifts.append(Shift(day, start, end))
                if day == last:
                    break
                day = (day + 1) % 7
        return cls(tuple(shifts), zone)

    def staffed(self, moment: datetime) -> bool:
        """Whether agents are at work at `moment` (an aware datetime)."""
        if not self.shifts:
            return True
        local = moment.astimezone(self.zone)
        minute = local.hour * 60 + local.minute
        return any(shift.covers(local.weekday(), minute) for shift in self.shifts)


def _minutes(text: str, rule: str) -> int:
    hours, minutes = (int(part) for part in text.split(":"))
    if hours == 24 and minutes == 0:
        return 1440
    try:
        moment = time(hours, minutes)
    except ValueError as error:
        raise ServiceHoursError(f"{rule!r}: {text} is not a time of day") from error
    return moment.hour * 60 + moment.minute
