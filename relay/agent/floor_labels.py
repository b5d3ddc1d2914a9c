"""How the floor reads in Korean: agents' states and the languages they serve.

One place for the words, so the header, the supervisor's view and the audit trail say the same.
"""

from __future__ import annotations

from languages import registry
from transcripts.models import Availability

AVAILABILITY_LABELS: dict[str, str] = {
    Availability.AVAILABLE.value: "대기 가능",
    Availability.AWAY.value: "자리 비움",
    Availability.AFTER_CALL.value: "후처리",
}

#: The languages an admin can give an agent: the five residents' languages and Korean.
AGENT_LANGUAGES: tuple[registry.Language, ...] = registry.ALL_LANGUAGES


def language_name(code: str | None) -> str:
    """The Korean name of a language code ("언어 미확인" when it is not known)."""
    if code and registry.is_supported(code):
        return registry.get(code).korean_name
    return "언어 미확인"
