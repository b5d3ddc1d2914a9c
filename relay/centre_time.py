"""The centre's clock: admins choose days as the centre lives them (RELAY_TIMEZONE, Korean time
by default), while the record keeps UTC. "27 November" in a report is midnight to midnight in
Seoul, not 09:00 to 09:00."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app


def centre_zone() -> ZoneInfo:
    """The configured time zone (checked at start, with the agents' hours)."""
    zone: ZoneInfo = current_app.config["SERVICE_HOURS"].zone
    return zone


def today() -> date:
    """Today's date at the centre."""
    return datetime.now(centre_zone()).date()


def day_start(day: date) -> datetime:
    """The moment `day` begins at the centre (an aware datetime; compare freely with UTC).

    OverflowError for a day whose start has no UTC date Python can hold (0001-01-01 begins in
    year 0 in UTC east of Greenwich), here rather than when the record stores it as UTC.
    """
    return _in_utc_range(datetime.combine(day, time(), tzinfo=centre_zone()))


def days_span(first: date, last: date) -> tuple[datetime, datetime]:
    """[start of `first`, start of the day after `last`): both days included.

    OverflowError for a `last` of 9999-12-31, which has no day after (and, as for
    `day_start`, for a `first` of 0001-01-01).
    """
    return day_start(first), day_start(last + timedelta(days=1))


def at_centre(moment: datetime) -> datetime:
    """A naive moment read as the centre's local time; an aware one is kept.

    OverflowError, as for `day_start`, at the very start of the calendar.
    """
    return _in_utc_range(moment if moment.tzinfo else moment.replace(tzinfo=centre_zone()))


def _in_utc_range(moment: datetime) -> datetime:
    moment.astimezone(UTC)  # raises OverflowError when UTC has no such date
    return moment


def centre_clock(moment: datetime, seconds: bool = False, zone: ZoneInfo | None = None) -> str:
    """`moment` as the centre reads it, "2026-11-27 10:05 KST" (a template filter). `zone`
    for code running outside a request, such as a live feed's generator."""
    shown = "%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z"
    return moment.astimezone(zone or centre_zone()).strftime(shown)


def centre_moment(moment: datetime) -> str:
    """`moment` as an agent reads it in a list or a thread: "14:05" when it is today at the
    centre, "2026-11-27 14:05" on any other day (a template filter)."""
    local = moment.astimezone(centre_zone())
    return local.strftime("%H:%M" if local.date() == today() else "%Y-%m-%d %H:%M")
