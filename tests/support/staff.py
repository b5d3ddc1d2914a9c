"""Who acts in tests of the record's use cases that need a signed-in person."""

from __future__ import annotations

from transcripts.policy import Actor

#: An admin may act on any conversation, claimed or not: for tests about something else.
STAFF = Actor(user_id=1, is_admin=True)
