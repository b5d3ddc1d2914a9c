"""Use cases that used to be chained by their callers, each now one transaction: a blocked
contact's text is held as it is stored, the abuse warning and the block go together, a reply
and the translation memory entry it approves go together, a status callback is claimed and
applied at once."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.record_reads import new_admin
from tests.support.staff import STAFF
from tests.transcripts.test_service import draft, sms
from transcripts.db import utcnow
from transcripts.errors import ConversationClosedError, NotClaimedError
from transcripts.inbound import BLOCKED_REASON
from transcripts.models import (
    Channel,
    Contact,
    Disposition,
    Event,
    MemoryEntry,
    MemorySuggestion,
    Message,
    MessageStatus,
    WebhookReceipt,
)
from transcripts.outbound import DeliveryOutcome, MemoryNote
from transcripts.policy import Actor, EventKind
from transcripts.record import Record


def _block(sessions: sessionmaker[Session], phone: str, hours: int = 1) -> None:
    with sessions() as session, session.begin():
        contact = session.scalar(select(Contact).where(Contact.phone == phone))
        assert contact is not None
        contact.blocked_until = utcnow() + timedelta(hours=hours)


def test_a_blocked_contacts_text_is_held_in_the_transaction_that_stores_it(
    record: Record, sessions: sessionmaker[Session]
) -> None:
    first = record.inbound.record_sms(sms("SM1"))
    assert first.needs_work and not first.blocked
    _block(sessions, "+821012345678")
    held = record.inbound.record_sms(sms("SM2", body="again"))
    assert held.blocked and not held.needs_work and not held.duplicate
    with sessions() as session:
        message = session.get(Message, held.message_id)
        assert message is not None
        assert message.status is MessageStatus.BLOCKED
        assert message.status_reason == BLOCKED_REASON
        kinds = session.scalars(select(Event.kind).where(Event.message_id == held.message_id))
        assert list(kinds) == [EventKind.MESSAGE_RECEIVED, EventKind.MESSAGE_BLOCKED]
    # An empty text from a blocked number has nothing to hold: it stays empty.
    empty = record.inbound.record_sms(sms("SM3", body=" "))
    assert not empty.blocked and not empty.needs_work
    # When the block has run out, texts are worked on again.
    _block(sessions, "+821012345678", hours=-1)
    assert record.inbound.record_sms(sms("SM4")).needs_work


def test_the_abuse_warning_and_the_block_are_all_or_nothing(
    record: Record, sessions: sessionmaker[Session]
) -> None:
    stored = record.inbound.record_sms(sms("SM1"))
    agent = Actor(user_id=7)
    with pytest.raises(NotClaimedError):
        record.agents.warn_abuse(
            stored.conversation_id, agent, lambda _l: draft(), block_for=None, reason="x"
        )
    record.agents.close(stored.conversation_id, STAFF, Disposition.ABUSIVE)
    with pytest.raises(ConversationClosedError):
        record.agents.warn_abuse(
            stored.conversation_id,
            STAFF,
            lambda _l: draft(),
            block_for=timedelta(hours=24),
            reason="abuse",
        )
    with sessions() as session:
        contact = session.scalars(select(Contact)).one()
        assert contact.blocked_until is None and contact.flag_reason is None
        assert session.scalars(select(Message).where(Message.direction == "outbound")).all() == []

    reopened = record.inbound.record_sms(sms("SM2"))
    asked: list[str] = []

    def warning(language: str) -> object:
        asked.append(language)
        return draft()

    outcome = record.agents.warn_abuse(
        reopened.conversation_id,
        STAFF,
        warning,  # type: ignore[arg-type]
        block_for=timedelta(hours=24),
        reason="abuse",
    )
    assert asked == ["en"]  # the language is not known yet: English, readable by most
    assert outcome.blocked_until is not None
    with sessions() as session:
        warning_message = session.get(Message, outcome.warning_message_id)
        assert warning_message is not None and warning_message.status is MessageStatus.QUEUED
        contact = session.scalars(select(Contact)).one()
        assert contact.blocked_until is not None and contact.flag_reason == "abuse"


def test_a_reply_and_the_translation_it_suggests_are_one_transaction(
    record: Record, sessions: sessionmaker[Session]
) -> None:
    admin = Actor(new_admin(sessions), is_admin=True)
    stored = record.inbound.record_sms(sms("SM1"))
    edited = replace(draft("고맙습니다"), translated_text="Thank you so much.")
    keep = MemoryNote(normalise=str.casefold)
    record.agents.close(stored.conversation_id, admin, Disposition.RESOLVED)
    with pytest.raises(ConversationClosedError):
        record.outbound.queue(stored.conversation_id, edited, Channel.SMS, admin, remember=keep)
    with sessions() as session:
        assert session.scalars(select(MemorySuggestion)).all() == []
    reopened = record.inbound.record_sms(sms("SM2"))
    record.outbound.queue(reopened.conversation_id, edited, Channel.SMS, admin, remember=keep)
    with sessions() as session:
        # Even an admin's reply only suggests: approving is a decision of its own.
        assert session.scalars(select(MemoryEntry)).all() == []
        [suggestion] = session.scalars(select(MemorySuggestion)).all()
        assert (suggestion.source_text, suggestion.target_text) == (
            "고맙습니다",
            "Thank you so much.",
        )
        assert suggestion.suggested_by_id == admin.user_id
        assert suggestion.conversation_id == reopened.conversation_id


def test_a_status_callback_is_claimed_and_applied_at_once(
    record: Record, sessions: sessionmaker[Session]
) -> None:
    stored = record.inbound.record_sms(sms("SM1"))
    reply = record.outbound.queue(stored.conversation_id, draft(), Channel.SMS, STAFF)
    record.outbound.mark_sent(reply.id, "SMout", MessageStatus.SENT)
    apply = record.outbound.record_delivery
    payload = {"MessageStatus": "delivered"}
    delivered = MessageStatus.DELIVERED
    assert apply("SMout", "sms.status.delivered", payload, delivered, None, None) == (
        DeliveryOutcome.APPLIED
    )
    assert apply("SMout", "sms.status.delivered", payload, delivered, None, None) == (
        DeliveryOutcome.DUPLICATE
    )
    assert apply("SMnone", "sms.status.delivered", payload, delivered, None, None) == (
        DeliveryOutcome.UNKNOWN
    )
    with sessions() as session:
        message = session.get(Message, reply.id)
        assert message is not None and message.status is MessageStatus.DELIVERED
        unknown = session.scalar(
            select(WebhookReceipt).where(WebhookReceipt.provider_sid == "SMnone")
        )
        assert unknown is not None and unknown.outcome == "unknown message"
