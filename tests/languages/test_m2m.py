"""Tests for languages/m2m.py on a tiny real M2M-100-style CTranslate2 model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from languages.engine import ModelMissingError, TranslationEngine
from languages.m2m import M2MEngine, model_languages, read_vocabulary
from tests.support.modelkit import TinyModels


def test_model_directory_has_the_converted_m2m100_layout(m2m_model_dir: Path) -> None:
    names = {p.name for p in m2m_model_dir.iterdir()}
    assert {
        "model.bin",
        "config.json",
        "shared_vocabulary.json",
        "sentencepiece.bpe.model",
    } <= names
    config = json.loads((m2m_model_dir / "config.json").read_text())
    assert config["decoder_start_token"] == "</s>"
    assert {"__ko__", "__vi__", "__mn__"} <= set(read_vocabulary(m2m_model_dir))


def test_pairs_come_from_the_vocabulary(m2m_engine: M2MEngine, m2m_model_dir: Path) -> None:
    assert isinstance(m2m_engine, TranslationEngine)
    assert model_languages(m2m_model_dir) == {"ko", "vi", "mn"}
    assert {("vi", "ko"), ("ko", "vi"), ("mn", "ko"), ("ko", "mn")} <= m2m_engine.pairs()
    assert ("en", "ko") not in m2m_engine.pairs()


def test_pairs_are_narrowed_by_the_configured_languages(m2m_model_dir: Path) -> None:
    assert M2MEngine(m2m_model_dir, languages=("ko", "vi", "en")).pairs() == {
        ("ko", "vi"),
        ("vi", "ko"),
    }


def test_a_missing_model_offers_nothing(tmp_path: Path) -> None:
    engine = M2MEngine(tmp_path / "absent")
    assert engine.pairs() == frozenset()
    with pytest.raises(ModelMissingError, match="vi→ko"):
        engine.translate_batch(["Cảm ơn."], "vi", "ko")


@pytest.mark.parametrize(
    ("source", "target"), [("vi", "ko"), ("mn", "ko"), ("ko", "vi"), ("ko", "mn")]
)
def test_every_phrase_translates_exactly(
    m2m_engine: M2MEngine, tiny_models: TinyModels, source: str, target: str
) -> None:
    phrases = tiny_models.phrases
    out = m2m_engine.translate_batch([p[source] for p in phrases], source, target)
    assert list(out.texts) == [p[target] for p in phrases]
    assert out.model == "m2m100 tiny-m2m100"
    assert out.pivot is None


def test_a_batch_equals_one_by_one(m2m_engine: M2MEngine, tiny_models: TinyModels) -> None:
    thanks, p1, wallet = (tiny_models.phrase(i) for i in ("thanks", "P1", "wallet"))
    texts = [f"{thanks['vi']} {p1['vi']}", wallet["vi"], f"{wallet['vi']}\n{thanks['vi']}", " "]
    together = m2m_engine.translate_batch(texts, "vi", "ko").texts
    assert together == tuple(m2m_engine.translate_batch([t], "vi", "ko").texts[0] for t in texts)
    assert together == (
        f"{thanks['ko']} {p1['ko']}",
        wallet["ko"],
        f"{wallet['ko']}\n{thanks['ko']}",
        "",
    )


def test_placeholders_survive(m2m_engine: M2MEngine, tiny_models: TinyModels) -> None:
    out = m2m_engine.translate_batch([tiny_models.phrase("P2")["mn"]], "mn", "ko")
    assert out.texts == ("[0]에 전화하세요.",)


def test_unknown_pair_raises_model_missing(m2m_engine: M2MEngine) -> None:
    with pytest.raises(ModelMissingError, match="en→ko"):
        m2m_engine.translate_batch(["Thank you."], "en", "ko")


def test_beam_search_decodes_every_sentence(m2m_model_dir: Path, tiny_models: TinyModels) -> None:
    # Exact only under greedy decoding (see modelkit); beam search must still give Cyrillic.
    engine = M2MEngine(m2m_model_dir, beam_size=4)
    out = engine.translate_batch([p["ko"] for p in tiny_models.phrases], "ko", "mn")
    assert len(out.texts) == len(tiny_models.phrases)
    assert all(any("\u0400" <= c <= "\u04ff" for c in t) for t in out.texts)


def test_pairs_are_read_once_until_the_model_changes(m2m_model_dir: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "m2m"
    shutil.copytree(m2m_model_dir, copy)
    engine = M2MEngine(copy)
    first = engine.pairs()
    assert ("vi", "ko") in first
    assert engine.pairs() is first  # cached
    (copy / "model.bin").unlink()
    assert engine.pairs() == frozenset()  # removed: nothing served


def test_special_tokens_never_reach_the_text() -> None:
    from languages.m2m import content_tokens

    hypothesis = ["__ko__", "▁안녕", "__vi__", "madeupword0002", "<unk>", "하세요", "</s>"]
    assert content_tokens(hypothesis) == ["▁안녕", "하세요"]
    assert content_tokens(["▁__init__", "▁madeup"]) == ["▁__init__", "▁madeup"]  # text, kept


def test_output_length_is_capped_relative_to_the_input(
    m2m_model_dir: Path, tiny_models: TinyModels
) -> None:
    phrase = tiny_models.phrase("hours")
    full = M2MEngine(m2m_model_dir, beam_size=1).translate_batch([phrase["vi"]], "vi", "ko")
    assert full.texts == (phrase["ko"],)
    capped = M2MEngine(m2m_model_dir, beam_size=1, length_ratio=0.2)
    assert capped.decoding_limit(20) == 6
    assert capped.decoding_limit(2000) == 256  # the configured ceiling still holds
    short = capped.translate_batch([phrase["vi"]], "vi", "ko").texts[0]
    assert len(short) < len(phrase["ko"])


def test_repetition_is_stopped(m2m_model_dir: Path, tiny_models: TinyModels) -> None:
    # With no n-gram allowed twice, even a single repeated piece is cut: the option reaches
    # CTranslate2's decoder (the default of 4 only stops real loops).
    phrase = tiny_models.phrase("wait")
    engine = M2MEngine(m2m_model_dir, beam_size=1, no_repeat_ngram_size=1)
    out = engine.translate_batch(["xin xin xin xin xin xin xin xin"], "vi", "ko").texts[0]
    pieces = out.split()
    assert len(pieces) == len(set(pieces))
    assert engine.translate_batch([phrase["vi"]], "vi", "ko").texts[0]
