"""Use cases of the web chat: a resident's page starts a conversation, writes to it, sees the
replies, and an agent can end the page's access.

The page holds a 128-bit secret (in its link, then in a cookie); the record keeps only the
secret's hash (`ChatSecret`). Every use case that the page calls takes that secret and finds
the conversation through it, inside its own transaction, so a revoked or purged secret opens
nothing however the page was reached. A resident's message is stored before any language work,
like an SMS, and the same translation job takes it by id.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from transcripts.db import utcnow
from transcripts.errors import ChatLimitError, NotFoundError
from transcripts.models import (
    Author,
    Channel,
    ChatHit,
    ChatSecret,
    Contact,
    Conversation,
    ConversationStatus,
    Direction,
    Message,
    MessageStatus,
)
from transcripts.outbound import ReplyDraft, mark_sent, queue_reply
from transcripts.phones import normalise_phone
from transcripts.policy import (
    CHAT_MESSAGES_PER_CONVERSATION,
    CHAT_POSTS_PER_ADDRESS,
    CHAT_WINDOW,
    Actor,
    EventKind,
    chat_secret_hash,
    chat_text,
    is_typing,
    require_actor,
    require_chat,
)
from transcripts.repository import latest_event_id
from transcripts.uow import UseCases
from transcripts.writes import add_event, hold_if_blocked, resident_active

#: The phone of a contact known only by a chat page: unique, and never a number anyone can text.
WEB_CONTACT_PREFIX = "web:"


def reachable_by_phone(phone: str) -> bool:
    """False for a contact with no number SMS or a call can reach: a web visitor or a caller
    who withheld their number."""
    return not phone.startswith((WEB_CONTACT_PREFIX, "anonymous:"))


@dataclass(frozen=True)
class ChatPosted:
    """What storing a chat message did; `secret` is set only when the post started the
    conversation (the one moment the record hands out the secret in clear)."""

    conversation_id: int
    message_id: int
    needs_work: bool
    blocked: bool = False
    secret: str | None = None
    receipt_id: int | None = None  # the receipt queued for the page, to send


@dataclass(frozen=True)
class ChatLine:
    """One message as the resident's page shows it: their own words, or a reply in their
    language; never the Korean, never another conversation's."""

    message_id: int
    mine: bool
    text: str
    language: str | None
    author: str
    channel: str
    state: str  # mine: received, interpreter; replies: sent, delivered, read
    at: datetime


@dataclass(frozen=True)
class ChatView:
    """The conversation a chat page shows."""

    conversation_id: int
    language: str | None
    open: bool
    typing: bool
    last_event_id: int
    lines: tuple[ChatLine, ...]


@dataclass(frozen=True)
class DueNudge:
    """A web reply left unread: the SMS number that can be told a reply is waiting."""

    message_id: int
    conversation_id: int
    phone: str
    language: str


def new_secret() -> str:
    """A fresh chat secret: 128 random bits, 22 URL-safe characters (short links)."""
    return secrets.token_urlsafe(16)


class WebChat(UseCases):
    """The chat page's use cases, and the agent's side of the page (typing, revoking)."""

    # -- the resident's page ------------------------------------------------------------------

    def start(
        self,
        language: str,
        text: str,
        address: str,
        callback_phone: str | None = None,
        *,
        receipt: ReplyDraft | None = None,
    ) -> ChatPosted:
        """Open a web conversation in `language` with the resident's first message and, when
        given, the receipt the page shows at once; the answer carries the secret that opens
        it. The contact is the page itself: a call-back number is kept beside it, never used
        to find another conversation."""
        body = chat_text(text)
        with self._uow.write() as session:
            now = utcnow()
            _count_post(session, now, address=address)
            contact = Contact(phone=WEB_CONTACT_PREFIX + secrets.token_hex(12), language=language)
            session.add(contact)
            session.flush()
            conversation = Conversation(
                contact_id=contact.id,
                channel=Channel.WEB,
                language=language,
                callback_phone=normalise_phone(callback_phone) if callback_phone else None,
                created_at=now,
                last_message_at=now,
            )
            session.add(conversation)
            session.flush()
            add_event(session, EventKind.CONVERSATION_OPENED, conversation.id, None, channel="web")
            secret = new_secret()
            session.add(
                ChatSecret(conversation_id=conversation.id, secret_hash=chat_secret_hash(secret))
            )
            posted = _store_message(session, conversation, body, now)
            receipt_id = None
            if receipt is not None:
                receipt_id = queue_reply(session, conversation, receipt, Channel.WEB).id
            return ChatPosted(
                posted.conversation_id,
                posted.message_id,
                posted.needs_work,
                posted.blocked,
                secret,
                receipt_id,
            )

    def post(self, secret: str, text: str, address: str) -> ChatPosted:
        """Store a message from the page holding `secret`, within the rate limits; a blocked
        contact's message is kept, not translated."""
        body = chat_text(text)
        with self._uow.write() as session:
            conversation = _by_secret(session, secret, lock=True)
            now = utcnow()
            _count_post(session, now, address=address, conversation_id=conversation.id)
            return _store_message(session, conversation, body, now)

    def conversation_of(self, secret: str) -> int:
        """The open conversation `secret` opens; ChatAccessError or ChatEndedError otherwise."""
        with self._uow.read() as session:
            return _by_secret(session, secret).id

    def view(self, secret: str) -> ChatView:
        """Everything the page shows, read through the secret (ended conversations raise)."""
        with self._uow.read() as session:
            conversation = _by_secret(session, secret)
            return chat_view(session, conversation, utcnow())

    def chosen_language(self, message_id: int) -> str | None:
        """The language the resident chose on the chat page for a message written there (the
        conversation's, which only a clear text in another language changes); None for a
        message that came another way."""
        with self._uow.read() as session:
            row = session.execute(
                select(Message.channel, Conversation.language)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .where(Message.id == message_id)
            ).first()
            return row.language if row is not None and row.channel is Channel.WEB else None

    def link_reply(self, reply_token: str) -> str | None:
        """A new secret for the conversation of an SMS reply link, so a texting resident
        continues on the chat page; None when that conversation is closed or its page revoked
        (the link then shows just that reply, as before)."""
        with self._uow.write() as session:
            conversation_id = session.scalar(
                select(Message.conversation_id).where(Message.reply_token == reply_token)
            )
            if conversation_id is None:
                return None
            conversation = session.get(
                Conversation, conversation_id, with_for_update={"of": Conversation}
            )
            if (
                conversation is None
                or conversation.status is not ConversationStatus.OPEN
                or conversation.chat_revoked_at is not None
            ):
                return None
            secret = new_secret()
            session.add(
                ChatSecret(conversation_id=conversation.id, secret_hash=chat_secret_hash(secret))
            )
            add_event(session, EventKind.CHAT_LINKED, conversation.id, None)
            return secret

    def seen(self, secret: str, delivered: Iterable[int], read: Iterable[int]) -> int:
        """The page says these replies reached it (`delivered`) and were shown (`read`); only
        web replies of this conversation change, each once. Returns how many changed."""
        delivered_ids, read_ids = set(delivered) | set(read), set(read)
        if not delivered_ids:
            return 0
        with self._uow.write() as session:
            conversation = _by_secret(session, secret, lock=True)
            now = utcnow()
            changed = 0
            for message in session.scalars(
                select(Message).where(
                    Message.conversation_id == conversation.id,
                    Message.id.in_(sorted(delivered_ids)),
                    Message.direction == Direction.OUTBOUND,
                    Message.channel == Channel.WEB,
                    Message.status.in_((MessageStatus.SENT, MessageStatus.DELIVERED)),
                )
            ):
                if message.status is MessageStatus.SENT:
                    message.status = MessageStatus.DELIVERED
                    add_event(session, EventKind.MESSAGE_DELIVERED, conversation.id, message.id)
                    changed += 1
                if message.id in read_ids and message.read_at is None:
                    message.read_at = now
                    add_event(session, EventKind.MESSAGE_READ, conversation.id, message.id)
                    changed += 1
            return changed

    # -- delivery ---------------------------------------------------------------------------

    def deliver(self, message_id: int) -> None:
        """A queued web reply is now on the page for the resident to receive: SENT, with an id
        of its own (no provider sends it). Delivered and read come from the page itself."""
        with self._uow.write() as session:
            message = session.get(Message, message_id, with_for_update=True)
            if message is None or message.channel is not Channel.WEB:
                raise NotFoundError(f"web message {message_id} not found")
            if message.status is MessageStatus.QUEUED and message.provider_sid is None:
                mark_sent(session, message, f"web-{message.id}", MessageStatus.SENT)

    def due_nudges(self, unread_for: timedelta, limit: int = 50) -> tuple[DueNudge, ...]:
        """Web replies unread for `unread_for` in open conversations that have a number to text,
        not nudged yet (the newest reply per conversation only)."""
        cutoff = utcnow() - unread_for
        with self._uow.read() as session:
            rows = session.execute(
                select(
                    Message.id,
                    Conversation.id,
                    Contact.phone,
                    Conversation.callback_phone,
                    Conversation.language,
                )
                .join(Conversation, Message.conversation_id == Conversation.id)
                .join(Contact, Conversation.contact_id == Contact.id)
                .where(
                    Message.direction == Direction.OUTBOUND,
                    Message.channel == Channel.WEB,
                    Message.author != Author.AUTOMATIC,
                    Message.status.in_((MessageStatus.SENT, MessageStatus.DELIVERED)),
                    Message.read_at.is_(None),
                    Message.nudged_at.is_(None),
                    Message.created_at < cutoff,
                    Conversation.status == ConversationStatus.OPEN,
                    Conversation.chat_revoked_at.is_(None),
                )
                .order_by(Message.id.desc())
                .limit(limit)
            ).all()
        due: dict[int, DueNudge] = {}
        for message_id, conversation_id, phone, callback, language in rows:
            number = callback or (phone if reachable_by_phone(phone) else None)
            if number and language and conversation_id not in due:
                due[conversation_id] = DueNudge(message_id, conversation_id, number, language)
        return tuple(due.values())

    def nudge(self, message_id: int, draft: ReplyDraft, phone: str) -> Message | None:
        """Queue the "a reply is waiting" SMS for an unread web reply, once; None when it was
        read, nudged or its conversation ended meanwhile. The caller enqueues the send."""
        with self._uow.write() as session:
            reply = session.get(Message, message_id, with_for_update=True)
            if reply is None or reply.read_at is not None or reply.nudged_at is not None:
                return None
            conversation = session.get(
                Conversation, reply.conversation_id, with_for_update={"of": Conversation}
            )
            if conversation is None or conversation.status is not ConversationStatus.OPEN:
                return None
            reply.nudged_at = utcnow()
            message = queue_reply(session, conversation, draft, Channel.SMS)
            message.to_number = phone
            add_event(
                session, EventKind.CHAT_NUDGED, conversation.id, message.id, reply_id=reply.id
            )
            return message

    # -- the agent's side -------------------------------------------------------------------

    def typing(self, conversation_id: int, actor: Actor) -> None:
        """The agent holding the conversation is typing a reply (the page shows it a moment)."""
        with self._uow.write() as session:
            conversation = require_actor(session, conversation_id, actor)
            conversation.agent_typing_at = utcnow()

    def revoke(self, conversation_id: int, actor: Actor) -> int:
        """End every chat page of the conversation (its secrets); returns how many ended."""
        with self._uow.write() as session:
            conversation = require_actor(session, conversation_id, actor)
            return revoke_chat(session, conversation, actor.user_id)


def revoke_chat(session: Session, conversation: Conversation, user_id: int | None) -> int:
    """In the caller's transaction: revoke the conversation's chat secrets, and refuse new
    ones (a reply link opens no page any more). Audited."""
    now = utcnow()
    conversation.chat_revoked_at = now
    ended = session.execute(
        update(ChatSecret)
        .where(ChatSecret.conversation_id == conversation.id, ChatSecret.revoked_at.is_(None))
        .values(revoked_at=now)
    ).rowcount  # type: ignore[attr-defined]
    add_event(session, EventKind.CHAT_REVOKED, conversation.id, None, user_id=user_id, ended=ended)
    return int(ended)


def _by_secret(session: Session, secret: str, *, lock: bool = False) -> Conversation:
    row = session.execute(
        select(ChatSecret.conversation_id, ChatSecret.revoked_at).where(
            ChatSecret.secret_hash == chat_secret_hash(secret)
        )
    ).first()
    conversation = None
    if row is not None:
        conversation = session.get(
            Conversation,
            row.conversation_id,
            with_for_update={"of": Conversation} if lock else None,
        )
    return require_chat(conversation, revoked=row is not None and row.revoked_at is not None)


def _count_post(
    session: Session, now: datetime, *, address: str, conversation_id: int | None = None
) -> None:
    """Count a post against its address (and conversation), or ChatLimitError when either is
    at its limit within the window; hits older than the window are forgotten here."""
    keys = [(f"address:{address[:64]}", CHAT_POSTS_PER_ADDRESS)]
    if conversation_id is not None:
        keys.append((f"conversation:{conversation_id}", CHAT_MESSAGES_PER_CONVERSATION))
    since = now - CHAT_WINDOW
    for key, limit in keys:
        session.execute(delete(ChatHit).where(ChatHit.key == key, ChatHit.at <= since))
        count = session.scalar(select(func.count(ChatHit.id)).where(ChatHit.key == key))
        if (count or 0) >= limit:
            raise ChatLimitError(f"more than {limit} posts a minute from {key.split(':')[0]}")
    for key, _limit in keys:
        session.add(ChatHit(key=key, at=now))


def _store_message(
    session: Session, conversation: Conversation, body: str, now: datetime
) -> ChatPosted:
    message = Message(
        conversation_id=conversation.id,
        direction=Direction.INBOUND,
        channel=Channel.WEB,
        author=Author.RESIDENT,
        original_text=body,
        status=MessageStatus.RECEIVED,
        created_at=now,
        updated_at=now,
    )
    session.add(message)
    resident_active(conversation, now)
    session.flush()
    add_event(session, EventKind.MESSAGE_RECEIVED, conversation.id, message.id, channel="web")
    if hold_if_blocked(session, conversation.contact, message, now):
        return ChatPosted(conversation.id, message.id, needs_work=False, blocked=True)
    return ChatPosted(conversation.id, message.id, needs_work=True)


def chat_line(message: Message) -> ChatLine | None:
    """How the page shows one message, or None for what the resident does not see (a reply
    still queued, a message with nothing in it)."""
    if message.direction is Direction.INBOUND:
        if not message.original_text:
            return None
        state = "interpreter" if message.status is MessageStatus.NEEDS_INTERPRETER else "received"
        return ChatLine(message.id, True, message.original_text, message.original_language,
                        message.author.value, message.channel.value, state,
                        message.created_at)  # fmt: skip
    if message.status is MessageStatus.QUEUED or not message.translated_text:
        return None
    if message.read_at is not None:
        state = "read"
    elif message.status is MessageStatus.DELIVERED:
        state = "delivered"
    else:
        state = "sent"
    return ChatLine(message.id, False, message.translated_text, message.translated_language,
                    message.author.value, message.channel.value, state,
                    message.created_at)  # fmt: skip


def chat_view(session: Session, conversation: Conversation, now: datetime) -> ChatView:
    """The page's read model of one conversation (no secret check: callers did it)."""
    messages = session.scalars(
        select(Message).where(Message.conversation_id == conversation.id).order_by(Message.id)
    ).all()
    lines = tuple(line for line in map(chat_line, messages) if line is not None)
    return ChatView(
        conversation_id=conversation.id,
        language=conversation.language,
        open=conversation.status is ConversationStatus.OPEN,
        typing=is_typing(conversation, now),
        last_event_id=latest_event_id(session, conversation.id),
        lines=lines,
    )
