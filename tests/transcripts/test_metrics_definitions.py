"""Each service-level figure, checked against the hand-computed day of tests/support/seeded_day.

The figures are defined as 120 centres report them: shares of every contact offered, abandoned
ones included; relay's receipt and the abuse warning are no answers; a reply held in the outbox
reached nobody; a call is answered when an agent takes it (live) or replies to its recorded
message, never when the menu picks up.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from tests.support.seeded_day import seed_day
from transcripts.metrics import service_figures

# The centre's day 2026-11-12 in UTC: Seoul midnight is 15:00 UTC the day before.
SINCE = datetime(2026, 11, 11, 15, 0, tzinfo=UTC)
UNTIL = datetime(2026, 11, 12, 15, 0, tzinfo=UTC)


def test_every_figure_of_the_seeded_day(sessions: sessionmaker[Session]) -> None:
    seed_day(sessions)
    f = service_figures(sessions, SINCE, UNTIL)

    # C1-C9; C10 opened at 23:59 the day before
    assert f.contacts == 9
    assert f.contacts_by_language == {"en": 3, "zh": 2, "vi": 2, "mn": 1, "ja": 1}
    assert f.contacts_by_channel == {"sms": 5, "web": 1, "voice": 1, "live": 2}
    # answered by a person: C1, C2, C5, C7, C8. Not C3 (receipt only), C4 (warning only),
    # C6 (reply held in the outbox), C9 (abandoned).
    assert f.replied == 5
    assert f.unanswered == 4
    assert f.answer_rate == round(5 / 9, 4)  # 0.5556
    # within 15 minutes: C1 300 s, C5 600 s, C8 60 s; of all 9 contacts, not of the 5 answered
    assert f.replied_within_target == round(3 / 9, 4)  # 0.3333
    # waits 300, 1800, 600, 1200, 60 -> sorted 60, 300, 600, 1200, 1800
    assert f.median_first_reply_seconds == 600.0
    # closed: C1 resolved, C2 callback, C3 no_response, C4 abusive, C5 resolved
    assert f.closed == 5
    assert f.closed_without_response == 1
    assert f.resolved_at_first_contact == 0.5  # 2 of the 4 closed with a resident still there
    assert f.closed_by_topic == {"체류·비자": 1, "건강보험": 1, "기타": 1, "교통": 1, "none": 1}
    assert f.held_replies == 1
    assert f.failed_replies == 0

    calls = f.calls
    assert calls is not None
    assert calls.total == 3
    # CA7 by park's reply 05:21 (1260 s after it rang), CA8 by kim at 06:01 (60 s);
    # CA9 only reached the menu and the live line: not answered
    assert calls.answered == 2
    assert calls.abandoned == 1
    assert calls.answer_rate == round(2 / 3, 4)
    assert calls.median_seconds_to_answer == 660.0  # median of 60 and 1260
    assert calls.median_handle_seconds == 195.0  # median of 90 and 300


def test_the_day_before_holds_only_its_own_contact(sessions: sessionmaker[Session]) -> None:
    seed_day(sessions)
    f = service_figures(sessions, datetime(2026, 11, 10, 15, tzinfo=UTC), SINCE)
    assert (f.contacts, f.replied, f.replied_within_target, f.answer_rate) == (1, 0, 0.0, 0.0)
