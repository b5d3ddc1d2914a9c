"""One hand-computed day at the centre, 2026-11-12 (Asia/Seoul), for the figures and charts.

Every row is written with its times spelled out, so the expected figures in the tests can be
worked out on paper from this file alone. Times below are UTC; Seoul is UTC+9, so the whole day
runs 10:00-16:00 at the centre. Two agents, "kim" and "park", answer.

conv channel lang resident wrote    first answer by a person              closed as        topic
C1   sms     en   01:00:00           kim 01:05:00 (300 s); receipt at 01:00:01 resolved  체류·비자
C2   sms     zh   01:10:00           kim 01:40:00 (1800 s)                 callback_needed 건강보험
C3   sms     vi   02:00:00           none (automatic receipt only)         no_response      -
C4   sms     mn   02:30:00           none (abuse warning 02:31 only)       abusive          기타
C5   web     ja   03:00:00           park, phrasebook 03:10:00 (600 s)     resolved         교통
C6   sms     en   04:00:00           none (park's reply held in outbox)    open
C7   voice   en   05:01:00 message   park 05:21:00 (1200 s)                open
C8   live    vi   06:01:10 speech    kim 06:02:10 (60 s)                   open
C9   live    zh   07:00:40 speech    none                                  open

Calls: CA7 (C7) rang 05:00:00, the menu picked up 05:00:03, recorded message, 90 s;
CA8 (C8) rang 06:00:00, menu 06:00:02, live 06:00:30, kim took it 06:01:00, 300 s;
CA9 (C9) rang 07:00:00, menu 07:00:02, live 07:00:20, caller hung up before an agent: abandoned.
kim closed C1 and C2, park C4 and C5, relay itself C3.
One conversation opened the day before (2026-11-11 14:59 UTC = 23:59 Seoul) is not in the day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from transcripts.models import (
    Author,
    Call,
    CallStatus,
    Channel,
    Contact,
    Conversation,
    ConversationStatus,
    Direction,
    Event,
    Message,
    MessageStatus,
    Role,
    User,
)

DAY = date(2026, 11, 12)  # at the centre (Asia/Seoul)


def at(hour: int, minute: int, second: int = 0) -> datetime:
    """A UTC moment on 2026-11-12."""
    return datetime(2026, 11, 12, hour, minute, second, tzinfo=UTC)


def _message(
    direction: Direction,
    channel: Channel,
    author: Author,
    status: MessageStatus,
    created_at: datetime,
    user_id: int | None = None,
) -> Message:
    return Message(
        direction=direction,
        channel=channel,
        author=author,
        author_user_id=user_id,
        status=status,
        original_text="...",
        created_at=created_at,
        updated_at=created_at,
    )


def seed_day(sessions: sessionmaker[Session]) -> dict[str, int]:
    """Write the day above; returns the agents' ids by name and the conversations' ids by their
    name in the table ("C1"…"C9")."""
    with sessions() as session, session.begin():
        kim = User(username="kim", role=Role.AGENT, password_hash="-")
        park = User(username="park", role=Role.AGENT, password_hash="-")
        session.add_all([kim, park])
        session.flush()
        ids = {"kim": kim.id, "park": park.id}
        inbound, outbound = Direction.INBOUND, Direction.OUTBOUND

        def conversation(
            n: int,
            channel: Channel,
            language: str,
            opened: datetime,
            disposition: str | None = None,
            topic: str | None = None,
        ) -> Conversation:
            contact = Contact(phone=f"+8210555500{n:02d}", language=language)
            closed = disposition is not None
            c = Conversation(
                contact=contact,
                channel=channel,
                language=language,
                status=ConversationStatus.CLOSED if closed else ConversationStatus.OPEN,
                disposition=disposition,
                topic=topic,
                created_at=opened,
                last_message_at=opened,
                closed_at=opened + timedelta(hours=1) if closed else None,
            )
            session.add(c)
            return c

        sms, web = Channel.SMS, Channel.WEB
        translated, sent = MessageStatus.TRANSLATED, MessageStatus.DELIVERED
        c1 = conversation(1, sms, "en", at(1, 0), "resolved", "체류·비자")
        c1.messages = [
            _message(inbound, sms, Author.RESIDENT, translated, at(1, 0)),
            _message(outbound, sms, Author.AUTOMATIC, sent, at(1, 0, 1)),
            _message(outbound, sms, Author.AGENT, sent, at(1, 5), kim.id),
        ]
        c2 = conversation(2, sms, "zh", at(1, 10), "callback_needed", "건강보험")
        c2.messages = [
            _message(inbound, sms, Author.RESIDENT, translated, at(1, 10)),
            _message(outbound, sms, Author.AGENT, sent, at(1, 40), kim.id),
        ]
        c3 = conversation(3, sms, "vi", at(2, 0), "no_response")
        c3.messages = [
            _message(inbound, sms, Author.RESIDENT, translated, at(2, 0)),
            _message(outbound, sms, Author.AUTOMATIC, sent, at(2, 0, 1)),
        ]
        c4 = conversation(4, sms, "mn", at(2, 30), "abusive", "기타")
        c4.messages = [
            _message(inbound, sms, Author.RESIDENT, translated, at(2, 30)),
            _message(outbound, sms, Author.SYSTEM, sent, at(2, 31), park.id),
        ]
        c5 = conversation(5, web, "ja", at(3, 0), "resolved", "교통")
        c5.messages = [
            _message(inbound, web, Author.RESIDENT, translated, at(3, 0)),
            _message(outbound, web, Author.PHRASEBOOK, sent, at(3, 10), park.id),
        ]
        c6 = conversation(6, sms, "en", at(4, 0))
        c6.messages = [
            _message(inbound, sms, Author.RESIDENT, translated, at(4, 0)),
            _message(outbound, sms, Author.AGENT, MessageStatus.HELD, at(4, 1), park.id),
        ]
        c7 = conversation(7, Channel.VOICE, "en", at(5, 0, 30))
        c7.messages = [
            _message(inbound, Channel.VOICE, Author.RESIDENT, translated, at(5, 1)),
            _message(outbound, sms, Author.AGENT, sent, at(5, 21), park.id),
        ]
        c8 = conversation(8, Channel.LIVE, "vi", at(6, 0, 30))
        c8.messages = [
            _message(inbound, Channel.LIVE, Author.RESIDENT, translated, at(6, 1, 10)),
            _message(outbound, Channel.LIVE, Author.AGENT, sent, at(6, 2, 10), kim.id),
        ]
        c9 = conversation(9, Channel.LIVE, "zh", at(7, 0, 20))
        c9.messages = [
            _message(inbound, Channel.LIVE, Author.RESIDENT, translated, at(7, 0, 40)),
        ]
        before = conversation(10, sms, "en", datetime(2026, 11, 11, 14, 59, tzinfo=UTC))
        before.messages = [
            _message(inbound, sms, Author.RESIDENT, translated, before.created_at),
        ]
        session.flush()
        conversations = (c1, c2, c3, c4, c5, c6, c7, c8, c9)
        ids.update({f"C{n}": c.id for n, c in enumerate(conversations, start=1)})
        # who closed: kim C1 and C2, park C4 and C5; relay itself C3 (no answer from the resident)
        for c, user_id in ((c1, kim.id), (c2, kim.id), (c3, None), (c4, park.id), (c5, park.id)):
            session.add(
                Event(
                    kind="conversation.closed",
                    conversation_id=c.id,
                    data={"disposition": c.disposition, "user_id": user_id},
                    created_at=c.closed_at,
                )
            )
        session.add_all(
            [
                Call(
                    call_sid="CA7",
                    conversation_id=c7.id,
                    direction=inbound,
                    status=CallStatus.COMPLETED,
                    started_at=at(5, 0),
                    answered_at=at(5, 0, 3),
                    duration_seconds=90,
                ),
                Call(
                    call_sid="CA8",
                    conversation_id=c8.id,
                    direction=inbound,
                    status=CallStatus.COMPLETED,
                    started_at=at(6, 0),
                    answered_at=at(6, 0, 2),
                    live_at=at(6, 0, 30),
                    agent_answered_at=at(6, 1),
                    duration_seconds=300,
                ),
                Call(
                    call_sid="CA9",
                    conversation_id=c9.id,
                    direction=inbound,
                    status=CallStatus.ABANDONED,
                    started_at=at(7, 0),
                    answered_at=at(7, 0, 2),
                    live_at=at(7, 0, 20),
                ),
            ]
        )
    return ids
