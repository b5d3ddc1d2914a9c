"""The floor: agents' availability, the languages they serve, and automatic assignment.

A 120 centre's supervisor needs to know who can take the next contact. Agents say so themselves
(available, away, after-call work); admins say which languages each one serves. With automatic
assignment on, the longest-waiting contact goes to an available agent serving its language who
holds the fewest open conversations, below a cap. Each assignment is one transaction: the
available agents' rows are locked (`FOR UPDATE` on PostgreSQL; SQLite's write lock does the
same) before their open conversations are counted, and the conversation is taken with the same
conditional UPDATE as a claim (`WHERE claimed_by_id IS NULL`), so two assigners running at
once, or an agent claiming by hand meanwhile, never give one contact twice or an agent more than
the cap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from transcripts.accounts import end_access
from transcripts.agent_actions import audit
from transcripts.db import utcnow
from transcripts.errors import NotActionableError, NotFoundError
from transcripts.listings import WAITING_ORDER
from transcripts.live_calls import answer_live_call
from transcripts.models import Availability, Conversation, ConversationStatus, User
from transcripts.policy import Actor, EventKind
from transcripts.uow import UseCases

_CODE = re.compile(r"[a-z]{2,3}")


def languages_of(user: User) -> frozenset[str]:
    """The language codes an agent serves, from the stored list."""
    return frozenset(user.languages.split())


def give_languages(user: User, codes: set[str] | frozenset[str]) -> tuple[str, ...]:
    """Store the languages `user` serves, the one way every page does it (the live view, the
    accounts page and a new account alike): well-formed codes only, sorted, space-separated,
    so automatic assignment reads the same list whoever wrote it. Returns them."""
    chosen = tuple(sorted(code for code in codes if _CODE.fullmatch(code)))
    user.languages = " ".join(chosen)
    return chosen


@dataclass(frozen=True)
class AvailabilityChange:
    """An agent's state before and after; `changed` is False when it already was that."""

    user_id: int
    before: Availability
    after: Availability
    since: datetime

    @property
    def changed(self) -> bool:
        return self.before is not self.after


@dataclass(frozen=True)
class Assignment:
    """One contact given to one agent by automatic assignment."""

    conversation_id: int
    user_id: int
    language: str


class Floor(UseCases):
    """The floor's use cases: each owns its transaction and writes one audit event."""

    def set_availability(self, actor: Actor, state: Availability) -> AvailabilityChange:
        """Set the signed-in agent's own state; audited when it changes."""
        with self._uow.write() as session:
            user = _user(session, actor.user_id)
            return _set_state(session, user, state)

    def sign_out(self, user_id: int) -> None:
        """End every session of the account and mark the agent away: someone who signed out
        takes no contacts, whatever state they left in."""
        with self._uow.write() as session:
            _set_state(session, _user(session, user_id), Availability.AWAY)
            end_access(session, user_id, api_token_hash=None)  # the epoch rule, once

    def set_languages(self, actor: Actor, user_id: int, codes: set[str]) -> tuple[str, ...]:
        """Set which languages an agent serves (admins); returns them, sorted. The live view
        and the accounts page both come here, so the rule and its audit event are one."""
        if not actor.is_admin:
            raise NotActionableError(
                "only an admin sets an agent's languages", "관리자만 상담 언어를 정할 수 있습니다."
            )
        with self._uow.write() as session:
            user = _user(session, user_id)
            before = user.languages
            chosen = give_languages(user, codes)
            if before != user.languages:
                audit(
                    session,
                    EventKind.AGENT_LANGUAGES,
                    None,
                    actor.user_id,
                    agent_id=user_id,
                    languages=list(chosen),
                )
        return chosen

    def assign_next(self, cap: int) -> Assignment | None:
        """Give the longest-waiting contact some available agent can take to the one of them
        who holds the fewest open conversations (then the one available longest); None when
        nothing can be given."""
        with self._uow.write() as session:
            agents = _available_agents(session)
            held = _open_counts(session, [agent.id for agent in agents])
            free = [agent for agent in agents if held.get(agent.id, 0) < cap]
            served = frozenset().union(*(languages_of(agent) for agent in free))
            if not served:
                return None
            conversation = session.scalars(
                select(Conversation)
                .where(
                    Conversation.status == ConversationStatus.OPEN,
                    Conversation.claimed_by_id.is_(None),
                    Conversation.language.in_(served),
                )
                .order_by(*WAITING_ORDER)
                .limit(1)
            ).first()
            if conversation is None or conversation.language is None:
                return None
            language = conversation.language
            agent = min(
                (a for a in free if language in languages_of(a)),
                key=lambda a: (held.get(a.id, 0), a.availability_since or utcnow(), a.id),
            )
            taken = session.execute(
                update(Conversation)
                .where(Conversation.id == conversation.id, Conversation.claimed_by_id.is_(None))
                .values(claimed_by_id=agent.id, claimed_at=utcnow())
            )
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                return None
            audit(
                session,
                EventKind.CONVERSATION_ASSIGNED,
                conversation.id,
                None,
                to_user_id=agent.id,
            )
            # Routed to an available agent is answered, as a claim is: a waiting live caller
            # is not sent on to the recorded-message path while the agent has the call.
            answer_live_call(session, conversation.id, agent.id)
            return Assignment(conversation.id, agent.id, language)

    def auto_assign(self, cap: int, *, limit: int = 100) -> tuple[Assignment, ...]:
        """Assign contacts one transaction at a time until none can be given (or `limit`)."""
        done: list[Assignment] = []
        while len(done) < limit:
            assignment = self.assign_next(cap)
            if assignment is None:
                break
            done.append(assignment)
        return tuple(done)


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"no user {user_id}", "상담원을 찾을 수 없습니다.")
    return user


def _set_state(session: Session, user: User, state: Availability) -> AvailabilityChange:
    before = user.availability
    if before is state and user.availability_since is not None:
        return AvailabilityChange(user.id, before, state, user.availability_since)
    now = utcnow()
    user.availability = state
    user.availability_since = now
    audit(
        session,
        EventKind.AGENT_AVAILABILITY,
        None,
        user.id,
        from_state=before.value,
        to_state=state.value,
    )
    return AvailabilityChange(user.id, before, state, now)


def _available_agents(session: Session) -> list[User]:
    """Active available agents with their rows locked for this transaction."""
    return list(
        session.scalars(
            select(User)
            .where(User.active.is_(True), User.availability == Availability.AVAILABLE)
            .order_by(User.id)
            .with_for_update()
        ).all()
    )


def _open_counts(session: Session, user_ids: list[int]) -> dict[int, int]:
    if not user_ids:
        return {}
    rows = session.execute(
        select(Conversation.claimed_by_id, func.count())
        .where(
            Conversation.status == ConversationStatus.OPEN,
            Conversation.claimed_by_id.in_(user_ids),
        )
        .group_by(Conversation.claimed_by_id)
    ).all()
    return {int(row[0] or 0): int(row[1]) for row in rows}
