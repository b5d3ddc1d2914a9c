"""Internal notes on a conversation: what colleagues should know, never sent to the resident.

Any staff member may note on any conversation, open or closed, held by them or not: a note
changes nothing the resident sees, and the next agent or a supervisor is who it is for. Each
note is audited like every other action (an Event carrying the author's id).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from transcripts.errors import NotActionableError, NotFoundError
from transcripts.models import Conversation, ConversationNote, Event, User
from transcripts.policy import Actor, EventKind
from transcripts.uow import UseCases

#: Long enough for a hand-over, short enough to stay a note rather than a document.
NOTE_MAX_CHARS = 2000


@dataclass(frozen=True)
class Note:
    """One note as the thread shows it."""

    id: int
    conversation_id: int
    author: str | None  # the author's user name; None once the account is gone
    body: str
    created_at: datetime


class ConversationNotes(UseCases):
    """Write and read the internal notes of a conversation."""

    def add(self, conversation_id: int, actor: Actor, body: str) -> Note:
        """Keep a note (stripped; empty or over NOTE_MAX_CHARS refused) and audit it."""
        text = body.strip()
        if not text:
            raise NotActionableError("a note needs some text", "메모 내용을 적어 주세요.")
        if len(text) > NOTE_MAX_CHARS:
            raise NotActionableError(
                f"a note holds at most {NOTE_MAX_CHARS} characters",
                f"메모는 {NOTE_MAX_CHARS}자까지 쓸 수 있습니다.",
            )
        with self._uow.write() as session:
            if session.get(Conversation, conversation_id) is None:
                raise NotFoundError(f"conversation {conversation_id} not found")
            note = ConversationNote(
                conversation_id=conversation_id, author_id=actor.user_id, body=text
            )
            session.add(note)
            session.flush()
            session.add(
                Event(
                    kind=EventKind.CONVERSATION_NOTED,
                    conversation_id=conversation_id,
                    data={"user_id": actor.user_id, "note_id": note.id},
                )
            )
            author = session.get(User, actor.user_id)
            return Note(
                note.id,
                conversation_id,
                author.username if author else None,
                note.body,
                note.created_at,
            )

    def of(self, conversation_id: int) -> list[Note]:
        """The conversation's notes, oldest first."""
        with self._uow.read() as session:
            rows = session.execute(
                select(ConversationNote, User.username)
                .outerjoin(User, User.id == ConversationNote.author_id)
                .where(ConversationNote.conversation_id == conversation_id)
                .order_by(ConversationNote.id)
            )
            return [Note(n.id, n.conversation_id, name, n.body, n.created_at) for n, name in rows]
