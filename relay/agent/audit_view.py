"""The audit trail as a supervisor reads it: what happened in Korean, who did it, and the
details in words (names, not account numbers; Korean, not escaped code points; personal data
masked as on every page).

Events are stored with a code (`EventKind`) and a small dictionary of details; this module is
the one place that says how each reads. A kind without a label here fails a test, so a new
kind of event cannot reach the page as a code name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from relay.agent.floor_labels import AVAILABILITY_LABELS, language_name
from relay.agent.presenters import CHANNEL_LABELS, DISPOSITION_LABELS, language_label
from relay.agent.reasons import staff_reason
from relay.centre_time import centre_clock
from transcripts.masking import mask_personal_data
from transcripts.models import Disposition, Event
from transcripts.policy import EventKind

EVENT_LABELS: dict[EventKind, str] = {
    EventKind.CONVERSATION_OPENED: "대화 시작",
    EventKind.CONVERSATION_CLAIMED: "상담원이 맡음",
    EventKind.CONVERSATION_TRANSFERRED: "이관",
    EventKind.CONVERSATION_ESCALATED: "3자 통역 요청",
    EventKind.CONVERSATION_LANGUAGE: "답변 언어 선택",
    EventKind.CONVERSATION_CLOSED: "대화 종료",
    EventKind.CONVERSATION_NOTED: "내부 메모",
    EventKind.CONTACT_FLAGGED: "악성 민원 경고·차단",
    EventKind.CONTACT_UNBLOCKED: "차단 해제",
    EventKind.MESSAGE_RECEIVED: "주민 메시지 받음",
    EventKind.MESSAGE_TRANSLATED: "번역됨",
    EventKind.MESSAGE_FAILED: "처리 실패",
    EventKind.MESSAGE_NEEDS_INTERPRETER: "통역 필요",
    EventKind.MESSAGE_EMPTY: "내용 없음",
    EventKind.MESSAGE_BLOCKED: "차단된 번호의 메시지",
    EventKind.MESSAGE_RETRIED: "다시 번역 요청",
    EventKind.MESSAGE_CORRECTED: "관리자 수정",
    EventKind.MESSAGE_QUEUED: "답변 발송 대기",
    EventKind.MESSAGE_SENT: "답변 발송됨",
    EventKind.MESSAGE_DELIVERED: "답변 전달됨",
    EventKind.MESSAGE_UNDELIVERED: "답변 전달 실패",
    EventKind.MESSAGE_HELD: "보관함에 보관 (발송 안 함)",
    EventKind.MESSAGE_READ: "주민이 읽음",
    EventKind.CHAT_LINKED: "주민이 답변 링크를 엶",
    EventKind.CHAT_REVOKED: "채팅 링크 차단",
    EventKind.CHAT_NUDGED: "웹 답변 알림 문자 발송",
    EventKind.CALL_STARTED: "전화 걸려 옴",
    EventKind.CALL_BLOCKED: "차단된 번호의 전화",
    EventKind.CALL_LANGUAGE: "통화 언어 선택",
    EventKind.CALL_PLACED: "회신 전화 발신",
    EventKind.CALL_RINGING: "전화 울리는 중",
    EventKind.CALL_IN_PROGRESS: "통화 중",
    EventKind.CALL_COMPLETED: "통화 종료",
    EventKind.CALL_ABANDONED: "연결 전 끊김",
    EventKind.CALL_BUSY: "통화 중이라 연결 안 됨",
    EventKind.CALL_NO_ANSWER: "받지 않음",
    EventKind.CALL_FAILED: "전화 연결 실패",
    EventKind.CALL_CANCELED: "전화 취소",
    EventKind.CALL_LIVE: "실시간 통화 연결",
    EventKind.CALL_AGENT_ANSWERED: "상담원이 실시간 통화를 받음",
    EventKind.CALL_CALLER_SPEAKING: "발신자가 말하는 중",
    EventKind.CALL_LIVE_ENDED: "실시간 통화 끝남",
    EventKind.CALL_REPLY_SPOKEN: "실시간 통화 답변 처리",
    EventKind.CALL_CONFERENCE: "3자 통역 통화 연결",
    EventKind.CALL_CONFERENCE_FAILED: "3자 통역 통화 연결 실패",
    EventKind.CALL_ENDED_BY_AGENT: "상담원이 통화를 끝냄",
    EventKind.TRANSCRIPTS_EXPORTED: "대화 기록 내보내기",
    EventKind.PERSONAL_DATA_REVEALED: "가려진 개인정보 보기",
    EventKind.MEMORY_SUGGESTED: "번역 메모리 상담원 제안",
    EventKind.MEMORY_APPROVED: "번역 메모리 승인",
    EventKind.MEMORY_REJECTED: "번역 메모리 제안 거절",
    EventKind.MEMORY_DELETED: "번역 메모리 삭제",
    EventKind.CONVERSATION_ASSIGNED: "자동 배정",
    EventKind.AGENT_AVAILABILITY: "상담원 상태 변경",
    EventKind.AGENT_LANGUAGES: "상담원 언어 지정",
    EventKind.ACCOUNT_CREATED: "계정 만듦",
    EventKind.ACCOUNT_DISABLED: "계정 사용 중지",
    EventKind.ACCOUNT_ENABLED: "계정 다시 사용",
    EventKind.ACCOUNT_PASSWORD_RESET: "비밀번호 재설정",
    EventKind.ACCOUNT_ROLE_CHANGED: "역할 변경",
    EventKind.BOOK_CHANGED: "용어집·상용구 변경",
}

_ROLE_LABELS = {"agent": "상담원", "admin": "관리자"}
#: What a correction changed, as transcripts.corrections records it (a segment's as
#: "segment.<index>.<key>").
_FIELD_LABELS = {"original_text": "원문", "translated_text": "한국어 번역", "text": "원문"}
#: Internal keys (call and conference ids), or the who column.
_UNSHOWN = {"user_id", "contact_id", "call_id", "reply_id", "conference", "legs"}
#: The details that hold an account's id, read as its name.
_ACCOUNT_KEYS = ("user_id", "from_user_id", "to_user_id", "agent_id")


@dataclass(frozen=True)
class AuditRow:
    """One event as the audit page shows it."""

    id: int
    at: datetime
    what: str
    who: str
    message_id: int | None
    details: tuple[tuple[str, str], ...]


def event_label(kind: str) -> str:
    """The Korean name of a stored event kind (an unknown one says it is unknown, in Korean)."""
    try:
        return EVENT_LABELS[EventKind(kind)]
    except (ValueError, KeyError):
        return "기타 기록"


def accounts_named(events: Sequence[Event]) -> set[int]:
    """Every account the events name, who acted and whom it concerned (the agent a
    conversation was handed to has often not acted on it yet): the names a page must load."""
    return {
        value
        for event in events
        for key in _ACCOUNT_KEYS
        if isinstance(value := (event.data or {}).get(key), int)
    }


def _what(event: Event) -> str:
    """The event in words; a Korean speaker's text went through no engine, so its
    "translated" event does not say it was translated (as the thread does not)."""
    if (
        event.kind == EventKind.MESSAGE_TRANSLATED.value
        and (event.data or {}).get("language") == "ko"
    ):
        return "한국어 그대로 받음 (번역 필요 없음)"
    return event_label(event.kind)


def audit_rows(events: Sequence[Event], names: Mapping[int, str]) -> list[AuditRow]:
    """The events as rows of Korean words."""

    def name(user_id: object) -> str:
        return names.get(user_id, "알 수 없는 계정") if isinstance(user_id, int) else "시스템"

    return [
        AuditRow(
            id=event.id,
            at=event.created_at,
            what=_what(event),
            who=name(event.data.get("user_id")),
            message_id=event.message_id,
            details=_details(event.data or {}, name),
        )
        for event in events
    ]


def _details(data: Mapping[str, Any], name: Callable[[object], str]) -> tuple[tuple[str, str], ...]:
    readers: dict[str, tuple[str, Callable[[Any], str]]] = {
        "from_user_id": ("이전 담당", name),
        "to_user_id": ("새 담당", name),
        "disposition": ("종료 유형", _disposition),
        "topic": ("민원 유형", str),
        "note_id": ("메모 번호", str),
        "automatic": ("자동 종료", lambda value: "예" if value else "아니요"),
        "channel": ("채널", lambda value: CHANNEL_LABELS.get(str(value), str(value))),
        "language": ("언어", lambda value: str(language_label(str(value))["ko"])),
        "field": ("항목", _field),
        "before": ("수정 전", str),
        "after": ("수정 후", str),
        "reason": ("사유", _reason),
        "note": ("메모", str),
        "how": ("처리", str),
        "blocked_until": ("차단 해제 예정", _moment),
        "ended": ("끝난 시각", _moment),
        "remembered": ("번역 메모리에 반영", lambda value: "예" if value else "아니요"),
        "previous": ("이전 언어", lambda value: str(language_label(str(value))["ko"])),
        "interpreter": ("통역 필요", lambda value: "예" if value else "아니요"),
        "agent_id": ("상담원", name),
        "from_state": ("이전 상태", _availability),
        "to_state": ("새 상태", _availability),
        "languages": ("상담 언어", _languages),
        "account": ("계정", str),
        "role": ("역할", _role),
        "from_role": ("이전 역할", _role),
        "to_role": ("새 역할", _role),
    }
    rows = []
    for key, value in data.items():
        if key in _UNSHOWN or value is None or value == "":
            continue
        label, read = readers.get(key, ("세부", _plain))
        rows.append((label, mask_personal_data(read(value)) or ""))
    return tuple(rows)


def _reason(value: Any) -> str:
    """A recorded reason in Korean (relay/agent/reasons.py)."""
    read = staff_reason(str(value))
    return read.korean if read is not None else ""


def _field(value: Any) -> str:
    """The part of a message a correction changed, in words (a segment counted from 1)."""
    parts = str(value).split(".")
    if len(parts) == 3 and parts[0] == "segment" and parts[1].isdigit():
        return f"음성 구간 {int(parts[1]) + 1}의 {_FIELD_LABELS.get(parts[2], '내용')}"
    return _FIELD_LABELS.get(str(value), "내용")


def _availability(value: Any) -> str:
    return AVAILABILITY_LABELS.get(str(value), str(value))


def _languages(value: Any) -> str:
    codes = value if isinstance(value, list | tuple) else [value]
    return ", ".join(language_name(str(code)) for code in codes) or "없음"


def _disposition(value: Any) -> str:
    try:
        return DISPOSITION_LABELS[Disposition(value)]
    except ValueError:
        return str(value)


def _role(value: Any) -> str:
    return _ROLE_LABELS.get(str(value), str(value))


def _moment(value: Any) -> str:
    try:
        return centre_clock(datetime.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def _plain(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k} {_plain(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value)
    return str(value)
