"""The floor's rules on a real database: availability and languages are stored and audited, and
automatic assignment gives the longest-waiting contact to the right agent, once, under threads."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from transcripts.db import utcnow
from transcripts.errors import NotActionableError
from transcripts.floor import Floor
from transcripts.floor_listings import floor, suggestions
from transcripts.models import (
    Availability,
    Call,
    CallStatus,
    Channel,
    Contact,
    Conversation,
    ConversationStatus,
    Direction,
    Event,
    Role,
    User,
)
from transcripts.policy import Actor, EventKind


def _agent(sessions: sessionmaker[Session], name: str, languages: str = "", *, admin: bool = False,
           available: bool = True) -> int:  # fmt: skip
    with sessions.begin() as session:
        user = User(
            username=name,
            role=Role.ADMIN if admin else Role.AGENT,
            password_hash="x",
            languages=languages,
            availability=Availability.AVAILABLE if available else Availability.AWAY,
            availability_since=utcnow() - timedelta(minutes=1),
        )
        session.add(user)
        session.flush()
        return user.id


def _waiting(sessions: sessionmaker[Session], language: str | None, minutes_ago: float,
             *, holder: int | None = None) -> int:  # fmt: skip
    with sessions.begin() as session:
        contact = Contact(phone=f"+8210{len(session.scalars(select(Contact)).all()):08d}")
        session.add(contact)
        session.flush()
        since = utcnow() - timedelta(minutes=minutes_ago)
        conversation = Conversation(
            contact_id=contact.id,
            channel=Channel.SMS,
            language=language,
            awaiting_since=since,
            last_message_at=utcnow(),
            claimed_by_id=holder,
            claimed_at=since if holder else None,
        )
        session.add(conversation)
        session.flush()
        return conversation.id


def _holder(sessions: sessionmaker[Session], conversation_id: int) -> int | None:
    with sessions() as session:
        return session.get(Conversation, conversation_id).claimed_by_id  # type: ignore[union-attr]


def _events(sessions: sessionmaker[Session], kind: EventKind) -> list[Event]:
    with sessions() as session:
        return list(session.scalars(select(Event).where(Event.kind == kind.value)).all())


def test_availability_is_stored_and_audited_and_signing_out_sets_away(
    sessions: sessionmaker[Session],
) -> None:
    agent = _agent(sessions, "minji", available=False)
    floor_ = Floor(sessions)
    change = floor_.set_availability(Actor(agent), Availability.AFTER_CALL)
    assert (change.before, change.after, change.changed) == (
        Availability.AWAY,
        Availability.AFTER_CALL,
        True,
    )
    assert not floor_.set_availability(Actor(agent), Availability.AFTER_CALL).changed
    floor_.sign_out(agent)
    with sessions() as session:
        user = session.get(User, agent)
        assert user is not None
        assert user.availability is Availability.AWAY
        assert user.session_epoch == 1  # every session ended too
    trail = [e.data for e in _events(sessions, EventKind.AGENT_AVAILABILITY)]
    assert trail == [
        {"user_id": agent, "from_state": "away", "to_state": "after_call"},
        {"user_id": agent, "from_state": "after_call", "to_state": "away"},
    ]


def test_only_an_admin_sets_languages_and_it_is_audited(sessions: sessionmaker[Session]) -> None:
    admin = _agent(sessions, "admin", admin=True)
    agent = _agent(sessions, "minji")
    floor_ = Floor(sessions)
    with pytest.raises(NotActionableError):
        floor_.set_languages(Actor(agent), agent, {"en"})
    assert floor_.set_languages(Actor(admin, True), agent, {"vi", "en", "<b>"}) == ("en", "vi")
    with sessions() as session:
        assert session.get(User, agent).languages == "en vi"  # type: ignore[union-attr]
    (event,) = _events(sessions, EventKind.AGENT_LANGUAGES)
    assert event.data == {"user_id": admin, "agent_id": agent, "languages": ["en", "vi"]}


def test_the_longest_waiting_contact_goes_to_the_least_busy_agent_of_its_language(
    sessions: sessionmaker[Session],
) -> None:
    busy = _agent(sessions, "busy", "en zh")
    idle = _agent(sessions, "idle", "en")
    _agent(sessions, "away", "en", available=False)
    _waiting(sessions, "en", 30, holder=busy)  # busy already holds one
    newer = _waiting(sessions, "en", 2)
    older = _waiting(sessions, "en", 9)
    chinese = _waiting(sessions, "zh", 1)
    mongolian = _waiting(sessions, "mn", 60)  # nobody serves it: left for a person to pick

    assignment = Floor(sessions).assign_next(cap=3)

    assert assignment is not None
    assert (assignment.conversation_id, assignment.user_id) == (older, idle)
    assert _holder(sessions, newer) is None
    rest = Floor(sessions).auto_assign(cap=3)
    assert {(a.conversation_id, a.user_id) for a in rest} == {(newer, busy), (chinese, busy)}
    assert _holder(sessions, mongolian) is None
    (first, *_) = _events(sessions, EventKind.CONVERSATION_ASSIGNED)
    assert first.conversation_id == older
    assert first.data == {"user_id": None, "to_user_id": idle}


def test_no_agent_is_given_more_than_the_cap(sessions: sessionmaker[Session]) -> None:
    agent = _agent(sessions, "minji", "ja")
    for minutes in (5, 4, 3):
        _waiting(sessions, "ja", minutes)
    assert len(Floor(sessions).auto_assign(cap=2)) == 2
    assert Floor(sessions).assign_next(cap=2) is None
    with sessions() as session:
        held = session.scalar(
            select(func.count()).where(
                Conversation.claimed_by_id == agent,
                Conversation.status == ConversationStatus.OPEN,
            )
        )
    assert held == 2


def test_assigners_running_at_once_never_give_a_contact_twice(
    sessions: sessionmaker[Session],
) -> None:
    agents = [_agent(sessions, f"agent{i}", "en vi") for i in range(3)]
    contacts = [_waiting(sessions, "en" if i % 2 else "vi", 20 - i) for i in range(12)]
    floor_ = Floor(sessions)
    results: list[int] = []
    lock = threading.Lock()

    def assign() -> None:
        done = floor_.auto_assign(cap=3)
        with lock:
            results.extend(a.conversation_id for a in done)

    threads = [threading.Thread(target=assign) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert len(results) == len(set(results)) == 9  # three agents, three each
    assert sorted(results) == sorted(contacts[:9])  # the nine that waited longest
    with sessions() as session:
        counts = session.execute(
            select(Conversation.claimed_by_id, func.count())
            .where(Conversation.claimed_by_id.is_not(None))
            .group_by(Conversation.claimed_by_id)
        ).all()
    assert sorted(count for _, count in counts) == [3, 3, 3]
    assert {holder for holder, _ in counts} == set(agents)
    assert len(_events(sessions, EventKind.CONVERSATION_ASSIGNED)) == 9


def test_the_floor_read_shows_holdings_waits_and_the_target(
    sessions: sessionmaker[Session],
) -> None:
    agent = _agent(sessions, "minji", "en")
    held = _waiting(sessions, "en", 3, holder=agent)
    near = _waiting(sessions, "vi", 12)
    past = _waiting(sessions, "vi", 16)
    _waiting(sessions, "en", 1)
    with sessions() as session:
        view = floor(session, utcnow())
    (row,) = view.agents
    assert row.username == "minji" and row.languages == ("en",)
    assert [h.conversation_id for h in row.held] == [held]
    assert [(w.language, w.waiting) for w in view.waits] == [("vi", 2), ("en", 1)]
    assert [(r.conversation_id, r.past) for r in view.at_risk] == [(past, True), (near, False)]
    # Nobody else serves English or Vietnamese: no agent is suggested for a reassignment.
    assert suggestions(view) == {}
    other = _agent(sessions, "jisu", "vi en")
    with sessions() as session:
        view = floor(session, utcnow())
    assert suggestions(view) == {held: other, near: other, past: other}


def test_a_waiting_live_call_assigned_is_answered_by_that_agent(
    sessions: sessionmaker[Session],
) -> None:
    agent = _agent(sessions, "minji", "en")
    conversation_id = _waiting(sessions, "en", 1)
    with sessions.begin() as session:
        session.add(
            Call(
                call_sid="CA" + "1" * 32,
                conversation_id=conversation_id,
                direction=Direction.INBOUND,
                status=CallStatus.IN_PROGRESS,
                language="en",
                live_at=utcnow(),
            )
        )
    assert Floor(sessions).assign_next(cap=3) is not None
    with sessions() as session:
        call = session.scalars(select(Call)).one()
        assert call.agent_answered_at is not None  # the caller's wait for an agent is over
    (answered,) = _events(sessions, EventKind.CALL_AGENT_ANSWERED)
    assert answered.data["user_id"] == agent
