"""What the record's use cases raise when asked for something the record cannot do."""

from __future__ import annotations


class RecordError(Exception):
    """A use case was asked for something the record cannot do; the message says what."""


class NotFoundError(RecordError):
    """The conversation or message does not exist."""


class ConversationClosedError(RecordError):
    """A reply was attempted on a closed conversation."""
