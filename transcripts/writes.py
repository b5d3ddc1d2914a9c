"""Small steps every use case of the record takes inside its transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from transcripts.errors import NotFoundError
from transcripts.models import (
    Author,
    Call,
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
from transcripts.policy import EventKind, is_blocked

BLOCKED_REASON = "차단된 번호의 메시지: 보관만 하고 번역하지 않았습니다"


def add_event(
    session: Session,
    kind: EventKind,
    conversation_id: int | None,
    message_id: int | None = None,
    **data: Any,
) -> None:
    """Append to the event feed the agent view streams (ids give the order)."""
    session.add(Event(kind=kind, conversation_id=conversation_id, message_id=message_id, data=data))


@dataclass(frozen=True)
class Receipt:
    """A provider webhook as received: kept once per (sid, event), so a redelivery is known."""

    sid: str
    event: str
    payload: Mapping[str, Any]
    error_code: str | None = None


def keep_receipt(session: Session, receipt: Receipt) -> bool:
    """Store the receipt in the caller's transaction (in a savepoint); False when the same
    (sid, event) was received before: a redelivery."""
    try:
        with session.begin_nested():
            session.add(
                WebhookReceipt(
                    provider_sid=receipt.sid,
                    event=receipt.event[:48],
                    payload=dict(receipt.payload),
                )
            )
    except IntegrityError:
        return False
    return True


def receipt_exists(session: Session, sid: str, event: str) -> bool:
    """True when a webhook (sid, event) was received, e.g. the end of a caller's <Record>."""
    found = session.scalar(
        select(WebhookReceipt.id).where(
            WebhookReceipt.provider_sid == sid, WebhookReceipt.event == event
        )
    )
    return found is not None


def receipt_outcome(session: Session, sid: str, event: str, outcome: str) -> None:
    """Record, in the caller's transaction, what became of a webhook receipt."""
    session.execute(
        update(WebhookReceipt)
        .where(WebhookReceipt.provider_sid == sid, WebhookReceipt.event == event)
        .values(outcome=outcome[:255])
    )


def get_message(session: Session, message_id: int) -> Message:
    """The message, locked for the rest of the transaction (on PostgreSQL), or NotFoundError.

    Every caller is about to change it: a worker saving a translation and an admin correcting
    one, or two admins correcting segments of one recording, must not read the same row and
    overwrite each other's write. (SQLite has no row locks; UnitOfWork.write takes its
    write lock up front instead.)
    """
    message = session.get(Message, message_id, with_for_update=True)
    if message is None:
        raise NotFoundError(f"message {message_id} not found")
    return message


def touch_conversation(session: Session, conversation_id: int, now: datetime) -> None:
    """The resident said something in the conversation (see `resident_active`)."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is not None:
        resident_active(conversation, now)


def resident_active(conversation: Conversation, now: datetime) -> None:
    """The resident wrote, spoke or called: the conversation was active now, and, unless an
    earlier message of theirs still waits for an answer, they wait from now."""
    conversation.last_message_at = now
    if conversation.awaiting_since is None:
        conversation.awaiting_since = now


def answered(conversation: Conversation, author: Author) -> None:
    """A person answered the resident (an agent's reply or a phrasebook answer): they no longer
    wait. Receipts and warnings are not answers."""
    if author in (Author.AGENT, Author.PHRASEBOOK):
        conversation.awaiting_since = None


def call_message(call: Call, now: datetime) -> Message:
    """A still empty inbound message for what the caller says (or did not say) on `call`."""
    if call.conversation_id is None:
        raise NotFoundError(f"call {call.call_sid} has no conversation")
    return Message(
        conversation_id=call.conversation_id,
        direction=Direction.INBOUND,
        channel=Channel.VOICE,
        author=Author.RESIDENT,
        from_number=call.from_number,
        to_number=call.to_number,
        original_text="",
        original_language=call.language,
        call_id=call.id,
        created_at=now,
        updated_at=now,
    )


def open_conversation(
    session: Session, contact: Contact, channel: Channel, now: datetime
) -> Conversation:
    """The resident's open conversation, or a new one.

    Locked for the rest of the transaction (on PostgreSQL): a conversation closing at the same
    moment (by an agent, or for want of an answer) is either seen closed, and a new one opens,
    or waits until this message is in and then finds its last message moved.
    """
    conversation = session.scalar(
        select(Conversation)
        .where(
            Conversation.contact_id == contact.id,
            Conversation.status == ConversationStatus.OPEN,
        )
        .with_for_update(of=Conversation)
    )
    if conversation is None:
        conversation = Conversation(
            contact_id=contact.id,
            channel=channel,
            language=contact.language,
            created_at=now,
            last_message_at=now,
        )
        session.add(conversation)
        session.flush()
        add_event(session, EventKind.CONVERSATION_OPENED, conversation.id, None)
    return conversation


def settled_by_admin(message: Message) -> bool:
    """An admin wrote this message's Korean: machine work that ends late must not undo it."""
    return message.corrected_at is not None and message.status is MessageStatus.TRANSLATED


def put_machine_korean(message: Message, korean: str | None) -> None:
    """The machine's Korean becomes the message's, unless an admin already wrote one: then it
    goes beside theirs, as `machine_translation`."""
    if message.corrected_at is not None and message.translated_text:
        message.machine_translation = korean
    else:
        message.translated_text = korean
        message.translated_language = "ko" if korean is not None else None


def back_to_work(message: Message) -> None:
    """Put an inbound message back in the translation (or recording) job's hands.

    A person asked for another try, so the sweeper's budget of attempts starts again: a
    retry whose job is lost is found and done like a new message, never left "received".
    """
    message.status = MessageStatus.RECEIVED
    message.status_reason = "retry requested"
    message.attempts = 0


def hold_if_blocked(session: Session, contact: Contact, message: Message, now: datetime) -> bool:
    """Keep a blocked contact's new message out of the translation queue, saying why; True when
    it was held. BLOCKED, not failed: nothing went wrong, the sweeper leaves it alone and the
    figures do not count it as a failure; an agent may still have it translated (retry)."""
    if not message.original_text.strip() or not is_blocked(contact, now):
        return False
    message.status = MessageStatus.BLOCKED
    message.status_reason = BLOCKED_REASON
    add_event(session, EventKind.MESSAGE_BLOCKED, message.conversation_id, message.id, user_id=None)
    return True
