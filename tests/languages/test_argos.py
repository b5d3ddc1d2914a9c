"""Tests for languages/argos.py on tiny real Argos packages, through real argostranslate."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from languages.argos import ArgosEngine, ArgosFolderError, load_argostranslate
from languages.engine import ModelMissingError, TranslationEngine
from tests.support.modelkit import REPO_ROOT, TinyModels


def test_packages_are_installed_by_argostranslate(
    argos_models_dir: Path, tiny_models: TinyModels
) -> None:
    from languages.argos import ArgosHome

    modules = load_argostranslate(ArgosHome(argos_models_dir))
    installed = {(p.from_code, p.to_code) for p in modules.package.get_installed_packages()}
    assert installed == set(tiny_models.argos_packages)
    assert not list(argos_models_dir.rglob("stanza"))


def test_engine_satisfies_the_protocol(argos_engine: ArgosEngine) -> None:
    assert isinstance(argos_engine, TranslationEngine)
    assert argos_engine.name == "argos"


def test_pairs_list_direct_and_pivoted_pairs(argos_engine: ArgosEngine) -> None:
    pairs = argos_engine.pairs()
    assert {("en", "ko"), ("ko", "en"), ("zh", "en"), ("en", "zh"), ("ja", "en")} <= pairs
    assert {("zh", "ko"), ("ja", "ko"), ("ko", "zh"), ("ko", "ja"), ("zh", "ja")} <= pairs
    assert ("vi", "ko") not in pairs
    assert ("en", "en") not in pairs


@pytest.mark.parametrize(
    ("source", "target"), [("en", "ko"), ("ko", "en"), ("zh", "en"), ("ja", "en")]
)
def test_direct_pairs_translate_every_phrase_exactly(
    argos_engine: ArgosEngine, tiny_models: TinyModels, source: str, target: str
) -> None:
    phrases = tiny_models.phrases
    out = argos_engine.translate_batch([p[source] for p in phrases], source, target)
    assert list(out.texts) == [p[target] for p in phrases]
    assert out.pivot is None
    assert out.model == f"argos translate-{source}_{target}-0_1"


@pytest.mark.parametrize(
    ("source", "target"), [("zh", "ko"), ("ja", "ko"), ("ko", "zh"), ("ko", "ja")]
)
def test_pairs_without_a_package_pivot_through_english(
    argos_engine: ArgosEngine, tiny_models: TinyModels, source: str, target: str
) -> None:
    phrases = tiny_models.phrases
    out = argos_engine.translate_batch([p[source] for p in phrases], source, target)
    assert list(out.texts) == [p[target] for p in phrases]
    assert out.pivot == "en"
    assert out.model == f"argos translate-{source}_en-0_1 → translate-en_{target}-0_1"


def test_placeholders_survive(argos_engine: ArgosEngine, tiny_models: TinyModels) -> None:
    p1, p2 = tiny_models.phrase("P1"), tiny_models.phrase("P2")
    out = argos_engine.translate_batch([p1["zh"], p2["zh"]], "zh", "ko")
    assert out.texts == ("[0]을 가지고 오세요.", "[0]에 전화하세요.")


def test_a_batch_equals_one_by_one_and_keeps_sentences_and_lines(
    argos_engine: ArgosEngine, tiny_models: TinyModels
) -> None:
    thanks, wait, wallet = (tiny_models.phrase(i) for i in ("thanks", "wait", "wallet"))
    texts = [f"{thanks['en']} {wait['en']}", wallet["en"], f"{thanks['en']}\n\n{wallet['en']}", ""]
    together = argos_engine.translate_batch(texts, "en", "ko").texts
    one_by_one = tuple(argos_engine.translate_batch([t], "en", "ko").texts[0] for t in texts)
    assert together == one_by_one
    assert together == (
        f"{thanks['ko']} {wait['ko']}",
        wallet["ko"],
        f"{thanks['ko']}\n\n{wallet['ko']}",
        "",
    )


def test_beam_search_decodes_every_sentence(
    argos_models_dir: Path, tiny_models: TinyModels
) -> None:
    # The tiny models are only exact under greedy decoding (see modelkit); beam search must
    # still run through argostranslate and give one Japanese text per sentence.
    engine = ArgosEngine(argos_models_dir, beam_size=4)
    out = engine.translate_batch([p["en"] for p in tiny_models.phrases], "en", "ja")
    assert len(out.texts) == len(tiny_models.phrases)
    assert all(
        any("\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff" for c in t) for t in out.texts
    )


def test_unknown_pair_raises_model_missing(argos_engine: ArgosEngine) -> None:
    with pytest.raises(ModelMissingError, match="vi→ko") as caught:
        argos_engine.translate_batch(["Cảm ơn."], "vi", "ko")
    assert "en→ko" in str(caught.value)  # the message lists what is installed


def test_a_second_models_folder_is_refused(argos_engine: ArgosEngine, tmp_path: Path) -> None:
    argos_engine.warm("en", "ko")  # argostranslate is imported for the session's folder
    with pytest.raises(ArgosFolderError, match="a process of its own"):
        ArgosEngine(tmp_path / "other-argos")


def test_translators_load_once(argos_engine: ArgosEngine) -> None:
    argos_engine.warm("zh", "ko")
    loaded = dict(argos_engine._translators)
    argos_engine.translate_batch(["谢谢。"], "zh", "ko")
    assert argos_engine._translators == loaded


def test_the_sentence_splitter_is_made_once_per_package(
    argos_engine: ArgosEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import argostranslate.sbd

    made: list[object] = []

    class Counting(argostranslate.sbd.MiniSBDSentencizer):  # type: ignore[misc]
        def __init__(self, *args: object, **kwargs: object) -> None:
            made.append(args)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(argostranslate.sbd, "MiniSBDSentencizer", Counting)
    argos_engine._minisbd.clear()
    for _ in range(3):
        assert argos_engine.translate_batch(["Thank you."], "en", "ko").texts == ("감사합니다.",)
    assert len(made) == 1


@pytest.mark.slow
def test_translation_needs_no_network(argos_models_dir: Path, m2m_model_dir: Path) -> None:
    """Run the engines in a fresh process without a network namespace: any connection fails."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not installed")
    script = textwrap.dedent(
        f"""
        import json, socket
        from pathlib import Path
        from languages.argos import ArgosEngine
        from languages.m2m import M2MEngine
        try:
            socket.create_connection(("1.1.1.1", 443), timeout=2)
            network = True
        except OSError:
            network = False
        argos = ArgosEngine(Path({str(argos_models_dir)!r}))
        m2m = M2MEngine(Path({str(m2m_model_dir)!r}))
        print(json.dumps({{
            "network": network,
            "zh_ko": argos.translate_batch(["谢谢。", "请稍等。"], "zh", "ko").texts,
            "ko_en": argos.translate_batch(["감사합니다. 잠시만 기다려 주세요."], "ko", "en").texts,
            "vi_ko": m2m.translate_batch(["Cảm ơn."], "vi", "ko").texts,
        }}))
        """
    )
    done = subprocess.run(
        ["unshare", "-n", sys.executable, "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if (
        done.returncode != 0
        and "unshare" in done.stderr
        and "Operation not permitted" in done.stderr
    ):
        pytest.skip("unshare -n is not permitted here")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {
        "network": False,
        "zh_ko": ["감사합니다.", "잠시만 기다려 주세요."],
        "ko_en": ["Thank you. Please wait a moment."],
        "vi_ko": ["감사합니다."],
    }
