"""Storing a resident's SMS in a handful of plain SQL statements, under the shortest write lock.

Why not ORM objects: Twilio waits for the webhook's answer, and on the embedded default every
writer of the record takes turns on SQLite's one write lock. Built as ORM objects, one text cost
five flushes (receipt, contact, conversation, message, events) and about 3 ms of Python with the
lock held; the same rows as Core statements on the session's connection cost a fraction of it.
Everything that needs no database (the normalised number, the clock, the status, whether the
text is empty) is worked out before the transaction begins, and a redelivery Twilio already
delivered is recognised by a read that takes no lock at all.

The promises stay those of `Inbound.record_sms`: the receipt, the message and its events are one
transaction, a blocked contact's text is held in it, and the receipt's unique (sid, event) still
decides between two racing deliveries of the same text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Table, bindparam, func, insert, select, update

from transcripts.db import utcnow
from transcripts.models import (
    Author,
    Channel,
    Contact,
    Conversation,
    ConversationStatus,
    Direction,
    Event,
    Message,
    MessageStatus,
    WebhookReceipt,
)
from transcripts.phones import normalise_phone
from transcripts.policy import EventKind, blocked_at
from transcripts.writes import BLOCKED_REASON

RECEIPT_EVENT = "sms.inbound"
_EMPTY_REASON = "the message had no text"

_receipts = cast(Table, WebhookReceipt.__table__)
_contacts = cast(Table, Contact.__table__)
_conversations = cast(Table, Conversation.__table__)
_messages = cast(Table, Message.__table__)
_events = cast(Table, Event.__table__)

# Built once: a statement object remembers its cache key and compiled form, so each webhook
# only binds its values (building them per call cost more than executing them).
_FIND_MESSAGE = select(_messages.c.id, _messages.c.conversation_id).where(
    _messages.c.provider_sid == bindparam("sid")
)
_FIND_CONTACT = select(_contacts.c.id, _contacts.c.language, _contacts.c.blocked_until).where(
    _contacts.c.phone == bindparam("phone")
)
_FIND_OPEN_CONVERSATION = (
    select(_conversations.c.id)
    .where(
        _conversations.c.contact_id == bindparam("contact"),
        _conversations.c.status == ConversationStatus.OPEN,
    )
    .with_for_update()
)
# writes.resident_active as one statement: active now, and waiting from now unless an earlier
# text of theirs still waits for an answer.
_TOUCH_CONVERSATION = (
    update(_conversations)
    .where(_conversations.c.id == bindparam("conversation"))
    .values(
        last_message_at=bindparam("moment"),
        awaiting_since=func.coalesce(_conversations.c.awaiting_since, bindparam("moment")),
    )
)
_INSERT_RECEIPT = insert(_receipts)
_INSERT_CONTACT = insert(_contacts)
_INSERT_CONVERSATION = insert(_conversations)
_INSERT_MESSAGE = insert(_messages)
_INSERT_EVENT = insert(_events)


@dataclass(frozen=True)
class Stored:
    """Where the text went, and whether the contact was blocked when it came."""

    message_id: int
    conversation_id: int
    blocked: bool


@dataclass(frozen=True)
class PreparedSms:
    """An inbound SMS with everything worked out that needs no database."""

    sid: str
    phone: str
    to_number: str | None
    body: str
    payload: dict[str, Any]
    flag: str | None
    received_at: datetime

    @property
    def empty(self) -> bool:
        return not self.body.strip()


def prepare(
    sid: str,
    from_number: str,
    to_number: str | None,
    body: str,
    payload: Mapping[str, Any],
    flag: str | None,
) -> PreparedSms:
    """Normalise and timestamp the text before any lock is taken."""
    return PreparedSms(
        sid=sid,
        phone=normalise_phone(from_number),
        to_number=to_number,
        body=body,
        payload=dict(payload),
        flag=flag,
        received_at=utcnow(),
    )


def already_stored(connection: Connection, sid: str) -> tuple[int, int] | None:
    """(message id, conversation id) of a text stored before under this MessageSid."""
    row = connection.execute(_FIND_MESSAGE, {"sid": sid}).first()
    return None if row is None else (row[0], row[1])


def store(connection: Connection, sms: PreparedSms) -> Stored:
    """Write the receipt, the contact and conversation if new, the message and its events.

    Raises IntegrityError when the receipt or a racing first message got there first; the
    caller's transaction then rolls back whole and it looks again.
    """
    now = sms.received_at
    connection.execute(
        _INSERT_RECEIPT,
        {
            "provider_sid": sms.sid,
            "event": RECEIPT_EVENT,
            "payload": sms.payload,
            "received_at": now,
        },
    )
    contact_id, language, blocked_until = _contact(connection, sms.phone, now)
    events: list[dict[str, Any]] = []
    conversation_id = _open_conversation(connection, contact_id)
    if conversation_id is None:
        conversation_id = _new_id(
            connection.execute(
                _INSERT_CONVERSATION,
                {
                    "contact_id": contact_id,
                    "channel": Channel.SMS,
                    "status": ConversationStatus.OPEN,
                    "language": language,
                    "needs_interpreter": False,
                    "created_at": now,
                    "last_message_at": now,
                    "awaiting_since": now,
                },
            )
        )
        events.append(_event(EventKind.CONVERSATION_OPENED, conversation_id, None, {}, now))
    else:
        connection.execute(_TOUCH_CONVERSATION, {"conversation": conversation_id, "moment": now})
    blocked = not sms.empty and blocked_at(blocked_until, now)
    if sms.empty:
        status, reason = MessageStatus.EMPTY, _EMPTY_REASON
    elif blocked:
        status, reason = MessageStatus.BLOCKED, BLOCKED_REASON
    else:
        status, reason = MessageStatus.RECEIVED, None
    message_id = _new_id(
        connection.execute(
            _INSERT_MESSAGE,
            {
                "conversation_id": conversation_id,
                "direction": Direction.INBOUND,
                "channel": Channel.SMS,
                "author": Author.RESIDENT,
                "provider_sid": sms.sid,
                "from_number": sms.phone,
                "to_number": sms.to_number,
                "original_text": sms.body,
                "status": status,
                "status_reason": reason,
                "flag": sms.flag,
                "attempts": 0,
                "created_at": now,
                "updated_at": now,
            },
        )
    )
    events.append(_event(EventKind.MESSAGE_RECEIVED, conversation_id, message_id, {}, now))
    if blocked:
        events.append(
            _event(EventKind.MESSAGE_BLOCKED, conversation_id, message_id, {"user_id": None}, now)
        )
    # One executemany; its rows are inserted in order, and the feed's order is that of the ids.
    connection.execute(_INSERT_EVENT, events)
    return Stored(message_id, conversation_id, blocked)


def _contact(connection: Connection, phone: str, now: datetime) -> tuple[int, str | None, Any]:
    """The resident's id, last language and block, creating the contact on a first text."""
    row = connection.execute(_FIND_CONTACT, {"phone": phone}).first()
    if row is not None:
        return row[0], row[1], row[2]
    new_id = _new_id(connection.execute(_INSERT_CONTACT, {"phone": phone, "created_at": now}))
    return new_id, None, None


def _open_conversation(connection: Connection, contact_id: int) -> int | None:
    """The resident's open conversation, locked for the rest of the transaction on PostgreSQL
    (a conversation closing at this moment is either seen closed, or waits for this text)."""
    found: int | None = connection.execute(
        _FIND_OPEN_CONVERSATION, {"contact": contact_id}
    ).scalar()
    return found


def _new_id(result: CursorResult[Any]) -> int:
    """The primary key the insert just made (SQLite's rowid, PostgreSQL's RETURNING)."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _event(
    kind: EventKind,
    conversation_id: int,
    message_id: int | None,
    data: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    return {
        "kind": kind.value,
        "conversation_id": conversation_id,
        "message_id": message_id,
        "data": data,
        "created_at": now,
    }
