"""How the record is shown to a Korean-speaking agent: who wrote what, how far to trust a
translation, glossary terms marked in the text. Pure functions over loaded rows; no queries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from languages import registry
from languages.glossary import Glossary
from languages.spoken import MACHINE_RENDERING, check_from_json
from relay.agent.reasons import staff_reason
from transcripts.chat import WEB_CONTACT_PREFIX
from transcripts.masking import mask_contact_phone
from transcripts.models import (
    Author,
    Conversation,
    Direction,
    Disposition,
    Message,
    MessageStatus,
)

# Below these, recognition or translation is weak enough that the agent should check the
# original (or call an interpreter) before acting on the Korean.
MIN_LANGUAGE_PROBABILITY = 0.6
MIN_SEGMENT_AVG_LOGPROB = -1.0
STATUS_LABELS = {
    MessageStatus.RECEIVED: "번역 중",
    MessageStatus.TRANSLATED: "번역됨",
    MessageStatus.FAILED: "실패",
    MessageStatus.NEEDS_INTERPRETER: "통역 필요",
    MessageStatus.EMPTY: "내용 없음",
    MessageStatus.BLOCKED: "차단된 번호 (번역 안 함)",
    MessageStatus.QUEUED: "대기",
    MessageStatus.SENT: "발송됨",
    MessageStatus.DELIVERED: "전달됨",
    MessageStatus.UNDELIVERED: "전달 실패",
    MessageStatus.HELD: "보관됨 (발송 안 함)",
}


def status_label(message: Message) -> str:
    """A message's state in Korean words. A Korean speaker's text is stored as translated (it
    needs nothing more) but was never put through an engine, so it does not say "번역됨"."""
    if (
        message.status is MessageStatus.TRANSLATED
        and message.direction is Direction.INBOUND
        and message.original_language == "ko"
    ):
        return "받음 (번역 필요 없음)"
    return STATUS_LABELS.get(message.status, message.status.value)


def contact_label(conversation: Conversation) -> str:
    """Who the resident is, as staff read it: their number's last four digits (pages mask the
    rest, as exports do), or words for a contact relay keeps under an internal key (a web chat
    visitor, a caller who withheld their number)."""
    return recipient_label(conversation.contact.phone, conversation.callback_phone)


def recipient_label(phone: str | None, callback: str | None = None) -> str:
    """A number as staff read it (last four digits), or words for an internal key: a web chat
    visitor's key is what their page is found by, and never shown."""
    if not phone:
        return "—"
    if phone.startswith(WEB_CONTACT_PREFIX):
        return f"웹 방문자 (회신 번호 {mask_contact_phone(callback)})" if callback else "웹 방문자"
    if phone.startswith("anonymous:"):
        return "번호 비공개 발신자"
    return mask_contact_phone(phone)


#: Each channel as staff name it (one list for the thread, the queue and the figures).
CHANNEL_LABELS = {"sms": "문자", "voice": "전화", "web": "웹 채팅", "live": "실시간 통화"}

#: How a conversation ended, as the close form and the audit trail name it.
DISPOSITION_LABELS = {
    Disposition.RESOLVED: "첫 상담에서 해결",
    Disposition.TRANSFERRED: "이관",
    Disposition.CALLBACK_NEEDED: "회신 필요",
    Disposition.ABUSIVE: "악성 민원",
    Disposition.NO_RESPONSE: "무응답",
}

AUTHOR_LABELS = {
    Author.RESIDENT: "주민",
    Author.AGENT: "상담원",
    Author.PHRASEBOOK: "상용구 (사람이 쓴 번역)",
    Author.SYSTEM: "센터 안내문",
    Author.AUTOMATIC: "자동 접수 안내",
}


def language_label(code: str | None) -> dict[str, Any]:
    """Flag, the name in its own script, the Korean name, and whether a call-back can speak it;
    unknown languages say so."""
    if code and registry.is_supported(code):
        lang = registry.get(code)
        return {
            "code": code,
            "flag": lang.flag,
            "native": lang.native_name,
            "ko": lang.korean_name,
            "spoken": lang.twilio_say_voice is not None,
        }
    return {
        "code": code or "",
        "flag": "🏳️",
        "native": code or "?",
        "ko": "언어 미확인",
        "spoken": False,
    }


def quality_warnings(message: Message) -> list[str]:
    """Reasons, in Korean, not to take this message's Korean at face value (empty: none)."""
    if message.direction.value != "inbound":
        return []
    notes: list[str] = []
    if message.status is MessageStatus.FAILED:
        notes.append("번역 실패: 원문을 확인하세요")
    if message.status is MessageStatus.NEEDS_INTERPRETER:
        notes.append("지원하지 않는 언어: 통역 연결 필요")
    probability = message.language_probability
    if probability is not None and probability < MIN_LANGUAGE_PROBABILITY:
        notes.append(f"언어 판별 불확실 ({probability:.0%})")
    if message.flag:
        flagged = staff_reason(message.flag, message.status)
        notes.append(f"확인 필요: {flagged.korean if flagged else message.flag}")
    weak = [
        s
        for s in message.segments or []
        if isinstance(s.get("avg_logprob"), int | float)
        and s["avg_logprob"] < MIN_SEGMENT_AVG_LOGPROB
    ]
    if weak:
        notes.append(f"음성 인식 불확실한 구간 {len(weak)}개")
    return notes


def produced_by(message: Message, usernames: dict[int, str]) -> str:
    """Who or what produced the text the other side reads: person, phrasebook or engine."""
    who = AUTHOR_LABELS.get(message.author, message.author.value)
    if message.author_user_id in usernames and message.author is not Author.RESIDENT:
        who = f"{who} · {usernames[message.author_user_id]}"  # the agent who sent it
    if message.author in (Author.PHRASEBOOK, Author.AUTOMATIC, Author.SYSTEM):
        return who  # human-written, no engine; the entry's internal id means nothing to staff
    engine = message.translation_engine
    if not engine:
        return who
    route = route_label(engine, message.translation_pivot)
    edited = ""
    if (
        message.author is not Author.RESIDENT  # a resident's message is corrected by an admin
        and message.machine_translation is not None
        and message.translated_text is not None
        and message.machine_translation != message.translated_text
    ):
        edited = " · 상담원이 번역 수정"
    return f"{who} · {route}{edited}"


# Engines by their Korean names (the model's file names stay in the record).
_ENGINE_LABELS = {
    "argos": "아르고스",
    "m2m100": "엠투엠",
    "memory": "번역 메모리",
    "glossary": "용어집",
    "identity": "번역 없음",
    "none": "번역 없음",
}


def route_label(engine: str, pivot: str | None) -> str:
    """Which route translated a message, in Korean: the engine, and whether it went directly
    or through another language (a chain loses more, so the agent should know). The model's
    file names mean nothing to staff and stay in the record."""
    name = _ENGINE_LABELS.get(engine, engine)
    if engine in ("memory", "glossary", "identity", "none"):
        return name
    if pivot:
        through = registry.get(pivot).korean_name if registry.is_supported(pivot) else pivot
        return f"번역 {name} · {through} 경유"
    return f"번역 {name} · 직접 번역"


def _korean_name(code: str) -> str:
    return registry.get(code).korean_name if registry.is_supported(code) else code


@dataclass(frozen=True)
class Piece:
    """A run of text, and when it is a glossary term, the approved translations to show."""

    text: str
    term: str | None = None
    translations: str | None = None


def highlight_terms(glossary: Glossary, text: str | None, language: str | None) -> list[Piece]:
    """Split a text into plain runs and glossary terms (with approved translations as a title).

    Returning pieces (not markup) keeps escaping in the template, where autoescape applies.
    """
    if not text:
        return []
    if not language or language not in {"ko", "en", "zh", "ja", "vi", "mn"}:
        return [Piece(text)]
    pieces: list[Piece] = []
    cursor = 0
    for match in glossary.find_terms(text, language):
        if match.start < cursor:
            continue
        if match.start > cursor:
            pieces.append(Piece(text[cursor : match.start]))
        approved = " · ".join(
            f"{_korean_name(code)}: {form}"
            for code, form in match.translations.items()
            if code != language
        )
        pieces.append(Piece(text[match.start : match.end], match.entry.key, approved))
        cursor = match.end
    if cursor < len(text):
        pieces.append(Piece(text[cursor:]))
    return pieces


def segment_rows(
    message: Message, shown: Callable[[str | None], str | None] = lambda text: text
) -> list[dict[str, Any]]:
    """A voice message's timed segments, with a flag on the ones recognition was unsure of;
    `shown` masks their text when the message's personal data is not revealed."""
    rows = []
    for index, segment in enumerate(message.segments or []):
        logprob = segment.get("avg_logprob")
        machine_text, machine_korean = (
            segment.get("machine_text"),
            segment.get("machine_translated_text"),
        )
        rows.append(
            {
                "index": index,
                "start": float(segment.get("start") or 0.0),
                "end": float(segment.get("end") or 0.0),
                "text": shown(str(segment.get("text") or "")) or "",
                "korean": shown(str(segment.get("translated_text") or "")) or "",
                "weak": isinstance(logprob, int | float) and logprob < MIN_SEGMENT_AVG_LOGPROB,
                # what recognition and translation first wrote, when an admin corrected them
                "machine_text": None if machine_text is None else shown(str(machine_text)),
                "machine_korean": None if machine_korean is None else shown(str(machine_korean)),
            }
        )
    return rows


def machine_rendering(message: Message) -> str | None:
    """The label that replaces "원문" when the spoken-language check found another language:
    the text is what Whisper wrote in the menu's language, not the caller's words."""
    check = check_from_json(message.spoken_language)
    return MACHINE_RENDERING if check is not None and check.differs else None
