"""The record's use cases on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.support.record_reads import stored_message
from tests.support.staff import STAFF
from transcripts import repository
from transcripts.db import utcnow
from transcripts.errors import ConversationClosedError, NotFoundError
from transcripts.inbound import InboundSms, InboundTranslation, StaleWork
from transcripts.models import (
    Channel,
    Conversation,
    ConversationStatus,
    Event,
    Message,
    MessageStatus,
    WebhookReceipt,
)
from transcripts.outbound import SEND_LEASE, ReplyDraft
from transcripts.record import Record


def sms(sid: str, body: str = "Hello", phone: str = "+821012345678") -> InboundSms:
    return InboundSms(
        sid=sid,
        from_number=phone,
        to_number="+8215880120",
        body=body,
        payload={"MessageSid": sid, "Body": body},
    )


def draft(text: str = "안녕하세요") -> ReplyDraft:
    return ReplyDraft(
        korean_text=text,
        language="en",
        translated_text="Hello",
        machine_translation="Hello",
        back_translation="안녕하세요",
        engine="argos",
        model="m",
        pivot=None,
        translation_ms=1.0,
        delivered_body="Hello",
        sms_encoding="GSM-7",
        sms_segments=1,
        undeliverable_chars="",
    )


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_inbound_is_stored_with_conversation_contact_and_event(
    record: Record, sessions: sessionmaker[Session]
) -> None:
    result = record.inbound.record_sms(sms("SM1", phone="010-1234-5678"))
    assert not result.duplicate and result.needs_work
    with sessions() as session:
        message = session.get(Message, result.message_id)
        assert message is not None
        assert message.original_text == "Hello"
        assert message.status is MessageStatus.RECEIVED
        assert message.from_number == "+821012345678"
        conversation = session.get(Conversation, result.conversation_id)
        assert conversation is not None and conversation.status is ConversationStatus.OPEN
        kinds = session.scalars(select(Event.kind).order_by(Event.id)).all()
        assert kinds == ["conversation.opened", "message.received"]
        assert message.created_at.tzinfo is not None


def test_same_sid_twice_is_stored_once(record: Record, sessions: sessionmaker[Session]) -> None:
    first = record.inbound.record_sms(sms("SM-dup"))
    second = record.inbound.record_sms(sms("SM-dup"))
    assert second.duplicate and not second.needs_work
    assert second.message_id == first.message_id
    assert count(sessions, Message) == 1
    assert count(sessions, WebhookReceipt) == 1


def test_concurrent_deliveries_of_one_sid_store_one_message(
    record: Record, sessions: sessionmaker[Session]
) -> None:
    results = []
    barrier = threading.Barrier(4)

    def deliver() -> None:
        barrier.wait()
        results.append(record.inbound.record_sms(sms("SM-race")))

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4
    assert sum(not r.duplicate for r in results) == 1
    assert len({r.message_id for r in results}) == 1
    assert count(sessions, Message) == 1


def test_messages_from_one_resident_share_one_open_conversation_even_when_racing(
    record: Record, sessions: sessionmaker[Session]
) -> None:
    barrier = threading.Barrier(3)

    def deliver(i: int) -> None:
        barrier.wait()
        record.inbound.record_sms(sms(f"SM-c{i}", phone="+821099998888"))

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert count(sessions, Message) == 3
    assert count(sessions, Conversation) == 1


def test_empty_body_is_stored_and_needs_no_work(
    record: Record, sessions: sessionmaker[Session]
) -> None:
    result = record.inbound.record_sms(sms("SM-empty", body="   "))
    assert not result.needs_work
    with sessions() as session:
        message = session.get(Message, result.message_id)
        assert message is not None and message.status is MessageStatus.EMPTY


def test_translation_saved_and_work_is_idempotent(
    record: Record, sessions: sessionmaker[Session]
) -> None:
    result = record.inbound.record_sms(sms("SM-t"))
    assert record.inbound.begin_work(result.message_id) is not None
    record.inbound.save_translation(
        result.message_id,
        InboundTranslation("en", 0.98, "안녕하세요", "argos", "en-ko", None, 12.0, 3.0),
    )
    assert record.inbound.begin_work(result.message_id) is None  # already done
    with sessions() as session:
        message = session.get(Message, result.message_id)
        assert message is not None
        assert message.translated_text == "안녕하세요"
        assert message.attempts == 1
        conversation = session.get(Conversation, result.conversation_id)
        assert conversation is not None and conversation.language == "en"
        assert conversation.contact.language == "en"


def test_unsupported_language_flags_the_conversation(
    record: Record, sessions: sessionmaker[Session]
) -> None:
    result = record.inbound.record_sms(sms("SM-fr", body="Bonjour"))
    record.inbound.mark(result.message_id, MessageStatus.NEEDS_INTERPRETER, "French")
    with sessions() as session:
        conversation = session.get(Conversation, result.conversation_id)
        assert conversation is not None and conversation.needs_interpreter


def test_reply_and_delivery_callbacks_never_move_backwards(
    record: Record, sessions: sessionmaker[Session]
) -> None:
    inbound = record.inbound.record_sms(sms("SM-in"))
    reply = record.outbound.queue(inbound.conversation_id, draft(), Channel.SMS, STAFF)
    assert reply.status is MessageStatus.QUEUED
    assert record.outbound.begin_sending(reply.id) is not None
    record.outbound.mark_sent(reply.id, "SM-out", MessageStatus.SENT)
    assert record.outbound.begin_sending(reply.id) is None  # never sent twice
    assert record.outbound.update_delivery("SM-out", MessageStatus.DELIVERED, None, None)
    # A late "sent" after "delivered" is accepted and ignored.
    assert record.outbound.update_delivery("SM-out", MessageStatus.SENT, None, None)
    assert not record.outbound.update_delivery("SM-unknown", MessageStatus.DELIVERED, None, None)
    with sessions() as session:
        message = session.get(Message, reply.id)
        assert message is not None and message.status is MessageStatus.DELIVERED


def test_reply_to_unknown_or_closed_conversation(
    record: Record, sessions: sessionmaker[Session]
) -> None:
    with pytest.raises(NotFoundError):
        record.outbound.queue(999, draft(), Channel.SMS, STAFF)
    inbound = record.inbound.record_sms(sms("SM-close"))
    with sessions() as session, session.begin():
        conversation = session.get(Conversation, inbound.conversation_id)
        assert conversation is not None
        conversation.status = ConversationStatus.CLOSED
    with pytest.raises(ConversationClosedError):
        record.outbound.queue(inbound.conversation_id, draft(), Channel.SMS, STAFF)


def test_stale_work_finds_lost_jobs(record: Record) -> None:
    inbound = record.inbound.record_sms(sms("SM-stale"))
    nothing = StaleWork((), (), ())
    assert record.inbound.stale_work(timedelta(seconds=60), 5) == nothing
    lost = StaleWork((inbound.message_id,), (), ())
    assert record.inbound.stale_work(timedelta(seconds=-1), 5) == lost
    assert record.inbound.stale_work(timedelta(seconds=-1), 0) == nothing


def test_stale_work_fails_a_reply_out_of_attempts_with_its_last_error(
    record: Record, sessions: sessionmaker[Session]
) -> None:
    inbound = record.inbound.record_sms(sms("SM-spent"))
    spent = record.outbound.queue(inbound.conversation_id, draft(), Channel.SMS, STAFF)
    fresh = record.outbound.queue(inbound.conversation_id, draft(), Channel.SMS, STAFF)
    assert record.outbound.begin_sending(spent.id) is not None
    record.outbound.note_send_retry(spent.id, "Twilio could not be reached: timed out", None)

    work = record.inbound.stale_work(timedelta(seconds=-1), 1)
    assert work.given_up == (spent.id,)
    assert work.sends == (fresh.id,)  # never tried: it gets its chance
    failed = stored_message(sessions, spent.id)
    assert failed.status is MessageStatus.FAILED
    assert failed.status_reason == (
        "1번 시도했지만 보내지 못했습니다 (gave up after 1 attempts): "
        "Twilio could not be reached: timed out"
    )
    assert record.inbound.stale_work(timedelta(seconds=-1), 1).given_up == ()


def test_conversation_listing_and_previews(record: Record, sessions: sessionmaker[Session]) -> None:
    for i in range(5):
        record.inbound.record_sms(sms(f"SM-l{i}", body=f"m{i}", phone=f"+8210000000{i}"))
    with sessions() as session:
        page = repository.list_conversations(session, limit=2)
        assert page.total == 5 and page.next_offset == 2
        assert len(page.conversations) == 2
        last = repository.last_messages(session, [c.id for c in page.conversations])
        assert {m.original_text for m in last.values()} == {"m4", "m3"}


def test_a_second_delivery_of_a_send_job_does_not_send_again(
    record: Record, sessions: sessionmaker[Session]
) -> None:
    inbound = record.inbound.record_sms(sms("SM-in"))
    reply = record.outbound.queue(inbound.conversation_id, draft(), Channel.SMS, STAFF)
    assert record.outbound.begin_sending(reply.id) is not None
    # The same job, delivered twice, while the first worker is still talking to Twilio.
    assert record.outbound.begin_sending(reply.id) is None
    # Much later the send never finished (a retryable error, a worker that died): a retry may.
    with sessions() as session, session.begin():
        session.execute(
            update(Message)
            .where(Message.id == reply.id)
            .values(updated_at=utcnow() - SEND_LEASE - timedelta(seconds=1))
        )
    again = record.outbound.begin_sending(reply.id)
    assert again is not None and again.attempts == 2


def test_a_queued_reply_names_its_agent_for_the_audit_trail(
    record: Record, sessions: sessionmaker[Session]
) -> None:
    from dataclasses import replace

    from tests.support.record_reads import new_admin

    agent = new_admin(sessions, "kim")
    inbound = record.inbound.record_sms(sms("SM-in"))
    reply = record.outbound.queue(
        inbound.conversation_id, replace(draft(), author_user_id=agent), Channel.SMS, STAFF
    )
    with sessions() as session:
        event = session.scalars(
            select(Event).where(Event.kind == "message.queued", Event.message_id == reply.id)
        ).one()
        assert event.data == {"channel": "sms", "user_id": agent}
