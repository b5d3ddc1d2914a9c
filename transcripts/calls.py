"""Use cases for phone calls: the call record, recorded voice messages and spoken replies.

A call is a row from the first webhook on, and every recording is a message row before anything
is downloaded, so a caller who hangs up, stays silent or leaves a recording that cannot be
fetched still leaves a visible, explained trace in their conversation. Like service.py, each
method owns its transaction; nothing here knows about Flask or the language engines.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from transcripts.db import utcnow
from transcripts.errors import NotFoundError
from transcripts.models import (
    Call,
    CallStatus,
    Channel,
    Contact,
    Conversation,
    Direction,
    Message,
    MessageStatus,
    WebhookReceipt,
)
from transcripts.outbound import apply_delivery
from transcripts.phones import normalise_phone
from transcripts.policy import EventKind
from transcripts.uow import UseCases
from transcripts.writes import (
    Receipt,
    add_event,
    call_message,
    keep_receipt,
    open_conversation,
    receipt_exists,
    receipt_outcome,
    resident_active,
    touch_conversation,
)


class StatusOutcome(StrEnum):
    """What a call status callback did."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"  # a redelivery of a callback already applied
    UNKNOWN = "unknown"  # a call relay never saw


# What carriers and Twilio put in From when the caller withholds their number.
ANONYMOUS_CALLERS = frozenset(
    {"", "anonymous", "restricted", "unknown", "unavailable", "private", "+266696687"}
)
#: Call states after which nothing more happens on the call (no stream may join it either).
FINAL_CALL_STATUSES = frozenset(
    {
        CallStatus.COMPLETED,
        CallStatus.ABANDONED,
        CallStatus.BUSY,
        CallStatus.NO_ANSWER,
        CallStatus.FAILED,
        CallStatus.CANCELED,
    }
)
ABANDONED_IN_MENU = "the caller hung up in the language menu before choosing a language"
ABANDONED_BEFORE_MESSAGE = "the caller hung up before leaving a message"


def is_anonymous(raw_from: str | None) -> bool:
    """True when the caller's number is withheld or missing."""
    return (raw_from or "").strip().lower() in ANONYMOUS_CALLERS


@dataclass(frozen=True)
class CallerInfo:
    """What the menu needs to know about a caller: their call, language and standing."""

    call_id: int
    conversation_id: int | None
    language: str | None  # the menu choice, or the contact's last language before a choice
    chosen: bool  # True once the caller picked a language in this call
    blocked: bool
    anonymous: bool
    duplicate: bool


class CallService(UseCases):
    """The write side of the call record."""

    # -- inbound calls --------------------------------------------------------------------

    def start_inbound(
        self, call_sid: str, raw_from: str | None, to_number: str | None, payload: Mapping[str, Any]
    ) -> CallerInfo:
        """Record an incoming call once (a replayed webhook finds the same call)."""
        for _attempt in range(3):
            existing = self._caller_info(call_sid, duplicate=True)
            if existing is not None:
                return existing
            try:
                return self._start_inbound_once(call_sid, raw_from, to_number, payload)
            except IntegrityError:
                continue  # a racing delivery of the same webhook won; read what it stored
        raise NotFoundError(f"could not record call {call_sid}")

    def _start_inbound_once(
        self, call_sid: str, raw_from: str | None, to_number: str | None, payload: Mapping[str, Any]
    ) -> CallerInfo:
        with self._uow.write() as session:
            session.add(
                WebhookReceipt(provider_sid=call_sid, event="voice.inbound", payload=dict(payload))
            )
            now = utcnow()
            anonymous = is_anonymous(raw_from)
            phone = f"anonymous:{call_sid}"[:64] if anonymous else normalise_phone(raw_from or "")
            contact = session.scalar(select(Contact).where(Contact.phone == phone))
            if contact is None:
                contact = Contact(
                    phone=phone,
                    flag_reason="the caller withheld their number" if anonymous else None,
                )
                session.add(contact)
                session.flush()
            blocked = contact.blocked_until is not None and contact.blocked_until > now
            call = Call(
                call_sid=call_sid,
                contact_id=contact.id,
                direction=Direction.INBOUND,
                status=CallStatus.CANCELED if blocked else CallStatus.IN_PROGRESS,
                from_number=None if anonymous else phone,
                to_number=to_number,
                started_at=now,
                answered_at=None if blocked else now,
                ended_at=now if blocked else None,
            )
            if not blocked:
                conversation = open_conversation(session, contact, Channel.VOICE, now)
                # The caller is active in it now: an idle close must not take it from under
                # the message they are about to leave (it checks last_message_at).
                resident_active(conversation, now)
                call.conversation_id = conversation.id
            session.add(call)
            session.flush()
            add_event(
                session,
                EventKind.CALL_BLOCKED if blocked else EventKind.CALL_STARTED,
                call.conversation_id,
            )
            return CallerInfo(
                call.id,
                call.conversation_id,
                contact.language,
                False,
                blocked,
                anonymous,
                duplicate=False,
            )

    def _caller_info(self, call_sid: str, *, duplicate: bool) -> CallerInfo | None:
        with self._uow.read() as session:
            call = session.scalar(select(Call).where(Call.call_sid == call_sid))
            if call is None:
                return None
            contact = session.get(Contact, call.contact_id) if call.contact_id else None
            language = call.language or (contact.language if contact else None)
            return CallerInfo(
                call.id,
                call.conversation_id,
                language,
                call.language is not None,
                call.status is CallStatus.CANCELED and call.answered_at is None,
                call.from_number is None,
                duplicate,
            )

    def recording_finished(self, receipt: Receipt) -> CallerInfo | None:
        """The caller's <Record> ended (the audio follows by its own callback): keep the
        webhook, so the call's end is not taken for an abandoned call, and say who called."""
        with self._uow.write() as session:
            keep_receipt(session, receipt)
        return self._caller_info(receipt.sid, duplicate=False)

    def keep_webhook(self, receipt: Receipt) -> None:
        """Keep a webhook that changes nothing (an interim recording status, a menu key for a
        call relay never saw or blocked), for review; a redelivery is kept once."""
        with self._uow.write() as session:
            keep_receipt(session, receipt)

    def caller(self, call_sid: str) -> CallerInfo | None:
        """The stored state of a call, or None for a call relay never saw."""
        return self._caller_info(call_sid, duplicate=False)

    def count_menu_attempt(self, call_sid: str) -> int:
        """Count one more pass through the language menu; returns the count (0: unknown call)."""
        with self._uow.write() as session:
            call = session.scalar(select(Call).where(Call.call_sid == call_sid))
            if call is None:
                return 0
            call.menu_attempts += 1
            return call.menu_attempts

    def choose_language(self, call_sid: str, language: str, receipt: Receipt | None = None) -> bool:
        """Remember the caller's menu choice on the call, conversation and contact (with the
        webhook that brought it, when given)."""
        with self._uow.write() as session:
            if receipt is not None:
                keep_receipt(session, receipt)
            call = session.scalar(select(Call).where(Call.call_sid == call_sid))
            if call is None:
                return False
            call.language = language
            if call.conversation_id is not None:
                conversation = session.get(Conversation, call.conversation_id)
                assert conversation is not None
                conversation.language = language
            if call.contact_id is not None:
                contact = session.get(Contact, call.contact_id)
                assert contact is not None
                contact.language = language
            add_event(session, EventKind.CALL_LANGUAGE, call.conversation_id, language=language)
            return True

    # -- call status ----------------------------------------------------------------------

    def record_status(
        self,
        call_sid: str,
        status: CallStatus,
        duration_seconds: int | None,
        receipt: Receipt,
        reply_outcome: Callable[[CallStatus], tuple[MessageStatus, str | None] | None],
    ) -> StatusOutcome:
        """Apply a call status callback once, with its receipt, in one transaction.

        A final state is never moved back by a late callback. An inbound call that ends with no
        recording (the Record verb never finished) is an abandoned call and leaves an empty
        voice message saying so, so the agent sees it and can call back. For a call-back that
        speaks a reply, `reply_outcome` says what the call's end means for the reply.
        """
        with self._uow.write() as session:
            if not keep_receipt(session, receipt):
                return StatusOutcome.DUPLICATE
            recorded = receipt_exists(session, call_sid, "voice.recorded")
            call = self._apply_status(session, call_sid, status, duration_seconds, recorded)
            if call is None:
                receipt_outcome(session, receipt.sid, receipt.event, "unknown call")
                return StatusOutcome.UNKNOWN
            delivery = reply_outcome(status) if call.direction is Direction.OUTBOUND else None
            if delivery is not None:
                delivered, reason = delivery
                apply_delivery(session, call_sid, delivered, receipt.error_code, reason)
            return StatusOutcome.APPLIED

    def _apply_status(
        self,
        session: Session,
        call_sid: str,
        status: CallStatus,
        duration_seconds: int | None,
        recorded: bool,
    ) -> Call | None:
        call = session.scalar(select(Call).where(Call.call_sid == call_sid))
        if call is None:
            return None
        now = utcnow()
        if call.status in FINAL_CALL_STATUSES:
            if duration_seconds is not None and call.duration_seconds is None:
                call.duration_seconds = duration_seconds
            return call
        if status is CallStatus.IN_PROGRESS and call.answered_at is None:
            call.answered_at = now
        if status in FINAL_CALL_STATUSES:
            call.ended_at = now
            call.duration_seconds = duration_seconds
            end_live_part(session, call, "the call ended (hang-up)")
            if (
                status is CallStatus.COMPLETED
                and call.direction is Direction.INBOUND
                and not recorded
                and call.agent_answered_at is None  # an agent spoke with the caller
                and not has_voice_message(session, call.id)
            ):
                status = CallStatus.ABANDONED
                self._abandoned_message(session, call, now)
        call.status = status
        add_event(session, EventKind.of_call(status), call.conversation_id)
        return call

    def _abandoned_message(self, session: Session, call: Call, now: datetime) -> None:
        if call.conversation_id is None:
            return
        reason = ABANDONED_BEFORE_MESSAGE if call.language else ABANDONED_IN_MENU
        message = call_message(call, now)
        message.status = MessageStatus.EMPTY
        message.status_reason = reason
        session.add(message)
        session.flush()
        touch_conversation(session, call.conversation_id, now)
        add_event(session, EventKind.MESSAGE_EMPTY, call.conversation_id, message.id, reason=reason)


def has_voice_message(session: Session, call_id: int) -> bool:
    count = session.scalar(
        select(func.count(Message.id)).where(
            Message.call_id == call_id, Message.direction == Direction.INBOUND
        )
    )
    return bool(count)


def end_live_part(session: Session, call: Call, reason: str) -> bool:
    """End a call's live part in the caller's transaction (a hang-up, the agent closing):
    streams are refused from now on. False when it was not live or had already ended."""
    if call.live_at is None or call.live_ended_at is not None:
        return False
    call.live_ended_at = utcnow()
    call.stream_sid = None
    add_event(session, EventKind.CALL_LIVE_ENDED, call.conversation_id, reason=reason)
    return True
