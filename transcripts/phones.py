"""Phone numbers as residents' identities: one canonical form per number, whatever the carrier sent.

Twilio sends E.164, but simulators, forwarded numbers and manual entries arrive as "010-1234-5678",
"+82 (10) 1234 5678" or "0082...". The same resident must land in the same conversation.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-().\u00a0/]")
_KOREAN_LOCAL = re.compile(r"^0(1[016789]|[2-6]\d?)\d{6,8}$")


def normalise_phone(raw: str) -> str:
    """Return E.164 (`+821012345678`) where the number can be read, else the trimmed input.

    Korean national numbers (leading 0) get +82; `00` international prefixes become `+`;
    channel prefixes such as `sms:` or `tel:` are dropped. Short codes ("120", "1345") stay as
    they are.
    A string that is not a number is returned trimmed rather than rejected: it still identifies
    whoever sent it, and the caller decides whether to flag it.
    """
    text = raw.strip()
    lowered = text.lower()
    for prefix in ("tel:", "sms:", "client:"):
        if lowered.startswith(prefix):
            text = text[len(prefix) :]
            break
    compact = _SEPARATORS.sub("", text)
    if compact.startswith("00") and compact[2:].isdigit():
        compact = "+" + compact[2:]
    if compact.startswith("+") and compact[1:].isdigit() and 8 <= len(compact) - 1 <= 15:
        if compact.startswith("+820"):  # "+82 010-..." written with the trunk zero
            compact = "+82" + compact[4:]
        return compact
    if compact.isdigit():
        if _KOREAN_LOCAL.match(compact):
            return "+82" + compact[1:]
        if compact.startswith("82") and 11 <= len(compact) <= 12:
            return "+" + compact
        return compact
    return text


def is_e164(number: str) -> bool:
    """True for a canonical international number."""
    return bool(re.fullmatch(r"\+\d{8,15}", number))
