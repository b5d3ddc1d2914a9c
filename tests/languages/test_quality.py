"""The shipped per-pair quality notes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from languages.quality import (
    QualityNotes,
    QualityUnknownError,
    engine_family,
    measured_quality,
    quality_for,
    quality_of_route,
)
from languages.routes import RouteScore, RouteScores

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


def _score(engine: str, pivot: str | None, chrf: float, numbers_kept: int = 10) -> RouteScore:
    return RouteScore(
        source="zh",
        target="ko",
        engine=engine,
        model="",
        pivot=pivot,
        sentences=52,
        chrf=chrf,
        bleu=chrf / 3,
        numbers_total=10,
        numbers_kept=numbers_kept,
        placeholders_total=4,
        placeholders_kept=4,
        ms_per_sentence=420.0,
    )


def test_measured_scores_replace_the_reviewed_note_for_the_route_in_use() -> None:
    scores = RouteScores(
        "2026-11-29T23:00:00+00:00",
        "civic_test_set.tsv",
        (_score("argos", "en", 38.0), _score("m2m100", None, 63.0)),
    )
    notes = QualityNotes.default()
    best = quality_of_route(notes, scores, "zh", "ko", None)
    assert (best.engine, best.level) == ("m2m100", "good")
    assert best.note_ko.startswith("2026-11-29 시험 문장 52개로 측정한 엠투엠(직접 번역) 번역")
    assert "숫자·전화번호 보존 100%" in best.note_ko and "문장당 0.4초" in best.note_ko
    assert not re.search("[a-z]{3,}", best.note_ko.replace("M2M", ""))  # no English for staff
    routed = quality_of_route(notes, scores, "zh", "ko", "argos")
    assert (routed.level, routed.pivot) == ("weak", "en") and "중국어" not in routed.note_ko
    assert "영어 경유" in routed.note_ko and "3자 통역" in routed.note_ko
    # Never measured: the reviewed note, as before.
    assert quality_of_route(notes, scores, "ja", "ko", None) == quality_for("ja", "ko")
    assert quality_of_route(notes, None, "zh", "ko", None) == quality_for("zh", "ko")


def test_a_route_that_lost_numbers_in_the_test_is_never_called_good() -> None:
    note = measured_quality(_score("m2m100", None, 70.0, numbers_kept=9), "2026-11-29")
    assert note.level == "fair" and "숫자·전화번호 보존 90%" in note.note_ko
