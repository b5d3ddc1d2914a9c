"""SMS composition facts: encoding, segment count and what a Korean handset can receive.

A message is sent as GSM-7 when every character is in the GSM 03.38 alphabet (160 septets alone,
153 per part of a concatenated message, the extension-table characters costing two), otherwise as
UCS-2 (70 UTF-16 code units alone, 67 per part; an emoji is a surrogate pair and costs two).
A character's septets or code units are never split across two parts, which is how carriers and
Twilio's segment calculator count.

Twilio delivers to Korean numbers only characters encodable in EUC-KR (KS X 1001), so
`undeliverable` lists every other character. Python's `euc_kr` codec also writes Hangul syllables
outside KS X 1001 (똠, 햏) as 8-byte composition sequences from an annex of the standard that
handsets do not render; those are listed as undeliverable too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from languages.registry import get

GSM_SINGLE_LIMIT = 160
GSM_PART_LIMIT = 153
UCS2_SINGLE_LIMIT = 70
UCS2_PART_LIMIT = 67

_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

Encoding = Literal["GSM-7", "UCS-2"]


@dataclass(frozen=True)
class SmsAnalysis:
    """How a text travels as SMS: encoding, billed segments, and what Korea will not deliver.

    `characters` counts Unicode code points (what a person sees as length); `units` counts what
    the encoding bills: septets for GSM-7, UTF-16 code units for UCS-2.
    """

    encoding: Encoding
    segments: int
    characters: int
    units: int
    undeliverable: tuple[str, ...]

    @property
    def deliverable_in_korea(self) -> bool:
        """True when every character survives Twilio's EUC-KR delivery to Korean handsets."""
        return not self.undeliverable


def is_gsm7(text: str) -> bool:
    """True when the whole text fits the GSM-7 default alphabet and its extension table."""
    return all(char in _GSM_BASIC or char in _GSM_EXTENSION for char in text)


def _unit_costs(text: str, encoding: Encoding) -> list[int]:
    if encoding == "GSM-7":
        return [2 if char in _GSM_EXTENSION else 1 for char in text]
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def _count_segments(costs: list[int], single: int, part: int) -> int:
    total = sum(costs)
    if total == 0:
        return 0
    if total <= single:
        return 1
    segments, used = 1, 0
    for cost in costs:
        if used + cost > part:
            segments, used = segments + 1, 0
        used += cost
    return segments


def undeliverable_in_korea(text: str) -> tuple[str, ...]:
    """Distinct characters Twilio cannot deliver to a Korean handset, in order of appearance."""
    seen: dict[str, None] = {}
    for char in text:
        if char in seen:
            continue
        try:
            encoded = char.encode("euc_kr")
        except UnicodeEncodeError:
            seen[char] = None
            continue
        if len(encoded) > 2:
            seen[char] = None
    return tuple(seen)


def analyse(text: str) -> SmsAnalysis:
    """Encoding, segment count, length and Korean deliverability of an SMS body."""
    encoding: Encoding = "GSM-7" if is_gsm7(text) else "UCS-2"
    costs = _unit_costs(text, encoding)
    if encoding == "GSM-7":
        segments = _count_segments(costs, GSM_SINGLE_LIMIT, GSM_PART_LIMIT)
    else:
        segments = _count_segments(costs, UCS2_SINGLE_LIMIT, UCS2_PART_LIMIT)
    return SmsAnalysis(
        encoding=encoding,
        segments=segments,
        characters=len(text),
        units=sum(costs),
        undeliverable=undeliverable_in_korea(text),
    )


#: Punctuation Korean handsets cannot show, and the nearest mark they can. A typographic dash
#: alone would otherwise send a whole English answer as a link (the text is unchanged for the
#: page behind a link; only the SMS body is written with these).
_TRAVELLING_PUNCTUATION = str.maketrans(
    {
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2012": "-",  # figure dash
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2015": "-",  # horizontal bar
        "\u2212": "-",  # minus sign
        "\u00a0": " ",  # no-break space
        "\u202f": " ",  # narrow no-break space
        "\u2009": " ",  # thin space
        "\u30fb": "\u00b7",  # katakana middle dot: the middle dot handsets have
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2039": "'",
        "\u203a": "'",
    }
)


def travelling(text: str) -> str:
    """`text` with punctuation Korean handsets cannot show replaced by the nearest mark they can
    (dashes by a hyphen, guillemets by quotes); letters are never changed."""
    return text.translate(_TRAVELLING_PUNCTUATION)


@dataclass(frozen=True)
class Sender:
    """Who a notice with a link says it is from: the centre's name and the number a resident
    can call to check it (RELAY_CENTRE_NAME, RELAY_CENTRE_NUMBER). Residents are warned every
    week about texts with links from unknown senders; a name and a number they can look up
    are what tells this one apart."""

    name: str
    number: str


#: A name in Latin letters reads the same to every resident and keeps Vietnamese and English
#: notices in GSM-7; the cap keeps every notice within NOTICE_MAX_SEGMENTS with a short link.
MAX_SENDER_NAME = 30
MAX_SENDER_NUMBER = 16
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .-'&")
_NUMBER_CHARS = frozenset("0123456789-+ ")
#: A notice with the longest name and number and a link of NOTICE_LINK_BUDGET characters
#: fits this many parts: one in GSM-7 (English, unaccented Vietnamese), two in UCS-2.
NOTICE_MAX_SEGMENTS = 2
NOTICE_LINK_BUDGET = 60


def sender_problem(sender: Sender) -> str | None:
    """Why `sender` cannot go into a notice (a sentence naming the rule), or None."""
    name, number = sender.name, sender.number
    if not name.strip() or len(name) > MAX_SENDER_NAME or not set(name) <= _NAME_CHARS:
        return (
            f"the centre's name must be 1 to {MAX_SENDER_NAME} Latin letters, digits, spaces "
            f"or . - ' &, not {name!r}"
        )
    digits = sum(char.isdigit() for char in number)
    if len(number) > MAX_SENDER_NUMBER or not set(number) <= _NUMBER_CHARS or digits < 3:
        return (
            f"the centre's number must be at most {MAX_SENDER_NUMBER} characters of digits, "
            f"+, - and spaces, with at least 3 digits, not {number!r}"
        )
    return None


# "<centre> (<number>) has replied. Read it here: <link>": who sent it in words a resident can
# check, and every character deliverable to a Korean handset (EUC-KR): Korean, kana, KS X 1001
# hanja, Russian Cyrillic and ☎ are; the prolonged sound mark ー, Vietnamese tone marks and
# Mongolian ө/ү are not.
_NOTICES: dict[str, str] = {
    "en": "{name} ({number}) has replied. Read the reply here: {link}",
    # Only characters written alike in simplified and traditional Chinese and present in
    # KS X 1001 ("... has answered. Full text here:"); 回复, 查看, 点击 and 链接 are not.
    "zh": "{name}(☎{number})已回答。全文在此：{link}",
    # "A reply came from ...": no ー, which KS X 1001 lacks.
    "ja": "{name}(☎{number})から回答がありました：{link}",
    # Last resort: Vietnamese written without diacritics (KS X 1001 has none of its tone marks),
    # which Vietnamese readers are used to from texting; it also keeps the notice in GSM-7.
    "vi": "{name} ({number}) da tra loi ban. Xem cau tra loi tai day: {link}",
    # Worded without ө and ү (outside KS X 1001): "Sender: ... A reply has come: <link>".
    "mn": "Илгээгч: {name} (☎{number}). Хариу ирлээ: {link}",
    "ko": "{name}(☎{number}) 답변이 도착했습니다. 확인: {link}",
}


class NoticeLinkError(ValueError):
    """The link cannot go into a notice: it would itself be undeliverable or split the text."""


def fallback_notice(language: str, link: str, sender: Sender) -> str:
    """The short "<centre> (<number>) replied, read it here" SMS, in the resident's language.

    Used when the reply itself cannot be delivered to a Korean handset or is too long.
    """
    get(language)  # raises UnsupportedLanguageError for a code relay does not serve
    if not link or not link.isascii() or any(char.isspace() for char in link):
        raise NoticeLinkError(f"link must be ASCII without spaces: {link!r}")
    return _NOTICES[language].format(link=link, name=sender.name, number=sender.number)


def max_link_length(language: str, sender: Sender, segments: int = 1) -> int:
    """The longest link that keeps the notice from `sender` within `segments` SMS parts.

    A link is ASCII, so it costs one unit per character in either encoding; the budget is what
    the notice's own words leave free.
    """
    template = _NOTICES[get(language).code].format(link="", name=sender.name, number=sender.number)
    gsm = is_gsm7(template)
    costs = _unit_costs(template, "GSM-7" if gsm else "UCS-2")
    single, part = (
        (GSM_SINGLE_LIMIT, GSM_PART_LIMIT) if gsm else (UCS2_SINGLE_LIMIT, UCS2_PART_LIMIT)
    )
    capacity = single if segments == 1 else part * segments
    return capacity - sum(costs)


# The automatic "we have your message" SMS a resident gets for the first text of a new
# conversation, so nobody writing in their own language is left wondering whether anyone read
# it. Human-written, held to the same rules as the notices above (every character deliverable
# to a Korean handset, hence unaccented Vietnamese and Mongolian without ө/ү), and it names the
# emergency numbers a 120 line cannot replace. The Korean is what the agent sees in the thread.
_ACKNOWLEDGEMENTS: dict[str, str] = {
    "ko": "120 콜센터입니다. 메시지를 받았습니다. 상담원이 곧 이 번호로 답장드립니다. "
    "긴급 상황은 경찰 112, 화재·구급 119.",
    "en": "120 call centre: we have received your message. An agent will reply to this "
    "number soon. Emergencies: police 112, fire and ambulance 119.",
    # "The 120 centre has received the message and will answer shortly. Urgent: police 112,
    # fire alarm and first aid 119": 稍后 and 急事 rather than 紧急, which KS X 1001 lacks.
    "zh": "120中心已收到信息，稍后回答。急事：警察112，火警·急救119。",
    "ja": "120番です。ご連絡を受け付けました。まもなく係の者が返信します。"
    "緊急時は警察112、消防、救急119へ。",
    "vi": "Tong dai 120 da nhan duoc tin nhan cua ban. Nhan vien se tra loi som qua so nay. "
    "Khan cap: canh sat 112, cuu hoa va cap cuu 119.",
    # "120: we got your message. An agent will write an answer to this number. If urgent:
    # police 112, fire, hospital 119."
    "mn": "120: Таны мессежийг авлаа. Ажилтан энэ дугаарт хариу бичнэ. "
    "Яаралтай бол: цагдаа 112, гал, эмнэлэг 119.",
}


# The same receipt outside agents' hours: the answer comes when they are back.
_AWAY_ACKNOWLEDGEMENTS: dict[str, str] = {
    "ko": "120 콜센터입니다. 메시지를 받았습니다. 지금은 상담 시간이 아니어서 상담원이 "
    "돌아오면 이 번호로 답장드립니다. 긴급 상황은 경찰 112, 화재·구급 119.",
    "en": "120 call centre: we have your message. Our agents are away now and will reply "
    "when back. Emergencies: police 112, fire and ambulance 119.",
    # "...has received the message. Not at work at present; will answer after work starts."
    "zh": "120中心已收到信息。目前不在工作中，上班后回答。急事：警察112，火警·急救119。",
    "ja": "120番です。ご連絡を受け付けました。ただ今は受付時間外のため、受付時間に返信します。"
    "緊急時は警察112、消防、救急119へ。",
    "vi": "Tong dai 120 da nhan duoc tin nhan cua ban. Hien ngoai gio lam viec, nhan vien se "
    "tra loi khi tro lai. Khan cap: canh sat 112, cuu hoa va cap cuu 119.",
    # "...Now is not working time; an agent will write an answer in working hours."
    "mn": "120: Таны мессежийг авлаа. Одоо ажлын цаг биш, ажилтан ажлын цагаар хариу бичнэ. "
    "Яаралтай бол: цагдаа 112, гал, эмнэлэг 119.",
}


def acknowledgement(language: str, *, staffed: bool = True) -> tuple[str, str]:
    """The first-contact acknowledgement as (Korean, the resident's language); `staffed=False`
    gives the variant for a text that arrives while no agent is at work."""
    code = get(language).code  # raises UnsupportedLanguageError for a code relay does not serve
    texts = _ACKNOWLEDGEMENTS if staffed else _AWAY_ACKNOWLEDGEMENTS
    return texts["ko"], texts[code]


# The receipt for a text in a language relay does not serve: English (the language such
# residents most often read) and Korean, since nothing tells which they read better; every
# character deliverable to a Korean handset.
_INTERPRETER_RECEIPT_EN = (
    "120 call centre: we received your message. We cannot translate your language "
    "automatically, so an agent will contact you with an interpreter. "
    "Emergency: police 112, fire or ambulance 119."
)
_INTERPRETER_RECEIPT_KO = (
    "120 콜센터: 메시지를 받았습니다. 자동 번역을 지원하지 않는 언어라 통역을 연결해 "
    "상담원이 연락드립니다. 긴급: 경찰 112, 화재·구급 119."
)


def interpreter_receipt() -> tuple[str, str]:
    """The receipt for a text in an unserved language as (Korean, what the resident reads:
    English then Korean)."""
    return _INTERPRETER_RECEIPT_KO, f"{_INTERPRETER_RECEIPT_EN}\n{_INTERPRETER_RECEIPT_KO}"


# The SMS that tells a resident a reply waits on their chat page, unread for a while. Held to
# the notices' rules: every character deliverable to a Korean handset, and it names the centre
# and its number so the resident can tell it from phishing.
_REPLY_WAITING: dict[str, str] = {
    "ko": "{name}(☎{number}): 새 답변이 기다리고 있습니다. 확인: {link}",
    "en": "{name} ({number}): a new reply is waiting for you: {link}",
    "zh": "{name}(☎{number})：有新的回答。全文在此：{link}",
    "ja": "{name}(☎{number})から新しい回答があります：{link}",
    "vi": "{name} ({number}): ban co cau tra loi moi. Xem tai: {link}",
    "mn": "{name} (☎{number}): шинэ хариу: {link}",  # "...: a new answer"
}


def reply_waiting(language: str, link: str, sender: Sender) -> str:
    """The "a new reply is waiting" SMS in the resident's language (Korean: what the agent
    sees); `link` is the reply link that opens the chat page."""
    template = _REPLY_WAITING[get(language).code]
    return template.format(link=link, name=sender.name, number=sender.number)
