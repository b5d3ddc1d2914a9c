"""The record's tables: residents, conversations, messages, agents, webhook receipts and events.

Every message a resident sends is a row before any work happens on it; its status says how far the
work got and why it stopped, so nothing is lost and nothing is silently invented.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from transcripts.db import Base, UTCDateTime, utcnow


def _enum(cls: type[StrEnum], length: int = 24) -> Enum:
    """Enums stored as plain strings: portable, readable in SQL, no PostgreSQL ENUM types to
    migrate."""
    return Enum(
        cls,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Channel(StrEnum):
    SMS = "sms"
    VOICE = "voice"
    WEB = "web"  # the resident chat page (/chat): the whole conversation in their own script
    LIVE = "live"  # a reply spoken on the caller's live call


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Author(StrEnum):
    RESIDENT = "resident"
    AGENT = "agent"
    PHRASEBOOK = "phrasebook"
    SYSTEM = "system"  # the centre's standard text, sent by an agent's action (abuse warning)
    AUTOMATIC = "automatic"  # sent by relay itself, no person involved (first-contact receipt)


class ConversationStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class MessageStatus(StrEnum):
    # inbound
    RECEIVED = "received"  # stored; language work pending
    TRANSLATED = "translated"
    FAILED = "failed"  # the work failed; status_reason says why; it can be retried
    NEEDS_INTERPRETER = "needs_interpreter"  # a language relay does not serve
    EMPTY = "empty"  # nothing to translate (empty body)
    BLOCKED = "blocked"  # from a blocked contact: kept, not translated unless an agent asks
    # outbound
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    # kept in the outbox (RELAY_OUTBOX) and never handed to a carrier: it reached nobody
    HELD = "held"


class Disposition(StrEnum):
    """How a conversation ended, as 120 centres report it (first-contact resolution etc.)."""

    RESOLVED = "resolved"  # solved in this contact
    TRANSFERRED = "transferred"
    CALLBACK_NEEDED = "callback_needed"
    ABUSIVE = "abusive"
    NO_RESPONSE = "no_response"


class Role(StrEnum):
    AGENT = "agent"
    ADMIN = "admin"


class Availability(StrEnum):
    """Whether an agent can take a new contact now; the supervisor's view and automatic
    assignment read it."""

    AVAILABLE = "available"  # 대기 가능
    AWAY = "away"  # 자리 비움 (also the state of a signed-out agent)
    AFTER_CALL = "after_call"  # 후처리: finishing the last contact's work


class User(Base):
    """A person who signs in: agents work the queue, admins also review and manage."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(_enum(Role))
    password_hash: Mapped[str] = mapped_column(String(255))
    api_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Part of every session and remember-me cookie; bumped by logout, a password change and
    # disabling, which ends every cookie made before (relay/auth.py).
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # The agent's own phone (E.164), dialled into a live call's interpreter conference with the
    # caller and the interpreter line; None: the agent follows the conference by its captions.
    agent_phone: Mapped[str | None] = mapped_column(String(32))
    # The agent's state on the floor and since when (set by the agent, away on signing out),
    # and the resident languages they serve ("en zh ko": codes separated by spaces, set by an
    # admin); automatic assignment gives a contact only to an available agent serving its
    # language.
    availability: Mapped[Availability] = mapped_column(
        _enum(Availability, 16), default=Availability.AWAY, server_default=Availability.AWAY.value
    )
    availability_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    languages: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # When the person last signed in through the login form, shown on the accounts page so an
    # admin sees which accounts are still used before disabling one.
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginFailure(Base):
    """One failed sign-in, kept only as long as the throttle window needs it.

    In the database rather than in memory so that every web process sees the same count: with
    several gunicorn workers an in-memory count would allow that many times more guesses.
    """

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_time", "username", "address", "failed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))  # case-folded
    address: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Contact(Base):
    """A resident, known by phone number (E.164 where it could be normalised)."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(64), unique=True)
    language: Mapped[str | None] = mapped_column(String(8))  # the last language they used
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    flag_reason: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Conversation(Base):
    """One open thread per resident until an agent closes it."""

    __tablename__ = "conversations"
    __table_args__ = (
        # At most one open conversation per contact, enforced by the database so two messages
        # arriving at once cannot open two threads.
        Index(
            "uq_conversations_open_contact",
            "contact_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_conversations_status_last_message", "status", "last_message_at"),
        # A resident's other conversations (the thread's history) and an agent's own ones.
        Index("ix_conversations_contact", "contact_id", "id"),
        Index("ix_conversations_claimed", "claimed_by_id", "status", "last_message_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    channel: Mapped[Channel] = mapped_column(_enum(Channel))
    status: Mapped[ConversationStatus] = mapped_column(
        _enum(ConversationStatus), default=ConversationStatus.OPEN
    )
    language: Mapped[str | None] = mapped_column(String(8))
    needs_interpreter: Mapped[bool] = mapped_column(Boolean, default=False)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disposition: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Since when the resident has waited for an answer: their oldest message no person has
    # answered yet (None when answered). The queue is ordered by it, so a resident who writes
    # "hello?" again keeps their place instead of going to the back.
    awaiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Web chat: a number the resident gave for call-backs and "a reply is waiting" texts (never
    # the contact's identity, so typing someone else's number opens nothing of theirs); when an
    # agent revoked the page's secrets (the abuse button); when an agent last typed a reply.
    callback_phone: Mapped[str | None] = mapped_column(String(64))
    chat_revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    agent_typing_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    contact: Mapped[Contact] = relationship(lazy="joined")
    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", order_by="Message.id", lazy="raise_on_sql"
    )


class Message(Base):
    """One message either way, with its original, its translation and how both came about.

    Inbound: `original_text` is the resident's text, `translated_text` its Korean.
    Outbound: `original_text` is the agent's Korean, `translated_text` what the resident reads,
    `back_translation` that text translated back into Korean for the agent to check.
    """

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_conversation", "conversation_id", "id"),
        Index("ix_messages_status_updated", "status", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    direction: Mapped[Direction] = mapped_column(_enum(Direction))
    channel: Mapped[Channel] = mapped_column(_enum(Channel))
    author: Mapped[Author] = mapped_column(_enum(Author))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    from_number: Mapped[str | None] = mapped_column(String(64))
    to_number: Mapped[str | None] = mapped_column(String(64))

    original_text: Mapped[str] = mapped_column(Text, default="")
    original_language: Mapped[str | None] = mapped_column(String(8))
    language_probability: Mapped[float | None]
    translated_text: Mapped[str | None] = mapped_column(Text)
    translated_language: Mapped[str | None] = mapped_column(String(8))
    # The machine's text before a person changed it: an agent's edit of an outbound reply, or
    # an admin's correction of an inbound Korean translation (machine_original_text: of a
    # voice transcript). corrected_by_id / corrected_at: the last admin correction.
    machine_translation: Mapped[str | None] = mapped_column(Text)
    machine_original_text: Mapped[str | None] = mapped_column(Text)
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    back_translation: Mapped[str | None] = mapped_column(Text)
    translation_engine: Mapped[str | None] = mapped_column(String(32))
    translation_model: Mapped[str | None] = mapped_column(String(255))
    translation_pivot: Mapped[str | None] = mapped_column(String(8))
    translation_ms: Mapped[float | None]
    detection_ms: Mapped[float | None]

    # outbound SMS composition
    delivered_body: Mapped[str | None] = mapped_column(Text)  # exactly what was handed to Twilio
    sms_encoding: Mapped[str | None] = mapped_column(String(8))
    sms_segments: Mapped[int | None] = mapped_column(Integer)
    undeliverable_chars: Mapped[str | None] = mapped_column(Text)
    reply_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Web chat replies: when the resident's page showed it (delivered is the status, set when
    # the open page acknowledged receiving it), and when a "reply waiting" SMS went out for it.
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    nudged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    status: Mapped[MessageStatus] = mapped_column(_enum(MessageStatus))
    status_reason: Mapped[str | None] = mapped_column(Text)
    flag: Mapped[str | None] = mapped_column(
        String(255)
    )  # a notice for the agent, e.g. odd To number
    error_code: Mapped[str | None] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # voice: a recorded message, its audio under the instance folder and its timed segments
    # ([{"start", "end", "text", "translated_text", "avg_logprob", "no_speech_prob"}, ...])
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"))
    recording_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    recording_url: Mapped[str | None] = mapped_column(Text)
    audio_path: Mapped[str | None] = mapped_column(String(512))
    audio_seconds: Mapped[float | None]
    segments: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # live calls: when the caller stopped speaking, and when the transcript and its Korean were
    # ready (the caption latency the agent lives with); audio_seconds is the utterance's length
    speech_ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transcript_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    korean_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the spoken-language check of a recording: the menu's language, the one Whisper heard
    # over all its languages, how sure, and whether they differ (languages/spoken.py)
    spoken_language: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")


class CallStatus(StrEnum):
    """Where a phone call is, from Twilio's call status callbacks and our own menu."""

    RINGING = "ringing"
    IN_PROGRESS = "in_progress"  # answered by relay's menu
    COMPLETED = "completed"
    ABANDONED = "abandoned"  # the caller hung up before leaving a message
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    FAILED = "failed"
    CANCELED = "canceled"


class Call(Base):
    """One phone call either way, with the timings answer rate and handle time are computed from.

    Inbound calls are created by the voice webhook; outbound call-backs by an agent's reply.
    `language` is the caller's menu choice; a call may carry several recorded messages.
    """

    __tablename__ = "calls"
    __table_args__ = (Index("ix_calls_conversation", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    direction: Mapped[Direction] = mapped_column(_enum(Direction))
    status: Mapped[CallStatus] = mapped_column(_enum(CallStatus), default=CallStatus.RINGING)
    from_number: Mapped[str | None] = mapped_column(String(64))
    to_number: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    menu_attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Live calls: when the caller's audio started streaming to relay (None: a recorded-message
    # call), when an agent took the call (the answer the metrics count; the menu picking up is
    # not one), when the live part ended, and the Media Stream now carrying the caller's audio.
    live_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    agent_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    live_ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stream_sid: Mapped[str | None] = mapped_column(String(64))
    # The three-way interpreter conference the caller was moved into (None: never), and when.
    conference_name: Mapped[str | None] = mapped_column(String(64))
    conference_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebhookReceipt(Base):
    """Every signed webhook as it arrived, keyed on (provider id, event) for exactly-once handling.

    The unique constraint is the claim: the first insert wins, a redelivery hits the constraint
    and is answered without doing the work again. The raw form is kept so nothing is lost even when
    the payload is malformed.
    """

    __tablename__ = "webhook_receipts"
    __table_args__ = (UniqueConstraint("provider_sid", "event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_sid: Mapped[str] = mapped_column(String(64))
    event: Mapped[str] = mapped_column(String(48))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    outcome: Mapped[str | None] = mapped_column(String(255))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Event(Base):
    """An append-only feed of what changed, in id order: the agent view streams it (SSE ids)."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_conversation", "conversation_id", "id"),
        # Histories of one kind of change (the translation memory's) without a scan of the feed.
        Index("ix_events_kind", "kind", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(48))
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChatSecret(Base):
    """One way into a conversation's chat page: the SHA-256 of a 128-bit secret, never the
    secret itself, so a copy of the database opens no resident's conversation.

    A conversation may hold several (the page started on /chat, an SMS reply link opened on
    another phone); revoking ends them all, and they go with the conversation when it is purged.
    """

    __tablename__ = "chat_secrets"
    __table_args__ = (Index("ix_chat_secrets_conversation", "conversation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ChatHit(Base):
    """One message (or start) from the chat page, kept only for the rate-limit window.

    In the database, like LoginFailure, so the limit holds across every web process; `key` is
    "address:<ip>" or "conversation:<id>".
    """

    __tablename__ = "chat_hits"
    __table_args__ = (Index("ix_chat_hits_key_time", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MemoryEntry(Base):
    """An admin-approved translation, reused before any engine is asked (translation memory).

    Only rows of this table are reused; an agent's edit waits in `memory_suggestions` until an
    admin approves it, so no single person's text reaches every later resident.
    """

    __tablename__ = "translation_memory"
    __table_args__ = (UniqueConstraint("source", "target", "normalised_text"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(8))
    target: Mapped[str] = mapped_column(String(8))
    normalised_text: Mapped[str] = mapped_column(Text)
    source_text: Mapped[str] = mapped_column(Text)
    target_text: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # who wrote it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How often the translator reused it: an entry nobody uses is a candidate for deletion.
    uses: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BookEntry(Base):
    """One entry of a book the centre edits on the web (the glossary, the phrasebook).

    `content` is the entry as the language code reads it (a glossary term's forms per language
    and note; a phrasebook answer's topic, keywords and texts). The record keeps it as data and
    never interprets it, so this package does not depend on the language code.
    """

    __tablename__ = "book_entries"
    __table_args__ = (UniqueConstraint("book", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    book: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class BookVersion(Base):
    """A book's version, raised by every change: each process compares it before using its
    cached copy, so an edit reaches every web and worker process without a restart. No row
    means the book was never edited and the file shipped with relay is in effect."""

    __tablename__ = "book_versions"

    book: Mapped[str] = mapped_column(String(16), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


class BookEdit(Base):
    """The history of a book: who changed which entry when, and what it held before and after."""

    __tablename__ = "book_edits"
    __table_args__ = (Index("ix_book_edits_book_key", "book", "key", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    book: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(16))  # added, changed, deleted
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SuggestionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class MemorySuggestion(Base):
    """An agent's edit of a machine translation, offered to the memory and waiting for an admin.

    `conversation_id` is where it was suggested, kept as a plain number: the suggestion holds
    no personal data and outlives the conversation's retention.
    """

    __tablename__ = "memory_suggestions"
    __table_args__ = (
        Index("ix_memory_suggestions_status", "status", "id"),
        Index("ix_memory_suggestions_key", "source", "target", "normalised_text"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(8))
    target: Mapped[str] = mapped_column(String(8))
    normalised_text: Mapped[str] = mapped_column(Text)
    source_text: Mapped[str] = mapped_column(Text)
    target_text: Mapped[str] = mapped_column(Text)
    machine_text: Mapped[str | None] = mapped_column(Text)  # what the machine had written
    suggested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    suggested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    times: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    conversation_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[SuggestionStatus] = mapped_column(
        _enum(SuggestionStatus, 16), default=SuggestionStatus.PENDING
    )
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_text: Mapped[str | None] = mapped_column(Text)  # the text kept, edited or not
