"""Tests for the phrasebook: the shipped data is complete and in the right scripts, search ranks
the way agents expect, and a broken data file is refused with every problem named."""

from __future__ import annotations

import dataclasses
import json
import re
import threading
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from languages.phrasebook import (
    LANGUAGE_ORDER,
    Phrasebook,
    PhrasebookDataError,
    PhrasebookEntry,
    UnknownEntryError,
)
from languages.registry import SUPPORTED_CODES, UnsupportedLanguageError

# Characters that exist only in traditional Chinese; each has a different simplified form.
TRADITIONAL_ONLY = set(
    "們這說為與會處關請電話號碼區辦證時間務護錢銀對學習國際語應還發見聽當來個實現問題"
    "傳轉記錄種類費給預約"
)
VIETNAMESE_LETTERS = re.compile(
    "[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]",
    re.IGNORECASE,
)
WEB_ADDRESS = re.compile(r"(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:kr|com|org|net)\b")


@pytest.fixture(scope="module")
def book() -> Phrasebook:
    return Phrasebook()


@pytest.fixture(scope="module")
def entries(book: Phrasebook) -> tuple[PhrasebookEntry, ...]:
    return book.entries()


def _letters(text: str, script: str) -> tuple[int, int]:
    """(letters of `script`, all letters) in a text, web addresses left out."""
    letters = [c for c in WEB_ADDRESS.sub("", text) if c.isalpha()]
    return sum(unicodedata.name(c, "").startswith(script) for c in letters), len(letters)


def _entry(entry_id: str = "topic.one", **overrides: Any) -> dict[str, Any]:
    texts = {
        "ko": "운영시간은 평일입니다.",
        "en": "Weekdays.",
        "zh": "工作日。",
        "ja": "平日です。",
        "vi": "Ngày thường.",
        "mn": "Ажлын өдөр.",
    }
    raw: dict[str, Any] = {
        "id": entry_id,
        "topic": "topic",
        "keywords": ["키워드"],
        "texts": texts,
    }
    raw.update(overrides)
    return raw


def _write(tmp_path: Path, document: Any) -> Path:
    path = tmp_path / "entries.json"
    text = document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- the shipped data


def test_packaged_phrasebook_has_at_least_45_entries_with_unique_ids(
    entries: tuple[PhrasebookEntry, ...],
) -> None:
    assert len(entries) >= 45
    assert len({entry.id for entry in entries}) == len(entries)


def test_every_entry_has_all_six_languages_non_empty(
    entries: tuple[PhrasebookEntry, ...],
) -> None:
    assert set(LANGUAGE_ORDER) == SUPPORTED_CODES
    for entry in entries:
        assert tuple(entry.texts) == LANGUAGE_ORDER, entry.id
        assert all(text.strip() for text in entry.texts.values()), entry.id
        assert entry.keywords and entry.topic, entry.id


def test_each_language_is_written_in_its_own_script(
    entries: tuple[PhrasebookEntry, ...],
) -> None:
    wrong: list[str] = []
    for entry in entries:
        texts = entry.texts
        hangul, letters = _letters(texts["ko"], "HANGUL")
        if hangul < letters * 0.7:
            wrong.append(f"{entry.id} ko: mostly not Hangul")
        latin, letters = _letters(texts["en"], "LATIN")
        if latin < letters * 0.9:
            wrong.append(f"{entry.id} en: mostly not Latin")
        zh = texts["zh"]
        if not re.search(r"[\u4e00-\u9fff]", zh) or re.search(r"[\u3040-\u30ff\uac00-\ud7a3]", zh):
            wrong.append(f"{entry.id} zh: needs Chinese characters and no kana or Hangul")
        if TRADITIONAL_ONLY & set(zh):
            wrong.append(f"{entry.id} zh: traditional characters {TRADITIONAL_ONLY & set(zh)}")
        if not re.search(r"[\u3040-\u30ff]", texts["ja"]):
            wrong.append(f"{entry.id} ja: no kana")
        if not VIETNAMESE_LETTERS.search(texts["vi"]):
            wrong.append(f"{entry.id} vi: no Vietnamese diacritics")
        cyrillic, letters = _letters(texts["mn"], "CYRILLIC")
        if cyrillic < letters * 0.75:
            wrong.append(f"{entry.id} mn: mostly not Cyrillic")
    assert wrong == []


def test_mongolian_uses_its_own_letters_not_russian_spelling(
    entries: tuple[PhrasebookEntry, ...],
) -> None:
    mongolian = "".join(entry.texts["mn"] for entry in entries)
    assert "ө" in mongolian
    assert "ү" in mongolian


def test_numbers_agree_across_languages(entries: tuple[PhrasebookEntry, ...]) -> None:
    """Phone numbers, days and times are the facts most easily garbled by hand-copying."""
    disagreements: list[str] = []
    for entry in entries:
        korean = set(re.findall(r"\d+", entry.texts["ko"]))
        for code, text in entry.texts.items():
            numbers = set(re.findall(r"\d+", text))
            if numbers != korean:
                disagreements.append(f"{entry.id} {code}: {sorted(numbers)} != ko {sorted(korean)}")
    assert disagreements == []


def test_answers_are_one_to_three_sentences(entries: tuple[PhrasebookEntry, ...]) -> None:
    too_long: list[str] = []
    for entry in entries:
        for code, text in entry.texts.items():
            if code in ("zh", "ja"):
                sentences = len(re.findall(r"[。！？]", text))
            else:
                sentences = len(re.findall(r"[.!?](?=\s|$)", text))
            if not 1 <= sentences <= 3:
                too_long.append(f"{entry.id} {code}: {sentences} sentences")
    assert too_long == []


def test_korean_answers_use_polite_endings(entries: tuple[PhrasebookEntry, ...]) -> None:
    casual: list[str] = []
    for entry in entries:
        for sentence in re.split(r"(?<=[.?!])\s+", entry.texts["ko"]):
            if not re.search(r"(니다|요|니까)[.?!]$", sentence):
                casual.append(f"{entry.id}: {sentence}")
    assert casual == []


# ---------------------------------------------------------------- lookup


def test_get_and_text_return_the_reviewed_text(book: Phrasebook) -> None:
    entry = book.get("emergency.numbers")
    assert entry.topic == "emergency"
    assert "112" in book.text("emergency.numbers", "en")
    assert book.text("emergency.numbers", "mn") == entry.texts["mn"]
    assert entry.text("vi") == entry.texts["vi"]


def test_unknown_id_raises_a_lookup_error_naming_it(book: Phrasebook) -> None:
    with pytest.raises(UnknownEntryError, match=r"no\.such") as caught:
        book.get("no.such")
    assert isinstance(caught.value, LookupError)
    with pytest.raises(UnknownEntryError):
        book.text("no.such", "en")


def test_unsupported_language_is_refused(book: Phrasebook) -> None:
    with pytest.raises(UnsupportedLanguageError):
        book.text("emergency.numbers", "fr")


def test_entries_cannot_be_changed(book: Phrasebook) -> None:
    entry = book.get("courtesy.greeting")
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.topic = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        entry.texts["en"] = "changed"  # type: ignore[index]
    assert hash(entry) == hash(book.get("courtesy.greeting"))


def test_entries_filter_by_topic_and_topics_keep_file_order(book: Phrasebook) -> None:
    housing = book.entries("housing")
    assert housing and all(entry.topic == "housing" for entry in housing)
    topics = book.topics()
    assert topics[0] == book.entries()[0].topic
    assert len(topics) == len(set(topics))
    assert book.entries("no-such-topic") == ()


# ---------------------------------------------------------------- search


def test_search_ranks_exact_keyword_then_prefix_then_text(tmp_path: Path) -> None:
    """File order is the reverse of the expected ranking, so only the ranking can pass this."""
    path = _write(
        tmp_path,
        {
            "entries": [
                _entry(
                    "t.text",
                    keywords=["다른말"],
                    texts={**_entry()["texts"], "ko": "분실 안내입니다."},
                ),
                _entry("t.infix", keywords=["택시분실"]),
                _entry("t.prefix_long", keywords=["분실물센터"]),
                _entry("t.prefix", keywords=["분실물"]),
                _entry("t.exact", keywords=["기타", "분실"]),
                _entry("t.none", keywords=["무관"]),
            ]
        },
    )
    found = [entry.id for entry in Phrasebook(path).search("분실")]
    assert found == ["t.exact", "t.prefix", "t.prefix_long", "t.infix", "t.text"]


def test_search_is_whitespace_and_case_insensitive(book: Phrasebook) -> None:
    spaced = book.search("운영 시간")
    assert spaced[0].id == "centre.hours"
    assert book.search("운영시간")[0] == spaced[0]
    assert book.search("  등록증\t분실 ")[0].id == "residence.lost_card"
    assert book.search("arc")[0].id == book.search("ARC")[0].id == "residence.registration"


def test_search_accepts_decomposed_hangul(book: Phrasebook) -> None:
    decomposed = unicodedata.normalize("NFD", "운영시간")
    assert decomposed != "운영시간"
    assert book.search(decomposed)[0].id == "centre.hours"


def test_search_real_examples(book: Phrasebook) -> None:
    ids = [entry.id for entry in book.search("분실")]
    assert ids[0] == "residence.lost_card"  # keyword "분실"
    assert ids[1] == "lost_and_found.transit"  # keyword "분실물" (prefix)
    assert "lost_and_found.taxi" in ids  # keyword "택시 분실" (contains)

    ids = [entry.id for entry in book.search("체류지")]
    assert ids[0] == "residence.address_change"  # keyword prefix beats...
    assert "housing.protect_deposit" in ids  # ...a mention in the text

    ids = [entry.id for entry in book.search("1345")]
    assert ids[0] == "immigration.contact_centre"
    assert "interpretation.where" in ids

    assert book.search("종량제 봉투")[0].id == "waste.bags"
    assert book.search("외국인 분실")[0].id == "residence.lost_card"  # every word found


def test_search_limit_and_empty_queries(book: Phrasebook) -> None:
    assert len(book.search("보증금", limit=2)) == 2
    assert len(book.search("보증금")) > 2
    assert book.search("   ") == []
    assert book.search("존재하지않는검색어") == []
    with pytest.raises(ValueError, match="limit"):
        book.search("보증금", limit=0)


# ---------------------------------------------------------------- loading and validation


def test_loading_is_lazy_and_happens_once(tmp_path: Path) -> None:
    missing = Phrasebook(tmp_path / "absent.json")  # constructing never touches the file
    with pytest.raises(PhrasebookDataError, match="cannot read"):
        missing.entries()

    path = _write(tmp_path, {"entries": [_entry()]})
    book = Phrasebook(path)
    first = book.entries()
    path.unlink()
    assert book.entries() is first
    assert book.get("topic.one").keywords == ("키워드",)


def test_concurrent_first_use_loads_one_book(tmp_path: Path) -> None:
    book = Phrasebook(_write(tmp_path, {"entries": [_entry()]}))
    seen: list[tuple[PhrasebookEntry, ...]] = []
    threads = [threading.Thread(target=lambda: seen.append(book.entries())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 8
    assert all(result is seen[0] for result in seen)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "not valid JSON"),
        ([], "JSON object"),
        ({"entries": []}, "no entries"),
        ({"entries": [_entry(), _entry()]}, "id already used by entry 0"),
        ({"entries": [_entry(texts={**_entry()["texts"], "mn": "  "})]}, "text in 'mn' is empty"),
        (
            {"entries": [_entry(texts={k: v for k, v in _entry()["texts"].items() if k != "vi"})]},
            "missing languages: vi",
        ),
        (
            {"entries": [_entry(texts={**_entry()["texts"], "fr": "Oui."})]},
            "unsupported languages: fr",
        ),
        ({"entries": [_entry(texts={**_entry()["texts"], "en": "Hi. "})]}, "trailing whitespace"),
        ({"entries": [_entry("Bad Id")]}, "topic.name"),
        ({"entries": [_entry(keywords=[])]}, "keywords must be a non-empty list"),
        ({"entries": [_entry(keywords=["좋음", " "])]}, "every keyword"),
        ({"entries": [_entry(keyword=["오타"])]}, "unknown keys: keyword"),
        ({"entries": [{"id": "topic.one"}]}, "missing keys: keywords, texts, topic"),
        ({"entries": [_entry()], "extra": 1}, "unknown top-level keys: extra"),
    ],
)
def test_broken_files_are_refused_with_a_clear_message(
    tmp_path: Path, document: Any, message: str
) -> None:
    book = Phrasebook(_write(tmp_path, document))
    with pytest.raises(PhrasebookDataError, match=re.escape(message)):
        book.entries()


def test_every_problem_in_a_file_is_reported_at_once(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        {
            "entries": [
                _entry("a.one", texts={**_entry()["texts"], "ja": ""}),
                _entry("a.two"),
                _entry("a.three", topic=""),
            ]
        },
    )
    with pytest.raises(PhrasebookDataError) as caught:
        Phrasebook(path).entries()
    message = str(caught.value)
    assert "entry 0 ('a.one'): text in 'ja' is empty" in message
    assert "entry 2 ('a.three'): topic must be a non-empty string" in message
    assert "a.two" not in message
