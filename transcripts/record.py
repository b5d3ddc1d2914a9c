"""The record's use cases, reached from one place.

Each group holds the use cases of one part of the record, by what they change; every use case
runs in one unit of work (transcripts/uow.py). The web app builds one `Record` per app and its
views and jobs call exactly one use case per request or job step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from transcripts.account_admin import AccountAdmin
from transcripts.accounts import Accounts
from transcripts.agent_actions import AgentActions
from transcripts.books import Books
from transcripts.calls import CallService
from transcripts.chat import WebChat
from transcripts.corrections import Corrections
from transcripts.floor import Floor
from transcripts.inbound import Inbound
from transcripts.live_calls import LiveCalls
from transcripts.login_failures import LoginFailures
from transcripts.memory_review import MemoryReview
from transcripts.outbound import Outbound
from transcripts.uow import UnitOfWork, unit_of_work
from transcripts.voice_messages import VoiceMessages


def _as_is(text: str) -> str:
    return text


@dataclass(frozen=True)
class Record:
    """Every use case of the record, grouped by what it changes."""

    uow: UnitOfWork
    inbound: Inbound  # residents' messages and their language work
    outbound: Outbound  # replies, from queueing to delivery
    calls: CallService  # phone calls
    voice: VoiceMessages  # recorded messages and spoken replies
    live: LiveCalls  # live calls: streams, utterances and their captions
    agents: AgentActions  # claim, transfer, escalate, warn, retry, close
    corrections: Corrections  # admins' corrections of transcripts and translations
    accounts: Accounts  # agents' and admins' accounts
    account_admin: AccountAdmin  # the same, changed by admins on the accounts page (audited)
    sign_ins: LoginFailures  # the sign-in throttle
    chat: WebChat  # the residents' chat page: start, write, read state, typing, revoke
    books: Books  # the glossary and phrasebook as admins edit them, with their history
    memory: MemoryReview  # the translation memory: admins approve, edit, reject, delete
    floor: Floor  # agents' availability and languages, automatic assignment

    @classmethod
    def build(
        cls,
        source: UnitOfWork | sessionmaker[Session],
        memory_key: Callable[[str], str] = _as_is,
    ) -> Record:
        """All groups over one unit of work; `memory_key` is the translation memory's key
        function (languages.memory.normalise, passed in by the app: this package never
        imports the language code)."""
        uow = unit_of_work(source)
        return cls(
            uow=uow,
            inbound=Inbound(uow),
            outbound=Outbound(uow),
            calls=CallService(uow),
            voice=VoiceMessages(uow),
            live=LiveCalls(uow),
            agents=AgentActions(uow),
            corrections=Corrections(uow, memory_key),
            accounts=Accounts(uow),
            account_admin=AccountAdmin(uow),
            sign_ins=LoginFailures(uow),
            chat=WebChat(uow),
            books=Books(uow),
            memory=MemoryReview(uow, memory_key),
            floor=Floor(uow),
        )
