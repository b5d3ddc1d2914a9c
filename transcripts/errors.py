"""What the record's use cases raise when asked for something the record cannot do.

The web layer maps each to an HTTP answer in one place (relay/errors.py).
"""

from __future__ import annotations


class RecordError(Exception):
    """A use case was asked for something the record cannot do; the message says what.

    `korean` is the same sentence for the agent's pages, where the staff read Korean.
    """

    def __init__(self, message: str, korean: str | None = None) -> None:
        super().__init__(message)
        self.korean = korean


class NotFoundError(RecordError):
    """The conversation, message, contact or user does not exist."""


class ConversationClosedError(RecordError):
    """A reply or action was attempted on a closed conversation."""


class NotYoursError(RecordError):
    """The conversation is claimed by another agent; only they (or an admin) may act on it."""


class NotClaimedError(NotYoursError):
    """Nobody holds the conversation yet: an agent claims it before acting on it."""


class NotActionableError(RecordError):
    """The thing exists but is not in a state this action applies to (e.g. retrying a
    message that did not fail)."""


class ChatAccessError(NotFoundError):
    """No open chat page answers to this secret: forged, revoked, of a purged conversation.

    One error for all of them, so the answer tells a guesser nothing about which it was.
    """


class ChatEndedError(ConversationClosedError):
    """The secret is good but its conversation is closed: the resident may start a new one.

    Carries the conversation's language, so the page that says so is in the resident's words
    whatever the browser asks for."""

    def __init__(self, message: str, language: str | None = None) -> None:
        super().__init__(message)
        self.language = language


class ChatLimitError(RecordError):
    """Too many messages from one chat page or one address within the window."""


class ChatMessageError(RecordError):
    """A chat message the record will not take: empty, or longer than the limit."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason  # "empty" or "too_long": the page says it in the resident's words
