"""Reasons written by jobs in their own words reach staff in Korean (relay/agent/reasons.py)."""

from __future__ import annotations

import re

import pytest

from relay.agent.reasons import staff_reason
from transcripts.models import MessageStatus

HANGUL = re.compile("[가-힣]")
LATIN_WORD = re.compile("[A-Za-z]{2,}")


@pytest.mark.parametrize(
    ("reason", "status", "korean"),
    [
        ("no speech was heard in the recording (silence)", MessageStatus.EMPTY,
         "녹음에서 말소리가 들리지 않았습니다"),
        ("translation failed; the original is shown", MessageStatus.TRANSLATED,
         "번역하지 못해 원문을 보여 드립니다"),
        ("retry requested", MessageStatus.RECEIVED, "다시 번역을 요청했습니다"),
        ("보내지 못해 다시 시도할 예정 (will retry): timeout", MessageStatus.QUEUED,
         "보내지 못해 다시 시도할 예정: timeout"),
        ("악성 민원 경고 (abuse warning sent)", None, "악성 민원 경고"),
        ("looks like German, which relay does not serve", MessageStatus.NEEDS_INTERPRETER,
         "지원하지 않는 언어로 보여 통역이 필요합니다"),
    ],
)  # fmt: skip
def test_reasons_read_in_korean(reason: str, status: MessageStatus | None, korean: str) -> None:
    read = staff_reason(reason, status)
    assert read is not None and read.korean == korean


def test_an_unknown_english_reason_is_kept_aside_as_technical_detail() -> None:
    read = staff_reason("HTTP 500 from api.twilio.com", MessageStatus.UNDELIVERED)
    assert read is not None and read.korean == "전달하지 못했습니다"
    assert read.technical == "HTTP 500 from api.twilio.com"
    assert staff_reason(None) is None and staff_reason("  ") is None
