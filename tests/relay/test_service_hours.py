"""Agents' hours from RELAY_AGENT_HOURS: who is at work when, overnight shifts, clear errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from relay.service_hours import ServiceHours, ServiceHoursError

KST = timezone(timedelta(hours=9))


def at(text: str) -> datetime:
    """A moment in Korean time (2026-11-23 is a Monday)."""
    return datetime.fromisoformat(text).replace(tzinfo=KST)


def test_weekday_and_weekend_hours() -> None:
    hours = ServiceHours.parse("mon-fri 09:00-22:00; sat-sun 09:00-18:00")
    assert not hours.staffed(at("2026-11-23 08:59"))
    assert hours.staffed(at("2026-11-23 09:00"))
    assert hours.staffed(at("2026-11-27 21:59"))  # Friday
    assert not hours.staffed(at("2026-11-27 22:00"))
    assert hours.staffed(at("2026-11-28 17:59"))  # Saturday
    assert not hours.staffed(at("2026-11-28 18:00"))
    # Moments in any zone are read in the centre's: 00:30 UTC is 09:30 in Seoul.
    assert hours.staffed(datetime(2026, 11, 23, 0, 30, tzinfo=UTC))


def test_a_shift_past_midnight_and_one_wrapping_the_week() -> None:
    hours = ServiceHours.parse("sun 22:00-02:00")
    assert hours.staffed(at("2026-11-29 23:30"))  # Sunday night
    assert hours.staffed(at("2026-11-30 01:59"))  # Monday, early
    assert not hours.staffed(at("2026-11-30 02:00"))
    assert not hours.staffed(at("2026-11-23 23:30"))  # a Monday night is not a Sunday
    round_the_clock = ServiceHours.parse("sat-mon 00:00-24:00")
    assert round_the_clock.staffed(at("2026-11-23 23:59"))  # Monday
    assert not round_the_clock.staffed(at("2026-11-24 12:00"))  # Tuesday


def test_no_hours_means_always_staffed() -> None:
    assert ServiceHours.parse("").staffed(at("2026-11-23 03:00"))
    assert ServiceHours.parse(" ; ").staffed(at("2026-11-23 03:00"))


@pytest.mark.parametrize(
    ("text", "zone", "says"),
    [
        ("mon-fri 9-18", "Asia/Seoul", "like 'mon-fri 09:00-18:00'"),
        ("weekdays 09:00-18:00", "Asia/Seoul", "like"),
        ("mon-xyz 09:00-18:00", "Asia/Seoul", "like"),
        ("mon 25:00-26:00", "Asia/Seoul", "25:00 is not a time of day"),
        ("mon 09:00-18:00", "Mars/Olympus", "unknown time zone"),
    ],
)
def test_mistakes_are_named(text: str, zone: str, says: str) -> None:
    with pytest.raises(ServiceHoursError, match=says):
        ServiceHours.parse(text, zone)


def test_a_mistyped_setting_stops_the_app_at_start(app_factory: Any) -> None:
    with pytest.raises(ServiceHoursError, match="weekdays"):
        app_factory(AGENT_HOURS="weekdays 09:00-18:00")
