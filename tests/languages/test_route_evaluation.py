"""Scoring routes on a parallel test set, and routing each pair by the scores, on the tiny
models (real argostranslate and CTranslate2).

The tiny models know their phrases perfectly, so to make one route measurably better than
another on the same pair, the M2M model is copied with its Vietnamese token renamed Chinese:
it then "serves" zh→ko, and on a test set whose zh column holds the Vietnamese phrases it
scores perfectly, while Argos's zh→en→ko chain, which engine order would choose, makes
nonsense of them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from languages.argos import ArgosEngine
from languages.glossary import Glossary
from languages.m2m import M2MEngine
from languages.route_evaluation import (
    SHIPPED_TEST_SET,
    ParallelSet,
    ParallelSetError,
    evaluate_routes,
    read_test_set,
    report,
)
from languages.routes import (
    RouteScores,
    RoutesError,
    choose_routes,
    engines_by_name,
    load_scores,
    parse_routes,
    save_scores,
)
from languages.translation import Translator
from tests.support import modelkit

WHEN = "2026-11-29T23:00:00+00:00"


def phrases_set(tiny_models: modelkit.TinyModels, columns: dict[str, str]) -> ParallelSet:
    """The tiny models' phrases as a test set; `columns` maps a column to the phrase language
    it holds (so "zh" can hold the Vietnamese phrases)."""
    rows = tuple(
        {column: phrase[language] for column, language in columns.items()}
        for phrase in tiny_models.phrases
    )
    return ParallelSet("phrases", rows)


@pytest.fixture(scope="module")
def zh_m2m_engine(
    tmp_path_factory: pytest.TempPathFactory, tiny_models: modelkit.TinyModels
) -> M2MEngine:
    folder = tmp_path_factory.mktemp("m2m") / "tiny-zh"
    shutil.copytree(tiny_models.m2m_dir, folder)
    vocabulary = folder / "shared_vocabulary.json"
    tokens = json.loads(vocabulary.read_text(encoding="utf-8"))
    tokens = ["__zh__" if token == "__vi__" else token for token in tokens]
    vocabulary.write_text(json.dumps(tokens, ensure_ascii=False), encoding="utf-8")
    return M2MEngine(folder, beam_size=modelkit.DECODING_BEAM)


def test_the_shipped_civic_set_has_fifty_sentences_per_language_with_korean() -> None:
    civic = read_test_set(SHIPPED_TEST_SET)
    for language in ("en", "zh", "ja", "vi", "mn"):
        assert len(civic.sentences(language, "ko")) >= 50
        assert len(civic.sentences("ko", language)) >= 50
    assert len(civic.pairs()) == 10
    # Numbers and phone numbers are what the survival scores measure.
    assert any("1577-1000" in row["ko"] for row in civic.rows)
    assert sum(any(char.isdigit() for char in row["ko"]) for row in civic.rows) >= 30


def test_a_test_set_with_an_unknown_language_or_no_korean_is_refused(tmp_path: Path) -> None:
    unknown = tmp_path / "unknown.tsv"
    unknown.write_text("ko\tfr\n안녕하세요\tBonjour\n", encoding="utf-8")
    with pytest.raises(ParallelSetError, match="line 1"):
        read_test_set(unknown)
    no_korean = tmp_path / "no_korean.tsv"
    no_korean.write_text("# comment\nen\tzh\nHello\t你好\n", encoding="utf-8")
    with pytest.raises(ParallelSetError, match="no ko column"):
        read_test_set(no_korean)


def test_every_installed_route_is_scored_with_chrf_bleu_numbers_and_speed(
    argos_engine: ArgosEngine, m2m_engine: M2MEngine, tiny_models: modelkit.TinyModels
) -> None:
    test_set = phrases_set(tiny_models, {"ko": "ko", "zh": "zh", "vi": "vi"})
    scores = evaluate_routes(
        test_set, [argos_engine, m2m_engine], Glossary.default(), evaluated_at=WHEN
    )
    by_pair = {(s.source, s.target, s.engine): s for s in scores.scores}
    assert set(by_pair) == {
        ("zh", "ko", "argos"),
        ("ko", "zh", "argos"),
        ("vi", "ko", "m2m100"),
        ("ko", "vi", "m2m100"),
    }
    zh_ko = by_pair[("zh", "ko", "argos")]
    assert zh_ko.pivot == "en" and zh_ko.sentences == len(tiny_models.phrases)
    assert zh_ko.chrf == pytest.approx(100.0) and zh_ko.bleu == pytest.approx(100.0)
    # The phrases hold numbers (120, 6 p.m., amounts); the memorised routes keep them all.
    assert zh_ko.numbers_total > 0 and zh_ko.numbers_kept == zh_ko.numbers_total
    assert by_pair[("vi", "ko", "m2m100")].pivot is None
    assert all(s.ms_per_sentence > 0 for s in scores.scores)
    table = "\n".join(report(scores))
    assert "zh-ko" in table and "via en" in table and "direct" in table


def test_the_better_measured_route_wins_over_engine_order_and_the_setting_overrides(
    argos_engine: ArgosEngine, zh_m2m_engine: M2MEngine, tiny_models: modelkit.TinyModels
) -> None:
    engines = [argos_engine, zh_m2m_engine]
    test_set = phrases_set(tiny_models, {"ko": "ko", "zh": "vi"})
    scores = evaluate_routes(test_set, engines, None, evaluated_at=WHEN, pairs=[("zh", "ko")])
    direct, pivot = scores.for_pair("zh", "ko")
    assert (direct.engine, direct.pivot) == ("m2m100", None)
    assert (pivot.engine, pivot.pivot) == ("argos", "en")
    assert direct.chrf == pytest.approx(100.0) and pivot.chrf < 50

    phrase = tiny_models.phrase("wallet")
    by_order = Translator(engines).translate(phrase["vi"], "zh", "ko")
    assert by_order.engine == "argos" and by_order.text != phrase["ko"]

    available = engines_by_name((engine.name, engine.pairs()) for engine in engines)
    measured = Translator(engines, routes=choose_routes(available, scores, {}))
    result = measured.translate(phrase["vi"], "zh", "ko")
    assert (result.engine, result.pivot, result.text) == ("m2m100", None, phrase["ko"])

    overridden = choose_routes(available, scores, parse_routes("zh-ko=argos"))
    assert Translator(engines, routes=overridden).translate(phrase["vi"], "zh", "ko").engine == (
        "argos"
    )


def test_a_measured_route_whose_model_is_gone_is_not_chosen(
    argos_engine: ArgosEngine, zh_m2m_engine: M2MEngine, tiny_models: modelkit.TinyModels
) -> None:
    test_set = phrases_set(tiny_models, {"ko": "ko", "zh": "vi"})
    scores = evaluate_routes(
        test_set, [argos_engine, zh_m2m_engine], None, evaluated_at=WHEN, pairs=[("zh", "ko")]
    )
    only_argos = engines_by_name([(argos_engine.name, argos_engine.pairs())])
    assert choose_routes(only_argos, scores, {}) == {("zh", "ko"): "argos"}
    # An override for an engine that is not installed is ignored (and logged), not fatal.
    assert choose_routes(only_argos, None, {("zh", "ko"): "m2m100"}) == {}


def test_scores_are_saved_beside_the_models_and_merged_by_pair(
    argos_engine: ArgosEngine, tiny_models: modelkit.TinyModels, tmp_path: Path
) -> None:
    test_set = phrases_set(tiny_models, {"ko": "ko", "en": "en", "ja": "ja"})
    first = evaluate_routes(test_set, [argos_engine], None, evaluated_at=WHEN)
    save_scores(tmp_path, first)
    again = evaluate_routes(
        test_set,
        [argos_engine],
        None,
        evaluated_at="2026-11-30T00:00:00+00:00",
        pairs=[("ja", "ko")],
    )
    save_scores(tmp_path, again)
    stored = load_scores(tmp_path)
    assert stored is not None and stored.evaluated_at.startswith("2026-11-30")
    assert {s.pair for s in stored.scores} == {s.pair for s in first.scores}
    assert RouteScores.from_json(stored.to_json()) == stored
    (tmp_path / "route-quality.json").write_text("{not json", encoding="utf-8")
    assert load_scores(tmp_path) is None  # routing falls back to engine order


@pytest.mark.parametrize(
    "setting", ["zh-ko", "zh-ko=deepl", "fr-ko=argos", "zhko=argos", "zh-ko=argos,=m2m100"]
)
def test_a_routes_setting_that_cannot_be_read_is_refused(setting: str) -> None:
    with pytest.raises(RoutesError):
        parse_routes(setting)


def test_a_routes_setting_is_read() -> None:
    assert parse_routes(" zh-ko=M2M100, ja-ko=argos ,") == {
        ("zh", "ko"): "m2m100",
        ("ja", "ko"): "argos",
    }


def test_placeholders_are_trusted_only_on_routes_measured_to_keep_them(
    argos_engine: ArgosEngine, tiny_models: modelkit.TinyModels
) -> None:
    glossary = Glossary.default()
    test_set = phrases_set(tiny_models, {"ko": "ko", "en": "en"})
    scores = evaluate_routes(test_set, [argos_engine], glossary, evaluated_at=WHEN)
    by_pair = {score.pair: score for score in scores.scores}
    # The tiny models never saw a placeholder: Argos en→ko breaks the ones it is given.
    en_ko = by_pair[("en", "ko")]
    assert en_ko.placeholders_total > 0 and en_ko.placeholders_kept < en_ko.placeholders_total
    assert scores.placeholders_shown()[("argos", "en", "ko")] is False
