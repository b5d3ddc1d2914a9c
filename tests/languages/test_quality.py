"""The shipped per-pair quality notes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from languages.quality import QualityNotes, QualityUnknownError, engine_family, quality_for

RESIDENT = ("en", "zh", "ja", "vi", "mn")


@pytest.mark.parametrize("language", RESIDENT)
def test_every_resident_language_has_notes_both_ways(language: str) -> None:
    for source, target in ((language, "ko"), ("ko", language)):
        note = quality_for(source, target)
        assert (note.source, note.target) == (source, target)
        assert note.level in ("good", "fair", "weak")
        assert note.note_en and note.note_ko
        assert re.search("[가-힣]", note.note_ko)
        assert not re.search("[가-힣]", note.note_en)


def test_default_routes_match_the_engines() -> None:
    for language in ("en", "zh", "ja"):
        assert quality_for(language, "ko").engine == "argos"
    for language in ("vi", "mn"):
        assert quality_for(language, "ko").engine == "m2m100"


def test_chinese_and_japanese_pivot_through_english_with_argos() -> None:
    for pair in (("zh", "ko"), ("ko", "zh"), ("ja", "ko"), ("ko", "ja")):
        note = quality_for(*pair)
        assert (note.pivot, note.pivoted, note.level) == ("en", True, "weak")
        assert "English" in note.note_en and "영어" in note.note_ko
    assert not quality_for("en", "ko").pivoted


def test_mongolian_is_weak_and_suggests_an_interpreter() -> None:
    for pair in (("mn", "ko"), ("ko", "mn")):
        note = quality_for(*pair)
        assert note.level == "weak" and note.suggest_interpreter
        assert "M2M-100" in note.note_en
    assert not quality_for("vi", "ko").suggest_interpreter


def test_notes_per_engine_family() -> None:
    assert engine_family("m2m100_418m") == "m2m100"
    assert engine_family("Argos") == "argos"
    direct = quality_for("zh", "ko", engine="m2m100_418m")
    assert (direct.engine, direct.pivot) == ("m2m100", None)
    assert quality_for("zh", "ko", engine="argos").pivot == "en"


def test_unknown_pairs_say_so() -> None:
    with pytest.raises(QualityUnknownError, match="vi→ko"):
        quality_for("vi", "ko", engine="argos")
    with pytest.raises(QualityUnknownError):
        quality_for("en", "zh")


def test_a_bad_level_in_the_data_fails_loudly(tmp_path: Path) -> None:
    path = tmp_path / "quality.json"
    path.write_text(
        '{"pairs": [{"source": "en", "target": "ko", "engine": "argos", "pivot": null,'
        ' "level": "great", "note_en": "x", "note_ko": "엑스"}]}',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="great"):
        QualityNotes.from_json(path)
