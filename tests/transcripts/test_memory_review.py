"""The translation memory's review rules, on SQLite and PostgreSQL: suggestions wait for an admin,
nothing holding personal data is kept, and every decision is audited."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from languages.memory import normalise
from tests.support.record_reads import new_admin
from tests.transcripts.test_service import draft, sms
from transcripts import migrations
from transcripts.accounts import Accounts
from transcripts.corrections import Corrections
from transcripts.db import make_engine
from transcripts.errors import NotActionableError, NotYoursError
from transcripts.inbound import InboundTranslation
from transcripts.memory import DatabaseTranslationMemory
from transcripts.memory_review import MemoryReviewError, SuggestOutcome, suggest
from transcripts.models import (
    Channel,
    Event,
    MemoryEntry,
    MemorySuggestion,
    Role,
    SuggestionStatus,
)
from transcripts.outbound import MemoryNote
from transcripts.policy import Actor
from transcripts.record import Record

# Replies and edits as agents write them, each naming one person: a registration, phone, card,
# account or passport number, or an e-mail address, in the reply or only in the edit.
PERSONAL = [
    ("홍길동 님의 외국인등록번호 900101-5123456 확인되었습니다.", "en", "Your ARC is confirmed."),
    ("010-2345-6789 번호로 다시 연락드리겠습니다.", "vi", "Chúng tôi sẽ gọi lại cho bạn."),
    ("신한은행 110-234-567890 계좌로 수수료를 입금해 주세요.", "zh", "请把手续费汇入账户。"),
    ("국민은행 123456-78-901234 계좌로 환불됩니다.", "ja", "口座に返金されます。"),
    ("우리은행 1002-345-678901 계좌입니다.", "vi", "Đây là tài khoản ngân hàng."),
    ("여권번호 M12345678 로 조회했습니다.", "mn", "Паспортоор шалгалаа."),
    ("결과는 minh.nguyen@gmail.com 으로 보내드렸습니다.", "vi", "Đã gửi kết quả."),
    ("카드 4111 1111 1111 1111 결제가 취소되었습니다.", "en", "The payment was cancelled."),
    ("연락드리겠습니다.", "en", "We will call you at +82 10 9876 5432."),
    ("계좌를 확인했습니다.", "vi", "Số tài khoản 1002345678901 của bạn đã được xác nhận."),
    ("여권을 확인했습니다.", "zh", "您的护照号码 E12345678 已登记。"),
    ("번호를 확인했습니다.", "mn", "Таны утасны дугаар 010-9876-5432 байна."),
    ("메일로 보내드렸습니다.", "ja", "tanaka.yui@example.co.jp に送りました。"),
    ("성명: 응우옌 반 안, 확인했습니다.", "vi", "Đã xác nhận."),
    ("확인했습니다.", "vi", "Đã xác nhận. Họ tên: Nguyễn Văn An."),
    ("제 이름은 김민수입니다. 도와드리겠습니다.", "en", "I will help you."),
]


@pytest.mark.parametrize(("korean", "language", "edited"), PERSONAL)
def test_a_reply_holding_personal_data_is_never_stored_even_as_a_suggestion(
    record: Record, sessions: sessionmaker[Session], korean: str, language: str, edited: str
) -> None:
    agent = Actor(Accounts(sessions).create("kim", Role.AGENT, "x").id)
    stored = record.inbound.record_sms(sms("SM1"))
    record.agents.claim(stored.conversation_id, agent)
    reply = replace(draft(korean), language=language, translated_text=edited)
    record.outbound.queue(
        stored.conversation_id, reply, Channel.SMS, agent, remember=MemoryNote(normalise)
    )
    with sessions() as session:
        assert session.scalars(select(MemorySuggestion)).all() == []
        assert session.scalars(select(MemoryEntry)).all() == []
        assert session.scalars(select(Event).where(Event.kind.like("memory.%"))).all() == []


def test_ordinary_numbers_do_not_keep_a_sentence_out(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, session.begin():
        outcome = suggest(
            session,
            normalise,
            source_text="외국인종합안내센터 1345로 전화하세요. 과태료는 50,000원입니다.",
            source="ko",
            target="en",
            translated_text="Call 1345. The fine is 50,000 won, due 2026-12-01.",
            machine_text=None,
            user_id=None,
            conversation_id=None,
        )
    assert outcome is SuggestOutcome.SUGGESTED


def test_an_admins_correction_holding_a_number_is_not_remembered(
    sessions: sessionmaker[Session], record: Record
) -> None:
    admin = new_admin(sessions)
    stored = record.inbound.record_sms(sms("SM1", "Tôi muốn hỏi về thẻ."))
    record.inbound.save_translation(
        stored.message_id,
        InboundTranslation("vi", 0.99, "카드에 대해 묻고 싶어요", "m2m", "m", None, 1.0, 1.0),
    )
    corrected = "카드 문의입니다. 제 번호 010-1234-5678로 연락 주세요."
    done = Corrections(sessions, normalise).correct_translation(stored.message_id, corrected, admin)
    assert done is not None and not done.remembered
    with sessions() as session:
        assert session.scalars(select(MemoryEntry)).all() == []


def test_only_admins_decide_and_each_decision_is_audited_once(
    sessions: sessionmaker[Session],
) -> None:
    record = Record.build(sessions, normalise)  # keyed as the app keys the memory
    agent = Actor(Accounts(sessions).create("kim", Role.AGENT, "x").id)
    admin = Actor(new_admin(sessions), is_admin=True)
    stored = record.inbound.record_sms(sms("SM1"))
    record.agents.claim(stored.conversation_id, agent)
    reply = replace(draft("접수되었습니다."), translated_text="Received, thank you.")
    record.outbound.queue(
        stored.conversation_id, reply, Channel.SMS, agent, remember=MemoryNote(normalise)
    )
    with sessions() as session:
        suggestion_id = session.scalars(select(MemorySuggestion.id)).one()
    memory = DatabaseTranslationMemory(sessions, normalise)
    assert memory.lookup("접수되었습니다.", "ko", "en") is None

    with pytest.raises(NotYoursError):
        record.memory.approve(suggestion_id, agent)
    with pytest.raises(NotYoursError):
        record.memory.reject(suggestion_id, agent)
    with pytest.raises(MemoryReviewError):
        record.memory.approve(suggestion_id, admin, "Write to kim.minsu@example.com")
    assert memory.lookup("접수되었습니다.", "ko", "en") is None

    review = record.memory.approve(suggestion_id, admin, " Your application was received. ")
    assert review.text == "Your application was received."
    assert memory.lookup("접수되었습니다", "ko", "en") == "Your application was received."
    with pytest.raises(NotActionableError):
        record.memory.reject(suggestion_id, admin)
    assert review.entry_id is not None
    with pytest.raises(NotYoursError):
        record.memory.delete_entry(review.entry_id, agent)
    record.memory.delete_entry(review.entry_id, admin)
    assert memory.lookup("접수되었습니다.", "ko", "en") is None
    with sessions() as session:
        suggestion = session.get(MemorySuggestion, suggestion_id)
        assert suggestion is not None and suggestion.status is SuggestionStatus.APPROVED
        assert suggestion.reviewed_by_id == admin.user_id
        events = session.scalars(
            select(Event).where(Event.kind.like("memory.%")).order_by(Event.id)
        ).all()
    assert [e.kind for e in events] == ["memory.suggested", "memory.approved", "memory.deleted"]
    assert all(e.conversation_id is None for e in events)  # outlives the conversation
    approved = events[1].data
    assert approved["user_id"] == admin.user_id and approved["edited"] is True
    assert approved["after"] == "Your application was received."


def test_entries_kept_before_review_are_sorted_by_who_wrote_them(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    script = ScriptDirectory.from_config(migrations.alembic_config(url))
    [ours] = [
        r
        for r in script.walk_revisions()
        if (r.doc or "").startswith("the translation memory reviewed by admins")
    ]
    assert isinstance(ours.down_revision, str)
    migrations.upgrade(url, ours.down_revision)
    engine = make_engine(url)
    with engine.begin() as connection:
        for user_id, role in ((1, "agent"), (2, "admin")):
            connection.execute(
                text(
                    "INSERT INTO users (id, username, role, password_hash, active, created_at)"
                    " VALUES (:id, :name, :role, 'x', 1, '2026-11-01 00:00:00+00:00')"
                ),
                {"id": user_id, "name": f"u{user_id}", "role": role},
            )
        rows = [
            ("고맙습니다", "Thanks a lot, friend!", 1),  # an agent's: a suggestion now
            ("접수되었습니다", "Received.", 2),  # an admin's correction: approved
            ("번호 010-1234-5678", "Number 010-1234-5678", 2),  # personal data: dropped
        ]
        for source_text, target_text, author in rows:
            connection.execute(
                text(
                    "INSERT INTO translation_memory (source, target, normalised_text,"
                    " source_text, target_text, created_by_id, created_at) VALUES"
                    " ('ko', 'en', :key, :s, :t, :by, '2026-11-02 00:00:00+00:00')"
                ),
                {"key": normalise(source_text), "s": source_text, "t": target_text, "by": author},
            )
    engine.dispose()
    migrations.upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            entries = connection.execute(
                text("SELECT source_text, approved_by_id, uses FROM translation_memory")
            ).all()
            suggestions = connection.execute(
                text("SELECT source_text, suggested_by_id, status FROM memory_suggestions")
            ).all()
        assert [tuple(e) for e in entries] == [("접수되었습니다", 2, 0)]
        assert [tuple(s) for s in suggestions] == [("고맙습니다", 1, "pending")]
    finally:
        engine.dispose()
