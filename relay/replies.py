"""Composing an agent's reply: translation, back-translation, and what the SMS will really carry.

Korean handsets receive only characters Twilio can encode in EUC-KR, so a reply that contains
others (Vietnamese tone marks, Mongolian ө/ү, many simplified Chinese characters) goes out as a
short notice with a link to a page that shows the whole reply in the resident's language.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from typing import Any

from languages import registry, sms
from languages.translation import Translator
from transcripts.models import Author
from transcripts.outbound import ReplyDraft


class ReplyError(ValueError):
    """The reply cannot be composed as asked (empty text, unknown language, ...)."""


@dataclass(frozen=True)
class ReplyPreview:
    """Everything the agent sees before sending, and everything the record keeps after."""

    korean_text: str
    language: str
    translated_text: str
    machine_translation: str
    back_translation: str | None
    engine: str
    model: str
    pivot: str | None
    translation_ms: float
    encoding: str
    segments: int
    undeliverable: tuple[str, ...]
    delivered_body: str
    uses_link: bool
    reply_token: str | None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["undeliverable"] = list(self.undeliverable)
        data.pop("reply_token")
        return data

    def draft(self, author_user_id: int | None, author: Author = Author.AGENT) -> ReplyDraft:
        return ReplyDraft(
            korean_text=self.korean_text,
            language=self.language,
            translated_text=self.translated_text,
            machine_translation=self.machine_translation,
            back_translation=self.back_translation,
            engine=self.engine,
            model=self.model,
            pivot=self.pivot,
            translation_ms=self.translation_ms,
            delivered_body=self.delivered_body,
            sms_encoding=self.encoding,
            sms_segments=self.segments,
            undeliverable_chars="".join(self.undeliverable),
            author=author,
            author_user_id=author_user_id,
            uses_link=self.uses_link,
            reply_token=self.reply_token,
        )


MAX_REPLY_CHARS = 1600  # Twilio's limit for one message body


def compose_reply(
    translator: Translator,
    korean_text: str,
    language: str,
    *,
    public_base_url: str,
    edited_translation: str | None = None,
) -> ReplyPreview:
    """Translate a Korean reply for the resident and decide how it can be delivered by SMS."""
    korean_text = korean_text.strip()
    if not korean_text:
        raise ReplyError("the reply is empty")
    if len(korean_text) > MAX_REPLY_CHARS:
        raise ReplyError(f"the reply is longer than {MAX_REPLY_CHARS} characters")
    if language not in registry.RESIDENT_CODES:
        raise ReplyError(f"cannot reply in {language!r}: not a resident language relay serves")
    forward = translator.translate(korean_text, "ko", language)
    translated = (edited_translation or "").strip() or forward.text
    back = translator.translate(translated, language, "ko")
    analysis = sms.analyse(translated)
    token: str | None = None
    body = translated
    if analysis.undeliverable or analysis.segments > 10:
        token = secrets.token_urlsafe(16)  # 128 bits, 22 characters: keeps the notice short
        body = sms.fallback_notice(language, f"{public_base_url}/r/{token}")
    delivered = sms.analyse(body)
    return ReplyPreview(
        korean_text=korean_text,
        language=language,
        translated_text=translated,
        machine_translation=forward.text,
        back_translation=back.text,
        engine=forward.engine,
        model=forward.model,
        pivot=forward.pivot,
        translation_ms=forward.duration_ms + back.duration_ms,
        encoding=delivered.encoding,
        segments=delivered.segments,
        undeliverable=analysis.undeliverable,
        delivered_body=body,
        uses_link=token is not None,
        reply_token=token,
    )
