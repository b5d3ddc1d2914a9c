"""Why a message is in the state it is, in Korean, whoever wrote the reason.

Jobs in transcripts/ and relay/ record a reason in the words of the part that failed (a
recognition error, a Twilio answer, a detector's doubt); staff read Korean. This is the one place
that says how each reads: known reasons in Korean, the rest as a Korean sentence for the state
with the recorded words kept aside as technical detail (for whoever fixes the cause).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from transcripts.models import MessageStatus

#: Known reasons, by how they begin, in Korean (first match wins).
_KNOWN: tuple[tuple[str, str], ...] = (
    ("no speech was heard", "녹음에서 말소리가 들리지 않았습니다"),
    ("no words were heard", "말소리 없이 잡음이나 침묵만 들렸습니다"),
    ("translation failed; the original is shown", "번역하지 못해 원문을 보여 드립니다"),
    ("translation failed", "번역하지 못했습니다"),
    ("translation:", "번역하지 못했습니다"),
    ("retry requested", "다시 번역을 요청했습니다"),
    ("translated by an admin", "관리자가 번역했습니다"),
    ("the message had no text", "내용이 없는 메시지입니다"),
    ("speech recognition:", "음성 인식에 실패했습니다"),
    ("download:", "녹음 파일을 받지 못했습니다"),
    ("live caption failed", "실시간 자막을 만들지 못했습니다"),
    ("the caller withheld their number", "발신 번호를 숨긴 전화입니다"),
    ("the recording was too short", "녹음이 너무 짧아 보관하지 않았습니다"),
    ("the language could not be identified", "지원하는 언어로 판별되지 않았습니다 (통역 필요)"),
)

#: A reason nobody wrote in Korean, by the state it explains.
_BY_STATUS = {
    MessageStatus.FAILED: "처리하지 못했습니다",
    MessageStatus.NEEDS_INTERPRETER: "지원하지 않는 언어로 보여 통역이 필요합니다",
    MessageStatus.UNDELIVERED: "전달하지 못했습니다",
    MessageStatus.EMPTY: "내용이 없습니다",
}

_HANGUL = re.compile("[가-힣]")
# "(will retry)", "(abuse warning sent)": English glosses after a Korean sentence.
_ENGLISH_GLOSS = re.compile(r"\s*\((?=[^()]*[A-Za-z])[^()가-힣]*\)")


@dataclass(frozen=True)
class StaffReason:
    """A reason as staff read it, and the recorded words when they are not Korean."""

    korean: str
    technical: str | None = None


def staff_reason(reason: str | None, status: MessageStatus | None = None) -> StaffReason | None:
    """The Korean for a recorded reason (None when there is none)."""
    if not reason or not reason.strip():
        return None
    text = reason.strip()
    lowered = text.lower()
    for start, korean in _KNOWN:
        if lowered.startswith(start):
            rest = text[len(start) :].strip(" :;()")
            return StaffReason(korean, rest or None)
    if _HANGUL.search(text):
        korean = _ENGLISH_GLOSS.sub("", text).strip()
        return StaffReason(korean)
    fallback = _BY_STATUS.get(status, "기타 사유") if status is not None else "기타 사유"
    return StaffReason(fallback, text)
