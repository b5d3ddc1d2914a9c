"""Each process keeps its own built glossary and phrasebook and rebuilds one only when the
record's version of that book changed: an edit saved by one process is used by the next
translation or search in every other, and an unchanged book is never rebuilt."""

from __future__ import annotations

from sqlalchemy import Engine

from languages.book_rules import answer_content, term_content
from relay.books import ReferenceBooks, glossary_seed, phrasebook_seed
from transcripts.books import Books
from transcripts.db import make_session_factory
from transcripts.models import Role
from transcripts.policy import Actor
from transcripts.record import Record


def process(engine: Engine) -> ReferenceBooks:
    """What one web or worker process holds: its own sessions and its own built books."""
    return ReferenceBooks(Books(make_session_factory(engine)))


def test_an_edit_saved_in_one_process_is_used_by_the_next_use_in_another(
    db_engine: Engine,
) -> None:
    web, worker = process(db_engine), process(db_engine)
    glossary = worker.glossary()
    assert worker.glossary() is glossary, "an unchanged book is not rebuilt"
    assert not glossary.find_terms("무지개센터에 가세요", "ko")
    phrasebook = worker.phrasebook()
    assert worker.phrasebook() is phrasebook

    record = Record.build(make_session_factory(db_engine))
    keeper = record.accounts.create("keeper", Role.ADMIN, "not a real hash")
    admin = Actor(keeper.id, is_admin=True)
    term = term_content({"ko": ("무지개센터",), "en": ("Rainbow Centre",)}, "")
    web.record.save("glossary", admin, "무지개센터", term, glossary_seed())

    [found] = worker.glossary().find_terms("무지개센터에 가세요", "ko")
    assert found.translations["en"] == "Rainbow Centre"
    assert worker.glossary().find_terms("시청에 가세요", "ko"), "the shipped terms came along"
    assert worker.phrasebook() is phrasebook, "the other book did not change"

    greeting = worker.phrasebook().get("courtesy.greeting")
    texts = {**greeting.texts, "en": "Hello, the 120 centre here."}
    answer = answer_content(greeting.topic, greeting.keywords, texts)
    web.record.save(
        "phrasebook", admin, greeting.id, answer, phrasebook_seed(), previous_key=greeting.id
    )
    assert worker.phrasebook().text("courtesy.greeting", "en") == "Hello, the 120 centre here."
    assert len(worker.phrasebook().entries()) == len(phrasebook.entries())
