"""The phrasebook: human-written answers an agent can send instead of a machine translation.

The 120 centres answer the same questions every day (opening hours, residence cards, rubbish bags,
emergency numbers). For those, a reviewed text in each resident language is better than anything an
engine produces, so agents search this book in Korean and the resident receives the human text.

The entries live in `entries.json` beside this module, reviewed like code. They are read
through `importlib.resources`, so the book works from an installed wheel as well as from a
checkout, and they are validated in full on first use: a broken file fails loudly with every
problem listed, rather than sending a resident an empty or half-translated answer.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from languages import registry

logger = logging.getLogger(__name__)

DATA_FILE = "entries.json"

# Korean first, as agents read it, then the resident languages in menu order.
LANGUAGE_ORDER: tuple[str, ...] = (
    registry.KOREAN.code,
    *(language.code for language in registry.RESIDENT_LANGUAGES),
)

_ID_PATTERN = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)+")
_ENTRY_KEYS = frozenset({"id", "topic", "keywords", "texts"})
_FILE_KEYS = frozenset({"description", "entries"})
_WHITESPACE = re.compile(r"\s+")

# Search ranks, best first. Agents type a keyword far more often than a phrase from the answer,
# so a keyword hit always outranks a hit in the text.
_RANK_KEYWORD_EXACT = 4
_RANK_KEYWORD_PREFIX = 3
_RANK_KEYWORD_INFIX = 2
_RANK_TEXT = 1
_RANK_ALL_WORDS = 0


class PhrasebookError(Exception):
    """Base class for phrasebook errors."""


class PhrasebookDataError(PhrasebookError, ValueError):
    """The phrasebook file is missing, not JSON, or breaks a rule; the message lists them all."""


class UnknownEntryError(PhrasebookError, LookupError):
    """No entry has the requested id."""


@dataclass(frozen=True)
class PhrasebookEntry:
    """One reviewed answer: a stable id, its topic, the Korean keywords agents search by, and
    the text in every supported language (read-only mapping from ISO 639-1 code to text)."""

    id: str
    topic: str
    keywords: tuple[str, ...]
    texts: Mapping[str, str] = field(hash=False)

    def text(self, language: str) -> str:
        """The text in `language`; UnsupportedLanguageError for a code relay does not serve."""
        return self.texts[registry.get(language).code]


@dataclass(frozen=True)
class _SearchKey:
    """An entry's keywords and Korean text, normalised once so each search is plain string work."""

    entry: PhrasebookEntry
    keywords: tuple[str, ...]
    korean: str


@dataclass(frozen=True)
class _Book:
    entries: tuple[PhrasebookEntry, ...]
    by_id: Mapping[str, PhrasebookEntry]
    search_keys: tuple[_SearchKey, ...]


def normalise(text: str) -> str:
    """The form search compares: NFC (macOS input methods may send decomposed Hangul), casefolded,
    with all whitespace removed, because agents space Korean compounds inconsistently
    ("운영 시간" and "운영시간" mean the same)."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFC", text)).casefold()


class Phrasebook:
    """The reviewed answers, loaded and validated once on first use.

    Build one per process (the app keeps it with its other services). `path` points at another
    JSON file in the same format; by default the file shipped inside this package is used.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self._path = Path(path) if path is not None else None
        self._lock = threading.Lock()
        self._book: _Book | None = None

    @classmethod
    def of(cls, entries: Sequence[PhrasebookEntry]) -> Phrasebook:
        """A book of these entries (as admins edited them) instead of a file's."""
        book = cls()
        book._book = _index(tuple(entries))
        return book

    def entries(self, topic: str | None = None) -> tuple[PhrasebookEntry, ...]:
        """All entries in file order, or only those of one topic."""
        entries = self._loaded().entries
        if topic is None:
            return entries
        return tuple(entry for entry in entries if entry.topic == topic)

    def topics(self) -> tuple[str, ...]:
        """The topics in the order they first appear in the file, for grouping a picker."""
        return tuple(dict.fromkeys(entry.topic for entry in self._loaded().entries))

    def get(self, entry_id: str) -> PhrasebookEntry:
        """The entry with this id, or UnknownEntryError."""
        try:
            return self._loaded().by_id[entry_id]
        except KeyError:
            raise UnknownEntryError(f"no phrasebook entry with id {entry_id!r}") from None

    def text(self, entry_id: str, language: str) -> str:
        """The reviewed text of one entry in one language."""
        return self.get(entry_id).text(language)

    def search(self, query: str, limit: int = 10) -> list[PhrasebookEntry]:
        """Entries matching a Korean query, best first, at most `limit`.

        Ranking: a keyword equal to the query, then a keyword starting with it, then a keyword
        containing it, then the Korean text containing it, then (for a query of several words)
        entries where every word is found in a keyword or the text. Whitespace is ignored when
        comparing. Ties keep file order, with the closest keyword first within keyword ranks.
        """
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        needle = normalise(query)
        if not needle:
            return []
        words = [normalise(word) for word in query.split()]
        scored: list[tuple[int, int, int, PhrasebookEntry]] = []
        for position, key in enumerate(self._loaded().search_keys):
            rank, closeness = _score(key, needle, words)
            if rank is not None:
                scored.append((-rank, closeness, position, key.entry))
        scored.sort(key=lambda item: item[:3])
        return [entry for *_, entry in scored[:limit]]

    def _loaded(self) -> _Book:
        with self._lock:
            if self._book is None:
                self._book = _build(_parse(self._read()))
                logger.debug("phrasebook loaded: %d entries", len(self._book.entries))
            return self._book

    def _read(self) -> str:
        where = str(self._path) if self._path is not None else f"{__name__}/{DATA_FILE}"
        try:
            if self._path is not None:
                return self._path.read_text(encoding="utf-8")
            return resources.files(__name__).joinpath(DATA_FILE).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise PhrasebookDataError(f"cannot read phrasebook {where}: {error}") from error


def _score(key: _SearchKey, needle: str, words: Sequence[str]) -> tuple[int | None, int]:
    """(rank, closeness) of one entry for a query; rank None means no match. Closeness is how
    many characters the best keyword has beyond the query, so "분실" prefers "분실물" to
    "분실물센터"."""
    exact = [kw for kw in key.keywords if kw == needle]
    if exact:
        return _RANK_KEYWORD_EXACT, 0
    for rank, hits in (
        (_RANK_KEYWORD_PREFIX, [kw for kw in key.keywords if kw.startswith(needle)]),
        (_RANK_KEYWORD_INFIX, [kw for kw in key.keywords if needle in kw]),
    ):
        if hits:
            return rank, min(len(kw) for kw in hits) - len(needle)
    if needle in key.korean:
        return _RANK_TEXT, 0
    if len(words) > 1 and all(
        word in key.korean or any(word in kw for kw in key.keywords) for word in words
    ):
        return _RANK_ALL_WORDS, 0
    return None, 0


def _parse(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        raise PhrasebookDataError(
            f"phrasebook is not valid JSON: {error.msg} at line {error.lineno}, "
            f"column {error.colno}"
        ) from error


def _build(document: Any) -> _Book:
    """Validate the whole document, then build the entries; every problem is reported at once so
    a reviewer fixes a broken file in one pass."""
    problems: list[str] = []
    raw_entries = _entry_list(document, problems)
    entries: list[PhrasebookEntry] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_entries):
        entry = _entry(index, raw, problems)
        if entry is None:
            continue
        if entry.id in seen:
            problems.append(
                f"entry {index} ({entry.id!r}): id already used by entry {seen[entry.id]}"
            )
            continue
        seen[entry.id] = index
        entries.append(entry)
    if not raw_entries and not problems:
        problems.append("the phrasebook has no entries")
    if problems:
        raise PhrasebookDataError("invalid phrasebook:\n  " + "\n  ".join(problems))
    return _index(tuple(entries))


def _index(entries: tuple[PhrasebookEntry, ...]) -> _Book:
    """The entries with what search compares, normalised once."""
    search_keys = tuple(
        _SearchKey(
            entry=entry,
            keywords=tuple(normalise(keyword) for keyword in entry.keywords),
            korean=normalise(entry.texts[registry.KOREAN.code]),
        )
        for entry in entries
    )
    return _Book(
        entries=entries,
        by_id=MappingProxyType({entry.id: entry for entry in entries}),
        search_keys=search_keys,
    )


def _entry_list(document: Any, problems: list[str]) -> list[Any]:
    if not isinstance(document, dict):
        problems.append('the file must hold a JSON object with an "entries" list')
        return []
    unknown = sorted(set(document) - _FILE_KEYS)
    if unknown:
        problems.append(f"unknown top-level keys: {', '.join(unknown)}")
    raw_entries = document.get("entries")
    if not isinstance(raw_entries, list):
        problems.append('"entries" must be a list')
        return []
    return raw_entries


def _entry(index: int, raw: Any, problems: list[str]) -> PhrasebookEntry | None:
    """One validated entry, or None after appending what is wrong with it to `problems`."""
    if not isinstance(raw, dict):
        problems.append(f"entry {index}: must be a JSON object")
        return None
    entry_id = raw.get("id")
    label = f"entry {index} ({entry_id!r})" if isinstance(entry_id, str) else f"entry {index}"
    found: list[str] = []
    missing = sorted(_ENTRY_KEYS - set(raw))
    if missing:
        found.append(f"missing keys: {', '.join(missing)}")
    unknown = sorted(set(raw) - _ENTRY_KEYS)
    if unknown:
        found.append(f"unknown keys: {', '.join(unknown)}")
    if "id" in raw and not (isinstance(entry_id, str) and _ID_PATTERN.fullmatch(entry_id)):
        found.append('id must look like "topic.name" (lowercase letters, digits, _ and dots)')
    topic = raw.get("topic")
    if "topic" in raw and not (isinstance(topic, str) and topic.strip()):
        found.append("topic must be a non-empty string")
    keywords = raw.get("keywords")
    if "keywords" in raw:
        found.extend(_keyword_problems(keywords))
    texts = raw.get("texts")
    if "texts" in raw:
        found.extend(_text_problems(texts))
    if found:
        problems.extend(f"{label}: {problem}" for problem in found)
        return None
    assert isinstance(entry_id, str) and isinstance(topic, str)  # checked above; narrows types
    assert isinstance(keywords, list) and isinstance(texts, dict)
    return PhrasebookEntry(
        id=entry_id,
        topic=topic,
        keywords=tuple(keywords),
        texts=MappingProxyType({code: texts[code] for code in LANGUAGE_ORDER}),
    )


def _keyword_problems(keywords: Any) -> list[str]:
    if not isinstance(keywords, list) or not keywords:
        return ["keywords must be a non-empty list of strings"]
    if not all(isinstance(keyword, str) and normalise(keyword) for keyword in keywords):
        return ["every keyword must be a non-empty string"]
    return []


def _text_problems(texts: Any) -> list[str]:
    if not isinstance(texts, dict):
        return ["texts must be an object from language code to text"]
    found: list[str] = []
    missing = [code for code in LANGUAGE_ORDER if code not in texts]
    if missing:
        found.append(f"texts missing languages: {', '.join(missing)}")
    unknown = sorted(code for code in texts if code not in registry.SUPPORTED_CODES)
    if unknown:
        found.append(f"texts in unsupported languages: {', '.join(map(str, unknown))}")
    for code in LANGUAGE_ORDER:
        value = texts.get(code)
        if code not in texts:
            continue
        if not isinstance(value, str) or not value.strip():
            found.append(f"text in {code!r} is empty")
        elif value != value.strip():
            found.append(f"text in {code!r} has leading or trailing whitespace")
    return found
