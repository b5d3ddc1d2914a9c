"""An admin's corrections of what the machines wrote for an inbound message: its Korean, the
transcript of a recording, one timed segment of it.

The machine's first output is kept beside the correction (`machine_translation`,
`machine_original_text`, `machine_*` keys of a segment), every correction is an audit event
with who, before and after, and a corrected Korean translation goes into the translation memory
in the same transaction, so the same sentence is translated the same way next time. A sentence
holding personal data (a phone or registration number) is not remembered: it is too specific
to reuse, and the memory must not keep what retention deletes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from transcripts.agent_actions import audit
from transcripts.db import utcnow
from transcripts.errors import RecordError
from transcripts.memory import keep
from transcripts.models import Channel, Direction, Message, MessageStatus
from transcripts.policy import EventKind
from transcripts.uow import UnitOfWork, UseCases
from transcripts.writes import get_message

MAX_CORRECTION_CHARS = 5000
#: status_reason of a message whose Korean an admin wrote because the machine's failed.
CORRECTED_REASON = "translated by an admin"


class CorrectionError(RecordError):
    """The correction cannot be made (not an inbound message, empty text, no such segment)."""


@dataclass(frozen=True)
class Correction:
    """What a correction changed; `remembered` says whether the memory now holds it."""

    message_id: int
    field: str  # "translated_text", "original_text", "segment.3.text", ...
    before: str | None
    after: str
    remembered: bool = False


class Corrections(UseCases):
    """Admin corrections; each owns one transaction and writes one `message.corrected` event."""

    def __init__(
        self, source: UnitOfWork | sessionmaker[Session], normalise: Callable[[str], str]
    ) -> None:
        super().__init__(source)
        self._normalise = normalise  # the memory's key function (languages.memory.normalise)

    def correct_translation(self, message_id: int, korean: str, user_id: int) -> Correction | None:
        """Replace an inbound message's Korean; None when nothing changed."""
        after = _clean(korean)
        with self._uow.write() as session:
            message = _inbound(session, message_id)
            before = message.translated_text
            if before == after:
                return None
            if message.machine_translation is None:
                # "" when the machine wrote no Korean (its work failed): a later correction
                # must not take this admin's text for the machine's.
                message.machine_translation = before or ""
            message.translated_text = after
            message.translated_language = "ko"
            _settle(message)
            remembered = self._remember(session, message.original_text, message, after, user_id)
            return _audited(session, message, user_id, "translated_text", before, after, remembered)

    def correct_original(self, message_id: int, text: str, user_id: int) -> Correction | None:
        """Replace the transcript of a voice message (what the caller said); None if unchanged.

        A resident's typed SMS is what they wrote, so only recognised speech can be corrected.
        """
        after = _clean(text)
        with self._uow.write() as session:
            message = _inbound(session, message_id)
            if message.channel is not Channel.VOICE:
                raise CorrectionError(
                    "only a voice message's transcript can be corrected",
                    "원문은 음성 메시지의 받아쓰기만 고칠 수 있습니다.",
                )
            before = message.original_text
            if before == after:
                return None
            if message.machine_original_text is None:
                message.machine_original_text = before
            message.original_text = after
            return _audited(session, message, user_id, "original_text", before, after, False)

    def correct_segment(
        self,
        message_id: int,
        index: int,
        user_id: int,
        *,
        text: str | None = None,
        korean: str | None = None,
    ) -> list[Correction]:
        """Correct one timed segment's transcript and/or Korean; the message's whole text
        follows when it was still the machine's join of its segments."""
        with self._uow.write() as session:
            message = _inbound(session, message_id)
            segments = [dict(segment) for segment in message.segments or []]
            if not 0 <= index < len(segments):
                raise CorrectionError(
                    f"message {message_id} has no segment {index}", "그런 음성 구간이 없습니다."
                )
            old_texts = _joined(segments, "text")
            old_korean = _joined(segments, "translated_text")
            segment = segments[index]
            done: list[Correction] = []
            for key, value in (("text", text), ("translated_text", korean)):
                if value is None:
                    continue
                after = _clean(value)
                before = segment.get(key)
                if before == after:
                    continue
                segment.setdefault(f"machine_{key}", before)
                segment[key] = after
                remembered = key == "translated_text" and self._remember(
                    session, str(segment.get("text") or ""), message, after, user_id
                )
                field = f"segment.{index}.{key}"
                done.append(_audited(session, message, user_id, field, before, after, remembered))
            if done:
                message.segments = segments  # a new list, so the JSON column is written
                _follow_segments(message, segments, old_texts, old_korean)
            return done

    def _remember(
        self, session: Session, source_text: str, message: Message, korean: str, user_id: int
    ) -> bool:
        language = message.original_language
        if not language or language == "ko":
            return False
        # An admin's own correction is approved by its author; keep() refuses personal data.
        return keep(
            session,
            self._normalise,
            source_text,
            language,
            "ko",
            korean,
            created_by_id=user_id,
            approved_by_id=user_id,
        )


def _settle(message: Message) -> None:
    """An admin's Korean answers a message whose machine work failed or is still pending: it is
    translated now, so nobody retries it and a late machine result keeps to the side."""
    if message.status in (MessageStatus.FAILED, MessageStatus.RECEIVED, MessageStatus.BLOCKED):
        message.status = MessageStatus.TRANSLATED
        message.status_reason = CORRECTED_REASON


def _clean(text: str) -> str:
    # A browser sends a textarea's line breaks as CRLF; the record keeps LF.
    cleaned = text.replace("\r\n", "\n").strip()
    if not cleaned:
        raise CorrectionError("a correction cannot be empty", "고친 내용이 비어 있습니다.")
    if len(cleaned) > MAX_CORRECTION_CHARS:
        raise CorrectionError(
            f"a correction is at most {MAX_CORRECTION_CHARS} characters",
            f"고친 내용은 {MAX_CORRECTION_CHARS}자까지 쓸 수 있습니다.",
        )
    return cleaned


def _inbound(session: Session, message_id: int) -> Message:
    message = get_message(session, message_id)
    if message.direction is not Direction.INBOUND:
        raise CorrectionError(
            "only a resident's (inbound) message can be corrected here",
            "주민이 보낸 메시지만 고칠 수 있습니다.",
        )
    return message


def _joined(segments: list[dict[str, Any]], key: str) -> str:
    """How the voice job composes a message's text from its segments."""
    return " ".join(str(s.get(key) or "") for s in segments if str(s.get(key) or "").strip())


def _follow_segments(
    message: Message, segments: list[dict[str, Any]], old_texts: str, old_korean: str
) -> None:
    new_texts = _joined(segments, "text")
    if message.original_text == old_texts != new_texts:
        if message.machine_original_text is None:
            message.machine_original_text = message.original_text
        message.original_text = new_texts
    new_korean = _joined(segments, "translated_text")
    if (message.translated_text or "") == old_korean != new_korean:
        if message.machine_translation is None:
            message.machine_translation = message.translated_text or ""
        message.translated_text = new_korean
        message.translated_language = "ko"
        _settle(message)  # a failed recording whose Korean an admin wrote segment by segment


def _audited(
    session: Session,
    message: Message,
    user_id: int,
    field: str,
    before: str | None,
    after: str,
    remembered: bool,
) -> Correction:
    message.corrected_by_id = user_id
    message.corrected_at = utcnow()
    audit(
        session,
        EventKind.MESSAGE_CORRECTED,
        message.conversation_id,
        user_id,
        message_id=message.id,
        field=field,
        before=before,
        after=after,
        remembered=remembered,
    )
    return Correction(message.id, field, before, after, remembered)
