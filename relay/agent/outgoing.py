"""Replies whose resident-language text was written by people: phrasebook answers and the
centre's abuse warning. They go out exactly as written (no engine), composed for SMS the same way
as an agent's reply: a text Korean handsets cannot show becomes a notice with a link."""

from __future__ import annotations

import secrets

from languages import sms
from transcripts.models import Author
from transcripts.outbound import ReplyDraft


def human_reply(
    korean_text: str,
    resident_text: str,
    language: str,
    *,
    author: Author,
    source: str,
    user_id: int | None,
    public_base_url: str,
) -> ReplyDraft:
    """A draft for a reviewed human translation; `source` names it (a phrasebook entry id)."""
    analysis = sms.analyse(resident_text)
    token: str | None = None
    body = resident_text
    if analysis.undeliverable or analysis.segments > 10:
        token = secrets.token_urlsafe(16)
        body = sms.fallback_notice(language, f"{public_base_url}/r/{token}")
    delivered = sms.analyse(body)
    return ReplyDraft(
        korean_text=korean_text,
        language=language,
        translated_text=resident_text,
        # No machine produced this text: the record keeps no machine translation for it.
        machine_translation=None,
        back_translation=None,
        engine=author.value,
        model=source,
        pivot=None,
        translation_ms=0.0,
        delivered_body=body,
        sms_encoding=delivered.encoding,
        sms_segments=delivered.segments,
        undeliverable_chars="".join(analysis.undeliverable),
        author=author,
        author_user_id=user_id,
        uses_link=token is not None,
        reply_token=token,
    )
