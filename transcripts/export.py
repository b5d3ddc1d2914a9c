"""Exporting transcripts for review and reporting: one row per message, masked by default.

Rows are streamed in id order in batches, so exporting a year of a busy centre never holds more
than one batch in memory; the web download reads the same rows as text chunks (`csv_chunks`,
`jsonl_chunks`), narrowed to the admin's review filters. Personal data is masked unless the
caller asks otherwise (an admin answering a resident's own data request, say), and the phone
number keeps only its last digits. A corrected message carries the machines' first text beside
the correction, so reviewers can measure how often and how far the engines were wrong.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime, tzinfo
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from transcripts.agent_actions import audit
from transcripts.listings import ReviewFilter, review_ids
from transcripts.masking import mask_contact_phone, mask_personal_data
from transcripts.models import Conversation, Message
from transcripts.policy import EventKind

BATCH_SIZE = 500
CHUNK_CHARS = 64 * 1024  # how much text a streamed download gathers before handing it on


@dataclass(frozen=True)
class ExportRow:
    """One message with its conversation's context, as exported."""

    conversation_id: int
    phone: str
    channel: str
    conversation_status: str
    disposition: str | None
    topic: str | None  # the topic category (민원 유형) chosen at close
    message_id: int
    created_at: str
    direction: str
    author: str
    status: str
    original_language: str | None
    original_text: str
    translated_language: str | None
    translated_text: str | None
    translation_engine: str | None
    translation_model: str | None
    language_probability: float | None
    # An admin's correction: what the machines first wrote, and when it was corrected.
    machine_original_text: str | None
    machine_translation: str | None
    corrected_at: str | None


def _row(message: Message, conversation: Conversation, masked: bool, zone: tzinfo) -> ExportRow:
    def clean(text: str | None) -> str | None:
        return mask_personal_data(text) if masked else text

    phone = conversation.contact.phone
    return ExportRow(
        conversation_id=conversation.id,
        phone=mask_contact_phone(phone) if masked else phone,
        channel=message.channel.value,
        conversation_status=conversation.status.value,
        disposition=conversation.disposition,
        topic=conversation.topic,
        message_id=message.id,
        created_at=message.created_at.astimezone(zone).isoformat(timespec="seconds"),
        direction=message.direction.value,
        author=message.author.value,
        status=message.status.value,
        original_language=message.original_language,
        original_text=clean(message.original_text) or "",
        translated_language=message.translated_language,
        translated_text=clean(message.translated_text),
        translation_engine=message.translation_engine,
        translation_model=message.translation_model,
        language_probability=message.language_probability,
        machine_original_text=clean(message.machine_original_text),
        machine_translation=clean(message.machine_translation),
        corrected_at=(
            message.corrected_at.astimezone(zone).isoformat(timespec="seconds")
            if message.corrected_at
            else None
        ),
    )


def export_rows(
    sessions: sessionmaker[Session],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    masked: bool = True,
    conversations: ReviewFilter | None = None,
    zone: tzinfo = UTC,
) -> Iterator[ExportRow]:
    """Messages created in [since, until), oldest first, in batches of BATCH_SIZE; with
    `conversations`, only those of the conversations the admin's review filters select.
    Times are written in `zone` (the centre's, for people reading the file), with their
    offset, so a program reading them still knows the instant."""
    last_id = 0
    while True:
        query = (
            select(Message, Conversation)
            .join(Conversation, Message.conversation_id == Conversation.id)
            .where(Message.id > last_id)
            .order_by(Message.id)
            .limit(BATCH_SIZE)
        )
        if since is not None:
            query = query.where(Message.created_at >= since)
        if until is not None:
            query = query.where(Message.created_at < until)
        if conversations is not None:
            query = query.where(Message.conversation_id.in_(review_ids(conversations)))
        with sessions() as session:
            batch = [_row(m, c, masked, zone) for m, c in session.execute(query)]
        if not batch:
            return
        yield from batch
        last_id = batch[-1].message_id


def jsonl_chunks(rows: Iterable[ExportRow]) -> Iterator[str]:
    """JSON Lines as text chunks of about CHUNK_CHARS, for a streamed download."""
    buffer: list[str] = []
    size = 0
    for row in rows:
        line = json.dumps(asdict(row), ensure_ascii=False) + "\n"
        buffer.append(line)
        size += len(line)
        if size >= CHUNK_CHARS:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)


#: What makes a spreadsheet read a cell as a formula (OWASP's list for CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A text cell a spreadsheet shows as text: a resident's "=HYPERLINK(...)" is data, not a
    formula to run on the reviewer's machine. A leading apostrophe, which spreadsheets hide."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_chunks(rows: Iterable[ExportRow]) -> Iterator[str]:
    """CSV with a header row, as text chunks of about CHUNK_CHARS; cells that a spreadsheet
    would run as formulas are defused (JSON Lines keep the text exactly)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[field.name for field in fields(ExportRow)])
    writer.writeheader()
    for row in rows:
        writer.writerow({key: spreadsheet_safe(value) for key, value in asdict(row).items()})
        if out.tell() >= CHUNK_CHARS:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    if out.tell():
        yield out.getvalue()


def write_jsonl(rows: Iterable[ExportRow], out: IO[str]) -> int:
    """Write one JSON object per line; returns the number of rows."""
    counted = _Counted(rows)
    for chunk in jsonl_chunks(counted):
        out.write(chunk)
    return counted.count


def write_csv(rows: Iterable[ExportRow], out: IO[str]) -> int:
    """Write CSV with a header row; returns the number of rows."""
    counted = _Counted(rows)
    for chunk in csv_chunks(counted):
        out.write(chunk)
    return counted.count


class _Counted:
    """Rows passed through, counted on the way."""

    def __init__(self, rows: Iterable[ExportRow]) -> None:
        self._rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[ExportRow]:
        for row in self._rows:
            self.count += 1
            yield row


def record_export(sessions: sessionmaker[Session], user_id: int | None, **details: Any) -> None:
    """Audit who took which export (an unmasked one holds personal data)."""
    with sessions() as session, session.begin():
        audit(session, EventKind.TRANSCRIPTS_EXPORTED, None, user_id, **details)
