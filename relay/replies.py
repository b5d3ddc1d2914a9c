"""Composing a reply: an agent's Korean (translated, translated back) or a text written by people
in the resident's language (phrasebook answers, the centre's warnings and receipts), and what
the SMS will really carry.

Korean handsets receive only characters Twilio can encode in EUC-KR, so a reply that contains
others (Vietnamese tone marks, Mongolian ө/ү, many simplified Chinese characters) goes out as a
short notice with a link to a page that shows the whole reply in the resident's language.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
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
    # Numbers, links and glossary terms of the Korean reply that the text to be sent lacks
    # (as the agent wrote them); sending such a reply needs the agent's confirmation.
    missing_spans: tuple[str, ...] = ()
    # Spans the engine dropped and the translator kept by translating around them.
    retried_spans: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["undeliverable"] = list(self.undeliverable)
        data["missing_spans"] = list(self.missing_spans)
        data["retried_spans"] = list(self.retried_spans)
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
    sender: sms.Sender,
    edited_translation: str | None = None,
    channel: str = "sms",
) -> ReplyPreview:
    """Translate a Korean reply for the resident and decide how it can be delivered by SMS
    (on the chat page, `channel="web"`, it is shown whole: no SMS rules apply).

    The text to be sent (the machine's, or the agent's edit of it) is checked for every
    number, link and glossary term of the Korean: those it lacks are named in
    `missing_spans`, so the agent sees them before anything is sent.
    """
    korean_text = korean_text.strip()
    if not korean_text:
        raise ReplyError("답변이 비어 있습니다.")
    if len(korean_text) > MAX_REPLY_CHARS:
        raise ReplyError(f"답변이 {MAX_REPLY_CHARS}자보다 깁니다.")
    if language == registry.KOREAN.code:
        return _in_korean(korean_text, public_base_url, sender, channel)
    if language not in registry.RESIDENT_CODES:
        raise ReplyError("이 언어로는 답변할 수 없습니다. 답변 언어를 고르세요.")
    forward = translator.translate(korean_text, "ko", language)
    translated = (edited_translation or "").strip() or forward.text
    if translated == forward.text:
        missing = forward.lost_placeholders
    else:
        checked = translator.verify(korean_text, translated, "ko", language)
        missing = tuple(span.text for span in checked.missing)
    back = translator.translate(translated, language, "ko")
    if channel == "web":
        carried = SmsDelivery(translated, "", 0, (), None)
    else:
        carried = for_sms(translated, language, public_base_url, sender)
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
        encoding=carried.encoding,
        segments=carried.segments,
        undeliverable=carried.undeliverable,
        delivered_body=carried.body,
        uses_link=carried.token is not None,
        reply_token=carried.token,
        missing_spans=missing,
        retried_spans=forward.retried_spans if translated == forward.text else (),
    )


def _in_korean(
    korean_text: str, public_base_url: str, sender: sms.Sender, channel: str
) -> ReplyPreview:
    """A reply to a Korean-speaking resident: the agent's words as they are (no engine, no
    back-translation); the SMS rules still decide how it travels."""
    if channel == "web":
        carried = SmsDelivery(korean_text, "", 0, (), None)
    else:
        carried = for_sms(korean_text, registry.KOREAN.code, public_base_url, sender)
    return ReplyPreview(
        korean_text=korean_text,
        language=registry.KOREAN.code,
        translated_text=korean_text,
        machine_translation=korean_text,
        back_translation=None,
        engine="none",
        model="",
        pivot=None,
        translation_ms=0.0,
        encoding=carried.encoding,
        segments=carried.segments,
        undeliverable=carried.undeliverable,
        delivered_body=carried.body,
        uses_link=carried.token is not None,
        reply_token=carried.token,
    )


@dataclass(frozen=True)
class SmsDelivery:
    """What an SMS will carry for a text: the text itself, or a notice with a link to it."""

    body: str
    encoding: str
    segments: int
    undeliverable: tuple[str, ...]  # characters of the text Korean handsets cannot show
    token: str | None  # the /r/<token> page's secret when the SMS carries a link


def centre_sender(config: Mapping[str, Any]) -> sms.Sender:
    """The centre as its notices name it (RELAY_CENTRE_NAME, RELAY_CENTRE_NUMBER)."""
    return sms.Sender(config["CENTRE_NAME"], config["CENTRE_NUMBER"])


def for_sms(text: str, language: str, public_base_url: str, sender: sms.Sender) -> SmsDelivery:
    """The SMS for `text`: as it is when Korean handsets can show all of it in ten parts at
    most, else a short notice in the resident's language, naming `sender`, with a link to the
    whole text. Dashes and quotes handsets lack are written as ones they have first
    (languages/sms.py `travelling`), so punctuation alone never turns a reply into a link."""
    text = sms.travelling(text)
    analysis = sms.analyse(text)
    token: str | None = None
    body = text
    if analysis.undeliverable or analysis.segments > 10:
        token = secrets.token_urlsafe(16)  # 128 bits, 22 characters: keeps the notice short
        body = sms.fallback_notice(language, f"{public_base_url}/r/{token}", sender)
    delivered = sms.analyse(body)
    return SmsDelivery(
        body, delivered.encoding, delivered.segments, tuple(analysis.undeliverable), token
    )


def human_reply(
    korean_text: str,
    resident_text: str,
    language: str,
    *,
    author: Author,
    source: str,
    user_id: int | None,
    public_base_url: str,
    sender: sms.Sender,
    channel: str = "sms",
) -> ReplyDraft:
    """A draft for a text people wrote in the resident's language (no engine); `source` names
    it (a phrasebook entry id, "abuse_warning", "acknowledgement"). On the chat page
    (`channel="web"`) it is shown whole: no SMS rules apply."""
    if channel == "web":
        carried = SmsDelivery(resident_text, "", 0, (), None)
    else:
        carried = for_sms(resident_text, language, public_base_url, sender)
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
        delivered_body=carried.body,
        sms_encoding=carried.encoding,
        sms_segments=carried.segments,
        undeliverable_chars="".join(carried.undeliverable),
        author=author,
        author_user_id=user_id,
        uses_link=carried.token is not None,
        reply_token=carried.token,
    )
