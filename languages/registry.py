"""The languages relay serves, with every code and name the other modules need in one place.

Residents write or speak one of five languages; agents read and write Korean. Each engine names
languages differently (ISO 639-1 here, Whisper, Argos, M2M-100, Twilio voices), so every mapping
lives in this table rather than in the adapters.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    """One supported language and how each engine and channel names it."""

    code: str  # ISO 639-1, the code relay stores and shows
    english_name: str
    native_name: str  # the name in the language's own script, for menus and badges
    korean_name: str  # how agents see it
    flag: str
    whisper_code: str
    argos_code: str | None  # None where no Argos package exists (vi, mn)
    m2m_code: str  # M2M-100 language token without underscores
    twilio_say_language: str | None  # None where Twilio has no text-to-speech voice (mn)
    twilio_say_voice: str | None
    menu_digit: str | None  # keypad digit in the phone menu; Korean has none


KOREAN = Language(
    code="ko",
    english_name="Korean",
    native_name="한국어",
    korean_name="한국어",
    flag="🇰🇷",
    whisper_code="ko",
    argos_code="ko",
    m2m_code="ko",
    twilio_say_language="ko-KR",
    twilio_say_voice="Google.ko-KR-Standard-A",
    menu_digit=None,
)

RESIDENT_LANGUAGES: tuple[Language, ...] = (
    Language(
        code="en",
        english_name="English",
        native_name="English",
        korean_name="영어",
        flag="🇬🇧",
        whisper_code="en",
        argos_code="en",
        m2m_code="en",
        twilio_say_language="en-US",
        twilio_say_voice="Polly.Joanna",
        menu_digit="1",
    ),
    Language(
        code="zh",
        english_name="Chinese",
        native_name="中文",
        korean_name="중국어",
        flag="🇨🇳",
        whisper_code="zh",
        argos_code="zh",
        m2m_code="zh",
        twilio_say_language="cmn-CN",
        twilio_say_voice="Polly.Zhiyu",
        menu_digit="2",
    ),
    Language(
        code="ja",
        english_name="Japanese",
        native_name="日本語",
        korean_name="일본어",
        flag="🇯🇵",
        whisper_code="ja",
        argos_code="ja",
        m2m_code="ja",
        twilio_say_language="ja-JP",
        twilio_say_voice="Polly.Mizuki",
        menu_digit="3",
    ),
    Language(
        code="vi",
        english_name="Vietnamese",
        native_name="Tiếng Việt",
        korean_name="베트남어",
        flag="🇻🇳",
        whisper_code="vi",
        argos_code=None,
        m2m_code="vi",
        twilio_say_language="vi-VN",
        twilio_say_voice="Google.vi-VN-Standard-A",
        menu_digit="4",
    ),
    Language(
        code="mn",
        english_name="Mongolian",
        native_name="Монгол",
        korean_name="몽골어",
        flag="🇲🇳",
        whisper_code="mn",
        argos_code=None,
        m2m_code="mn",
        twilio_say_language=None,
        twilio_say_voice=None,
        menu_digit="5",
    ),
)

ALL_LANGUAGES: tuple[Language, ...] = (*RESIDENT_LANGUAGES, KOREAN)
_BY_CODE = {language.code: language for language in ALL_LANGUAGES}
SUPPORTED_CODES: frozenset[str] = frozenset(_BY_CODE)
RESIDENT_CODES: frozenset[str] = frozenset(language.code for language in RESIDENT_LANGUAGES)


class UnsupportedLanguageError(ValueError):
    """Raised for a language code relay does not serve."""


def get(code: str) -> Language:
    """Return the language for an ISO 639-1 code, or raise UnsupportedLanguageError."""
    try:
        return _BY_CODE[code]
    except KeyError:
        raise UnsupportedLanguageError(f"unsupported language: {code!r}") from None


def is_supported(code: str | None) -> bool:
    """True when relay serves this code (the five resident languages and Korean)."""
    return code in _BY_CODE


def by_menu_digit(digit: str) -> Language | None:
    """The resident language chosen by a keypad digit in the phone menu, if any."""
    return next((lang for lang in RESIDENT_LANGUAGES if lang.menu_digit == digit), None)
