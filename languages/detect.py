"""Text language identification, restricted to the six languages relay serves.

Residents text in English, Chinese, Japanese, Vietnamese or Mongolian, sometimes in Korean, and
often mix in a Korean term, a link or an emoji. The script alone settles most messages cheaply and
with certainty (Hangul is Korean, kana is Japanese, ө/ү are Mongolian); lingua decides the rest
(English against Vietnamese, Chinese against Japanese written in kanji only, Mongolian against
Russian). Russian is a distractor only: a Russian message is reported as "not a language relay
serves" instead of being mistaken for Mongolian, which shares the alphabet. A Cyrillic text is
Mongolian only when all its letters are in the Mongolian alphabet (Russian's plus ө and ү) and
lingua ranks Mongolian first: Kazakh, Kyrgyz and Uzbek, which lingua cannot tell (it has no
Kyrgyz or Uzbek model) and often called Mongolian, are named by their own letters and sent to
an interpreter. Uzbek in Latin letters is recognised by oʻ/gʻ and its commonest words.

Lingua loads a language's models on first need. Measured on 2 cores: building the detector is
instant, the first Latin-script text costs ~0.6 s (English and Vietnamese models), the first
Russian-looking text ~0.45 s; with every model preloaded the build takes ~0.8 s and ~100 MB. After
that a 5,000-character text takes ~3 ms. `preload=True` suits a worker that detects all day;
the default keeps a web process that rarely detects small.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from lingua import Language as LinguaLanguage
from lingua import LanguageDetector as LinguaDetector
from lingua import LanguageDetectorBuilder

from languages.registry import RESIDENT_CODES
from languages.unaccented import looks_like_unaccented_vietnamese

log = logging.getLogger(__name__)

_LINGUA_CODES: dict[LinguaLanguage, str | None] = {
    LinguaLanguage.ENGLISH: "en",
    LinguaLanguage.CHINESE: "zh",
    LinguaLanguage.JAPANESE: "ja",
    LinguaLanguage.VIETNAMESE: "vi",
    LinguaLanguage.MONGOLIAN: "mn",
    LinguaLanguage.KOREAN: "ko",
    # Distractors: languages relay does not serve but that share a script with one it does.
    # Without them a German or Tagalog message would be "English" and get machine gibberish;
    # with them it goes to a human interpreter. Russian, Kazakh and Ukrainian keep Cyrillic
    # texts from passing as Mongolian; the Latin ones are those foreign residents of Korea and
    # visitors most often write besides English and Vietnamese.
    LinguaLanguage.RUSSIAN: None,
    LinguaLanguage.KAZAKH: None,
    LinguaLanguage.UKRAINIAN: None,
    LinguaLanguage.TAGALOG: None,
    LinguaLanguage.INDONESIAN: None,
    LinguaLanguage.MALAY: None,
    LinguaLanguage.TURKISH: None,
    LinguaLanguage.GERMAN: None,
    LinguaLanguage.FRENCH: None,
    LinguaLanguage.SPANISH: None,
    LinguaLanguage.PORTUGUESE: None,
    LinguaLanguage.ITALIAN: None,
}

#: Below this many words a text is too short to tell a distractor from a served language
#: ("ok", "Thank you"), so only served languages compete.
MIN_WORDS_FOR_DISTRACTORS = 3
#: How sure lingua must be of an unserved language before a message goes to an interpreter;
#: below it, residents' unaccented Vietnamese or terse English still reach translation.
DISTRACTOR_CERTAINTY = 0.6

#: Vietnamese recognised by word shapes rather than by lingua (languages/unaccented.py): sure
#: enough to route and translate, reported below 1.0 because it is a rule, not a model.
UNACCENTED_VIETNAMESE_PROBABILITY = 0.8
UNACCENTED_REASON = "Vietnamese written without diacritics"

#: Longer texts are cut here before detection; the language is settled long before.
MAX_DETECTION_CHARS = 20_000

_LINK = re.compile(
    r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|kr|io)\b\S*",
    re.IGNORECASE,
)
_MONGOLIAN_ONLY = frozenset("өүӨҮ")
#: Mongolian Cyrillic: the Russian alphabet (а-я and ё, ъ ы ь э included) plus ө and ү; any
#: other Cyrillic letter means the text is not Mongolian. Mongolians on a Russian keyboard
#: sometimes type Ukrainian є/ї for ө/ү; such texts go to an interpreter, not to a guess.
MONGOLIAN_ALPHABET = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюяөү")
#: The letters outside Mongolian's alphabet that each language writes; a text is named after
#: the smallest set holding all its foreign letters (ў қ: Uzbek; і қ: Kazakh; ң: Kyrgyz).
_CYRILLIC_LETTERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("Kyrgyz", frozenset("ң")),
    ("Belarusian", frozenset("іў")),
    ("Uzbek", frozenset("ўқғҳ")),
    ("Ukrainian", frozenset("іїєґ")),
    ("Kazakh", frozenset("әғқңұһі")),
    ("Serbian or Macedonian", frozenset("ђјљњћџѓќѕ")),
)
#: How sure lingua must be that a text of Mongolian letters is Mongolian: short Russian and
#: Kyrgyz texts fit the alphabet too, and lingua has no Kyrgyz model (it says Kazakh).
MONGOLIAN_AGREEMENT = 0.5
#: Uzbek written in Latin letters, which lingua does not know (it says English or Malay):
#: oʻ and gʻ with any apostrophe, and words no English or Vietnamese text uses.
_UZBEK_LETTERS = re.compile(r"[og][ʻʼ'‘’`][a-z]", re.IGNORECASE)
_UZBEK_WORDS = frozenset(
    [
        "rahmat",
        "assalomu",
        "alaykum",
        "salom",
        "yordam",
        "bering",
        "uchun",
        "bilan",
        "qanday",
        "qayerda",
        "nima",
        "kerak",
        "emas",
        "iltimos",
        "katta",
        "mening",
        "sizning",
        "menga",
        "sizga",
        "qildim",
    ]
)


@dataclass(frozen=True)
class Detection:
    """The language of a text, or None with the reason it could not be told.

    `probability` is 1.0 when the script settles the language, else lingua's confidence for the
    part of the text written in the dominant script. `alternatives` lists the runners-up lingua
    considered, so an agent can see "vi 0.54 / en 0.46" for a short, diacritic-free message.
    """

    language: str | None
    probability: float
    reason: str
    alternatives: tuple[tuple[str, float], ...] = ()
    # True when the text says nothing either way (no words, or lingua could not decide), as
    # opposed to a text that is clearly in a language relay does not serve.
    undecided: bool = False

    @property
    def is_resident(self) -> bool:
        """True for the five languages residents use (Korean is the agents' language)."""
        return self.language in RESIDENT_CODES


@dataclass(frozen=True)
class _ScriptCounts:
    """Weighted evidence per script group; CJK characters count half a word each."""

    weights: dict[str, float]
    words: dict[str, list[str]]
    kana: int
    han: int
    other_script: str | None


class LanguageDetector:
    """Detects which of relay's languages a text is in; safe to share between threads."""

    def __init__(self, *, preload: bool = False) -> None:
        self._preload = preload
        self._lock = threading.Lock()
        self._lingua: LinguaDetector | None = None

    def warm(self) -> None:
        """Build lingua now (and load every model if preloading) instead of on first use."""
        self._detector()

    def _detector(self) -> LinguaDetector:
        with self._lock:
            if self._lingua is None:
                builder = LanguageDetectorBuilder.from_languages(*_LINGUA_CODES)
                if self._preload:
                    builder = builder.with_preloaded_language_models()
                self._lingua = builder.build()
                log.debug("lingua detector built (preload=%s)", self._preload)
            return self._lingua

    def detect(self, text: str) -> Detection:
        """Identify the language of `text` among en, zh, ja, vi, mn and ko."""
        cleaned = unicodedata.normalize("NFC", _LINK.sub(" ", text[:MAX_DETECTION_CHARS]))
        counts = _count_scripts(cleaned)
        if not counts.weights:
            if counts.other_script:
                return Detection(None, 0.0, f"written in {counts.other_script} script, not served")
            reason = "empty text" if not text.strip() else "no words: only digits, symbols or links"
            return Detection(None, 0.0, reason, undecided=True)
        group = max(counts.weights, key=lambda name: (counts.weights[name], name != "hangul"))
        mixed = len(counts.weights) > 1
        suffix = " (mixed scripts; dominant one used)" if mixed else ""
        if group == "hangul":
            return Detection("ko", 1.0, "Hangul script" + suffix)
        if group == "cjk":
            return self._detect_cjk(counts, suffix)
        words = " ".join(counts.words[group])
        if group == "cyrillic":
            return self._detect_cyrillic(words, suffix)
        if group == "latin" and _looks_like_uzbek(cleaned, words):
            return Detection(None, 0.0, "looks like Uzbek (Latin letters), not served" + suffix)
        if group == "latin" and looks_like_unaccented_vietnamese(words):
            return Detection("vi", UNACCENTED_VIETNAMESE_PROBABILITY, UNACCENTED_REASON + suffix)
        return self._ask_lingua(words, suffix)

    def _detect_cjk(self, counts: _ScriptCounts, suffix: str) -> Detection:
        if counts.kana and counts.kana >= 0.1 * (counts.kana + counts.han):
            return Detection("ja", 1.0, "kana present" + suffix)
        text = "".join(counts.words["cjk"])
        japanese, chinese = _han_evidence(text)
        # Lingua calls every kana-less Han text Chinese; character forms that exist only in
        # Japanese (録, 駅, 売) or only in simplified Chinese (们, 这, 证) say more.
        if japanese and not chinese:
            return Detection("ja", 0.9, "Japanese-only kanji forms" + suffix)
        if chinese and not japanese:
            return Detection("zh", 0.9, "Chinese-only character forms" + suffix)
        return self._ask_lingua(text, suffix)

    def _detect_cyrillic(self, text: str, suffix: str) -> Detection:
        """Mongolian only when every letter is in its alphabet and lingua agrees.

        Kazakh, Kyrgyz and Uzbek share ө/ү or most of the alphabet, and lingua (with no Kyrgyz
        or Uzbek model) called them Mongolian with high confidence; short Russian texts fared
        no better once only served languages competed. Letters Mongolian does not use settle
        it at once; otherwise lingua must rank Mongolian first among the Cyrillic languages.
        """
        letters = {char for char in text.casefold() if char.isalpha()}
        foreign = letters - MONGOLIAN_ALPHABET
        if foreign:
            name = _cyrillic_language(foreign)
            shown = " ".join(sorted(foreign))
            return Detection(
                None, 0.0, f"looks like {name} (letters {shown}), which relay does not serve"
            )
        values = self._detector().compute_language_confidence_values(text)
        top = values[0] if values else None
        if top is None or _LINGUA_CODES[top.language] != "mn" or top.value < MONGOLIAN_AGREEMENT:
            name = top.language.name.title() if top is not None else "not Mongolian"
            return Detection(
                None,
                0.0,
                f"Cyrillic that lingua does not take for Mongolian (looks like {name}), "
                "which relay does not serve" + suffix,
            )
        why = "Mongolian letters ө/ү and lingua agree" if letters & _MONGOLIAN_ONLY else "lingua"
        alternatives = tuple(
            (v.language.name.lower(), round(v.value, 4)) for v in values[1:3] if v.value > 0.0
        )
        return Detection("mn", round(top.value, 4), why + suffix, alternatives)

    def _ask_lingua(self, text: str, suffix: str) -> Detection:
        values = self._detector().compute_language_confidence_values(text)
        served = [(_LINGUA_CODES[v.language], v.value) for v in values if _LINGUA_CODES[v.language]]
        unserved = [(v.language, v.value) for v in values if _LINGUA_CODES[v.language] is None]
        best_served = served[0][1] if served else 0.0
        unserved_mass = sum(value for _, value in unserved)
        if (
            len(text.split()) >= MIN_WORDS_FOR_DISTRACTORS
            and unserved
            and (
                unserved[0][1] >= DISTRACTOR_CERTAINTY
                or (unserved_mass >= DISTRACTOR_CERTAINTY and best_served < 0.05)
            )
        ):
            name = unserved[0][0].name.title()
            return Detection(None, 0.0, f"looks like {name}, which relay does not serve" + suffix)
        total = sum(value for _, value in served)
        if not served or total <= 0.0:
            return Detection(None, 0.0, "lingua could not decide" + suffix, undecided=True)
        # Reported as a probability among the languages relay serves; when an unserved
        # language scored higher, the reason says so, so the agent can ask.
        ranked = [(code, value / total) for code, value in served]
        if len(text.split()) < MIN_WORDS_FOR_DISTRACTORS:
            # Short texts compete among served languages only; the share among them would
            # say 1.0 for "Спасибо" as Mongolian. Report lingua's own confidence instead.
            ranked = list(served)
        best, probability = ranked[0]
        note = ""
        if unserved and unserved[0][1] > best_served:
            note = f"; could also be {unserved[0][0].name.title()}"
        alternatives = tuple((str(code), round(p, 4)) for code, p in ranked[1:3] if p > 0.0)
        return Detection(str(best), round(probability, 4), "lingua" + note + suffix, alternatives)


def _looks_like_uzbek(text: str, words: str) -> bool:
    """Uzbek in Latin letters: an oʻ/gʻ in the text, or two words only Uzbek uses among its
    Latin words (one, when it is the only word)."""
    if _UZBEK_LETTERS.search(text):
        return True
    folded = words.casefold().split()
    hits = sum(1 for word in folded if word in _UZBEK_WORDS)
    return hits >= 2 or (hits == 1 and len(folded) == 1)


def _cyrillic_language(foreign: set[str]) -> str:
    """The language whose own letters explain all of `foreign`, else the one sharing most."""
    holding = [(len(marks), name) for name, marks in _CYRILLIC_LETTERS if foreign <= marks]
    if holding:
        return min(holding)[1]
    name, marks = max(_CYRILLIC_LETTERS, key=lambda item: len(foreign & item[1]))
    return name if foreign & marks else "a Cyrillic language"


def _script_of(char: str) -> str | None:
    """The script group of one letter, or None for a letter of an unserved script."""
    code = ord(char)
    if 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
        return "hangul"
    if 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9D:
        return "kana"
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF:
        return "han"
    if 0x20000 <= code <= 0x3FFFF:
        return "han"
    if 0x0400 <= code <= 0x04FF:
        return "cyrillic"
    if code < 0x0250 or 0x1E00 <= code <= 0x1EFF or 0xFF21 <= code <= 0xFF5A:
        return "latin"
    return None


def _runs(text: str) -> Iterable[tuple[str, str]]:
    """Maximal runs of letters of one script, as (script, run); unserved scripts as "other:Name"."""
    current: str | None = None
    run: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if category[0] == "M" and current is not None:
            run.append(char)  # a combining tone mark stays with its letter
            continue
        script: str | None = None
        if category[0] == "L":
            script = _script_of(char) or "other:" + unicodedata.name(char, "?").split()[0].title()
        if script != current:
            if current is not None and run:
                yield current, "".join(run)
            current, run = script, []
        if script is not None:
            run.append(char)
    if current is not None and run:
        yield current, "".join(run)


def _count_scripts(text: str) -> _ScriptCounts:
    weights: dict[str, float] = {}
    words: dict[str, list[str]] = {}
    kana = han = 0
    other: dict[str, int] = {}
    for script, run in _runs(text):
        if script.startswith("other:"):
            other[script[6:]] = other.get(script[6:], 0) + 1
            continue
        group = "cjk" if script in ("kana", "han") else script
        if script == "kana":
            kana += len(run)
        elif script == "han":
            han += len(run)
        weight = max(1.0, len(run) / 2) if group == "cjk" else 1.0
        weights[group] = weights.get(group, 0.0) + weight
        words.setdefault(group, []).append(run)
    other_script = max(other, key=lambda name: other[name]) if other else None
    if other_script and other[other_script] > sum(weights.values()):
        weights, words = {}, {}
    return _ScriptCounts(weights, words, kana, han, other_script)


def _encodable(char: str, encoding: str) -> bool:
    try:
        char.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _han_evidence(text: str) -> tuple[int, int]:
    """Counts of characters only Japanese writes and of characters only Chinese writes."""
    japanese = chinese = 0
    for char in set(text):
        if _script_of(char) != "han":
            continue
        in_jis = _encodable(char, "shift_jis")
        in_chinese = _encodable(char, "gb2312") or _encodable(char, "big5")
        if in_jis and not in_chinese:
            japanese += 1
        elif in_chinese and not in_jis:
            chinese += 1
    return japanese, chinese
