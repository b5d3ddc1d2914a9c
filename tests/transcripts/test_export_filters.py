"""Exports narrowed by the admin review filters, and streamed in chunks identical to the file."""

from __future__ import annotations

import io

import pytest
from sqlalchemy.orm import Session, sessionmaker

from transcripts import export
from transcripts.export import csv_chunks, export_rows, jsonl_chunks, write_csv, write_jsonl
from transcripts.inbound import InboundSms
from transcripts.listings import ReviewFilter
from transcripts.record import Record


def _sms(record: Record, sid: str, body: str, phone: str) -> None:
    record.inbound.record_sms(InboundSms(sid, phone, "+8215880120", body, {"MessageSid": sid}))


def test_review_filters_narrow_the_export(sessions: sessionmaker[Session], record: Record) -> None:
    _sms(record, "SM1", "I lost my wallet", "+821011112222")
    _sms(record, "SM2", "Where is the office?", "+821033334444")
    _sms(record, "SM3", "Thanks", "+821011112222")

    def texts(filters: ReviewFilter | None) -> list[str]:
        rows = export_rows(sessions, masked=False, conversations=filters)
        return [row.original_text for row in rows]

    assert texts(None) == ["I lost my wallet", "Where is the office?", "Thanks"]
    assert texts(ReviewFilter(phone="2222")) == ["I lost my wallet", "Thanks"]
    # The number as a Korean writes it finds the stored international form.
    for typed in ("010-3333-4444", "01033334444", "+82 10 3333 4444", "3333-4444"):
        assert texts(ReviewFilter(phone=typed)) == ["Where is the office?"], typed
    # A text search selects conversations; all their messages go out.
    assert texts(ReviewFilter(text="office")) == ["Where is the office?"]
    assert texts(ReviewFilter(text="wallet")) == ["I lost my wallet", "Thanks"]
    assert texts(ReviewFilter(channel="voice")) == []


def test_chunks_join_to_what_the_file_writers_write(
    sessions: sessionmaker[Session], record: Record, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(30):
        _sms(record, f"SM{n}", f"message number {n}, with a comma", f"+8210{n:08d}")
    monkeypatch.setattr(export, "CHUNK_CHARS", 500)  # several chunks from a few rows
    rows = list(export_rows(sessions))
    csv_parts = list(csv_chunks(rows))
    jsonl_parts = list(jsonl_chunks(rows))
    assert len(csv_parts) > 3 and len(jsonl_parts) > 3
    csv_file, jsonl_file = io.StringIO(), io.StringIO()
    assert write_csv(rows, csv_file) == 30
    assert write_jsonl(rows, jsonl_file) == 30
    assert "".join(csv_parts) == csv_file.getvalue()
    assert "".join(jsonl_parts) == jsonl_file.getvalue()
