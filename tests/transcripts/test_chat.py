"""The web chat's use cases on SQLite and PostgreSQL: secrets kept hashed and revocable, the
page's limits, read state claimed only when the page says so, and purge taking the secrets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from transcripts.chat import ChatPosted
from transcripts.db import utcnow
from transcripts.errors import ChatAccessError, ChatEndedError, ChatLimitError, ChatMessageError
from transcripts.models import (
    Channel,
    ChatSecret,
    Conversation,
    Disposition,
    Message,
    MessageStatus,
    Role,
)
from transcripts.outbound import ReplyDraft
from transcripts.policy import (
    CHAT_MESSAGES_PER_CONVERSATION,
    CHAT_POSTS_PER_ADDRESS,
    MAX_CHAT_MESSAGE_CHARS,
    Actor,
    chat_secret_hash,
)
from transcripts.record import Record
from transcripts.retention import purge_before

VI = "Tôi bị mất ví trên xe buýt."


def _agent(record: Record, name: str = "kim") -> Actor:
    record.accounts.create(name, Role.AGENT, "x")
    with record.uow.read() as session:
        from transcripts.repository import user_by_name

        user = user_by_name(session, name)
        assert user is not None
        return Actor(user.id)


def _draft(text: str = "Đơn của bạn đã được tiếp nhận.") -> ReplyDraft:
    return ReplyDraft(
        korean_text="신청이 접수되었습니다.", language="vi", translated_text=text,
        machine_translation=text, back_translation=None, engine="test", model="test",
        pivot=None, translation_ms=0.0, delivered_body=text, sms_encoding="",
        sms_segments=0, undeliverable_chars="",
    )  # fmt: skip


def _reply(record: Record, conversation_id: int, actor: Actor) -> int:
    record.agents.claim(conversation_id, actor)
    message = record.outbound.queue(conversation_id, _draft(), Channel.WEB, actor)
    record.chat.deliver(message.id)
    return message.id


def test_a_started_chat_keeps_only_the_hash_of_its_128_bit_secret(
    record: Record, sessions: sessionmaker[Session]
) -> None:
    started = record.chat.start("vi", VI, "10.0.0.1", callback_phone="+821012345678")
    assert started.secret is not None and len(started.secret) >= 22  # 16 random bytes
    with sessions() as session:
        stored = session.scalars(select(ChatSecret)).one()
        assert stored.secret_hash == chat_secret_hash(started.secret) != started.secret
        conversation = session.get(Conversation, started.conversation_id)
        assert conversation is not None and conversation.channel is Channel.WEB
        assert conversation.contact.phone.startswith("web:")  # never the call-back number
        assert conversation.callback_phone == "+821012345678"
        message = session.get(Message, started.message_id)
        assert message is not None and message.status is MessageStatus.RECEIVED
        assert message.original_text == VI and message.channel is Channel.WEB
    assert started.needs_work
    view = record.chat.view(started.secret)
    assert [line.text for line in view.lines] == [VI]


def test_forged_revoked_and_closed_secrets_open_nothing(record: Record) -> None:
    kim = _agent(record)
    started = record.chat.start("vi", VI, "10.0.0.1")
    assert started.secret
    with pytest.raises(ChatAccessError):
        record.chat.view("A" * 22)
    other = record.chat.start("en", "hello", "10.0.0.2")
    assert other.secret and record.chat.conversation_of(other.secret) != started.conversation_id
    record.agents.claim(started.conversation_id, kim)
    assert record.chat.revoke(started.conversation_id, kim) == 1
    secret = started.secret
    with pytest.raises(ChatAccessError):
        record.chat.view(secret)
    with pytest.raises(ChatAccessError):
        record.chat.post(secret, "again", "10.0.0.1")
    record.agents.claim(other.conversation_id, kim)
    record.agents.close(other.conversation_id, kim, Disposition.RESOLVED)
    with pytest.raises(ChatEndedError):
        record.chat.post(other.secret, "still there?", "10.0.0.2")


def test_messages_are_checked_for_size_and_rate(record: Record) -> None:
    with pytest.raises(ChatMessageError):
        record.chat.start("vi", "   ", "10.0.0.1")
    with pytest.raises(ChatMessageError):
        record.chat.start("vi", "x" * (MAX_CHAT_MESSAGE_CHARS + 1), "10.0.0.1")
    started = record.chat.start("vi", VI, "10.0.0.1")
    assert started.secret
    stored: list[ChatPosted] = []
    refused = 0
    for n in range(100):  # a flood from one page within a minute
        try:
            stored.append(record.chat.post(started.secret, f"{n}", f"10.0.1.{n}"))
        except ChatLimitError:
            refused += 1
    assert len(stored) == CHAT_MESSAGES_PER_CONVERSATION and refused == 100 - len(stored)
    refused = 0
    for _n in range(CHAT_POSTS_PER_ADDRESS + 5):  # one address opening many conversations
        try:
            record.chat.start("en", "hello", "10.9.9.9")
        except ChatLimitError:
            refused += 1
    assert refused == 5


def test_read_state_is_claimed_only_by_the_page_and_only_for_its_own_replies(
    record: Record, sessions: sessionmaker[Session]
) -> None:
    kim = _agent(record)
    mine = record.chat.start("vi", VI, "10.0.0.1")
    theirs = record.chat.start("vi", VI, "10.0.0.2")
    assert mine.secret and theirs.secret
    reply = _reply(record, mine.conversation_id, kim)
    other_reply = _reply(record, theirs.conversation_id, kim)
    assert [line.state for line in record.chat.view(mine.secret).lines][-1] == "sent"
    assert record.chat.seen(mine.secret, [reply, other_reply], []) == 1  # not the other's
    assert record.chat.view(mine.secret).lines[-1].state == "delivered"
    assert record.chat.seen(mine.secret, [], [reply]) == 1
    assert record.chat.seen(mine.secret, [], [reply]) == 0  # once
    assert record.chat.view(mine.secret).lines[-1].state == "read"
    with sessions() as session:
        other = session.get(Message, other_reply)
        assert other is not None and other.status is MessageStatus.SENT and other.read_at is None


def test_an_unread_web_reply_is_nudged_by_sms_once_when_there_is_a_number(
    record: Record, sessions: sessionmaker[Session]
) -> None:
    kim = _agent(record)
    with_number = record.chat.start("vi", VI, "10.0.0.1", callback_phone="+821099998888")
    without = record.chat.start("vi", VI, "10.0.0.2")
    first = _reply(record, with_number.conversation_id, kim)
    _reply(record, without.conversation_id, kim)
    with sessions() as session, session.begin():
        session.execute(update(Message).values(created_at=utcnow() - timedelta(minutes=30)))
    due = record.chat.due_nudges(timedelta(minutes=10))
    assert [(d.message_id, d.phone) for d in due] == [(first, "+821099998888")]
    nudge = record.chat.nudge(first, _draft("Tong dai 120: co tin tra loi moi"), "+821099998888")
    assert nudge is not None and nudge.channel is Channel.SMS
    assert nudge.to_number == "+821099998888"
    assert record.chat.nudge(first, _draft(), "+821099998888") is None
    assert record.chat.due_nudges(timedelta(minutes=10)) == ()


def test_the_abuse_button_revokes_the_page_and_reply_links_open_no_new_one(
    record: Record, sessions: sessionmaker[Session]
) -> None:
    kim = _agent(record)
    started = record.chat.start("vi", VI, "10.0.0.1")
    assert started.secret
    record.agents.claim(started.conversation_id, kim)
    outcome = record.agents.warn_abuse(
        started.conversation_id, kim, lambda language: _draft(), block_for=None, reason="abuse"
    )
    with sessions() as session:
        warning = session.get(Message, outcome.warning_message_id)
        assert warning is not None and warning.channel is Channel.WEB
        session.execute(
            update(Message).where(Message.id == warning.id).values(reply_token="tok" * 7)
        )
        session.commit()
    with pytest.raises(ChatAccessError):
        record.chat.view(started.secret)
    assert record.chat.link_reply("tok" * 7) is None


def test_purging_a_conversation_takes_its_chat_secrets(
    record: Record, sessions: sessionmaker[Session]
) -> None:
    kim = _agent(record)
    started = record.chat.start("vi", VI, "10.0.0.1")
    assert started.secret
    record.agents.claim(started.conversation_id, kim)
    record.agents.close(started.conversation_id, kim, Disposition.RESOLVED)
    purge_before(sessions, utcnow() + timedelta(days=1))
    with sessions() as session:
        assert session.scalars(select(ChatSecret)).all() == []
    with pytest.raises(ChatAccessError):
        record.chat.view(started.secret)
