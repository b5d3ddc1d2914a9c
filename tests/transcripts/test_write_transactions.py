"""Write transactions that meet: the second waits for the first and builds on its result, on
SQLite and PostgreSQL alike (no lost update, no reply in a conversation closed meanwhile)."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.support.staff import STAFF
from tests.support.voice_seed import seed_voice_message, seg
from transcripts.errors import ConversationClosedError
from transcripts.inbound import InboundSms
from transcripts.models import (
    Channel,
    Conversation,
    ConversationStatus,
    Disposition,
    Message,
    MessageStatus,
)
from transcripts.outbound import ReplyDraft
from transcripts.record import Record
from transcripts.uow import UseCases
from transcripts.writes import get_message


class Appender(UseCases):
    """A read-modify-write of a message's text, which can pause between its read and write."""

    def append(
        self, message_id: int, word: str, read: threading.Event, go_on: threading.Event
    ) -> None:
        with self._uow.write() as session:
            message = get_message(session, message_id)
            text = message.original_text
            read.set()
            go_on.wait(10)
            message.original_text = f"{text} {word}"


def test_a_second_writer_waits_and_builds_on_the_first(sessions: sessionmaker[Session]) -> None:
    _, message_id = seed_voice_message(sessions, [seg(0.0, 1.0, "start", "시작")])
    appender = Appender(sessions)
    first_read, second_read = threading.Event(), threading.Event()
    release, free = threading.Event(), threading.Event()
    free.set()
    first = threading.Thread(target=appender.append, args=(message_id, "a", first_read, release))
    second = threading.Thread(target=appender.append, args=(message_id, "b", second_read, free))
    first.start()
    assert first_read.wait(10)
    second.start()
    time.sleep(0.3)
    # The first holds the message between its read and its write: the second may not read yet.
    assert not second_read.is_set()
    release.set()
    first.join(10)
    second.join(10)
    with sessions() as session:
        message = session.get(Message, message_id)
        assert message is not None
        assert message.original_text == "start a b"


class Deliverer(UseCases):
    """Twilio's "delivered" callback, holding the reply between its read and its write."""

    def deliver(self, message_id: int, read: threading.Event, go_on: threading.Event) -> None:
        with self._uow.write() as session:
            message = get_message(session, message_id)
            read.set()
            go_on.wait(10)
            message.status = MessageStatus.DELIVERED


def test_a_late_sent_callback_racing_delivered_does_not_move_it_back(
    sessions: sessionmaker[Session],
) -> None:
    record = Record.build(sessions)
    cid = record.inbound.record_sms(
        InboundSms("SM1", "+821011110000", "+8215880120", "Hello", {})
    ).conversation_id
    draft = ReplyDraft(
        "네", "en", "Yes", "Yes", "네", "argos", "m", None, 1.0, "Yes", "GSM-7", 1, ""
    )
    reply = record.outbound.queue(cid, draft, Channel.SMS, STAFF)
    record.outbound.mark_sent(reply.id, "SMout", MessageStatus.QUEUED)
    delivered_read, release = threading.Event(), threading.Event()
    first = threading.Thread(
        target=Deliverer(sessions).deliver, args=(reply.id, delivered_read, release)
    )
    first.start()
    assert delivered_read.wait(10)
    late = threading.Thread(
        target=record.outbound.update_delivery, args=("SMout", MessageStatus.SENT, None, None)
    )
    late.start()
    time.sleep(0.3)
    release.set()
    first.join(10)
    late.join(10)
    with sessions() as session:
        message = session.get(Message, reply.id)
        assert message is not None
        assert message.status is MessageStatus.DELIVERED


def test_a_reply_meeting_a_close_in_progress_is_refused(
    sessions: sessionmaker[Session], record: Record
) -> None:
    """An agent's reply queued while the conversation is being closed (by another agent, or
    the idle close) must not land in the closed conversation, where nobody would see it."""
    cid = record.inbound.record_sms(
        InboundSms("SM1", "+821011110000", "+8215880120", "Hello", {"MessageSid": "SM1"})
    ).conversation_id
    draft = ReplyDraft(
        "네", "en", "Yes", "Yes", "네", "argos", "m", None, 1.0, "Yes", "GSM-7", 1, ""
    )
    closing = sessions()
    closing.begin()
    if closing.connection().dialect.name == "sqlite":
        closing.connection().exec_driver_sql("BEGIN IMMEDIATE")
    closing.execute(
        update(Conversation)
        .where(Conversation.id == cid)
        .values(status=ConversationStatus.CLOSED, disposition=Disposition.NO_RESPONSE.value)
    )
    outcome: list[BaseException | None] = []

    def reply() -> None:
        try:
            record.outbound.queue(cid, draft, Channel.SMS, STAFF)
            outcome.append(None)
        except BaseException as error:
            outcome.append(error)

    replying = threading.Thread(target=reply)
    replying.start()
    time.sleep(0.3)
    closing.commit()
    closing.close()
    replying.join(10)
    assert len(outcome) == 1 and isinstance(outcome[0], ConversationClosedError), outcome
    with sessions() as session:
        assert (
            session.scalars(select(Message).where(Message.conversation_id == cid))
            .all()[-1]
            .direction.value
            == "inbound"
        )
