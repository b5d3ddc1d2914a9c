"""`flask languages install m2m100_418M`: fetched with huggingface_hub from a local server that
serves the tiny M2M model the way the Hub serves a CTranslate2 conversion (tests never reach
the internet)."""

from __future__ import annotations

import importlib.util
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from languages.hub import HUB_MODELS, file_sha256
from languages.m2m import M2MEngine
from tests.support import modelkit
from tests.support.hub_server import FakeHub, fake_hub
from tests.support.modelkit import TinyModels
from tests.support.servers import free_port

MODEL = HUB_MODELS["m2m100_418M"]


def run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def served_folder(tmp_path: Path, tiny_models: TinyModels) -> Path:
    """The tiny model plus the extra files a real conversion repository carries."""
    folder = tmp_path / "served"
    shutil.copytree(tiny_models.m2m_dir, folder)
    (folder / "README.md").write_text("# a model card the engine does not read\n", "utf-8")
    (folder / "vocab.json").write_text(json.dumps({"<s>": 0}), "utf-8")
    return folder


@pytest.fixture
def hub(served_folder: Path) -> Iterator[FakeHub]:
    with fake_hub(MODEL.repo_id, MODEL.revision, served_folder) as server:
        yield server


@pytest.fixture
def hub_app(app_factory: Any, tmp_path: Path, hub: FakeHub) -> Flask:
    return app_factory(MODELS_PATH=str(tmp_path / "models"), HF_ENDPOINT=hub.url)  # type: ignore[no-any-return]


def installed_dir(tmp_path: Path) -> Path:
    return tmp_path / "models" / "m2m" / "m2m100_418M"


def test_install_by_name_fetches_verifies_and_translates(
    hub_app: Flask, hub: FakeHub, tmp_path: Path, tiny_models: TinyModels
) -> None:
    result = run(hub_app, "languages", "install", "m2m100_418M")
    assert result.exit_code == 0, result.output
    assert "installed m2m m2m100_418M: " in result.output
    assert "vi→ko" in result.output

    target = installed_dir(tmp_path)
    for name in ("model.bin", "config.json", "sentencepiece.bpe.model", "shared_vocabulary.json"):
        assert file_sha256(target / name) == hub.files[name].sha256
    assert not (target / "README.md").exists() and not (target / "vocab.json").exists()
    assert not hub.downloads("README.md") and not hub.downloads("vocab.json")
    # The checksums came from the API at the pinned commit, and were recorded.
    assert any(r.path == f"/api/models/{MODEL.repo_id}/revision/{MODEL.revision}" for r in hub.log)
    source = json.loads((target / "source.json").read_text("utf-8"))
    assert source["commit"] == MODEL.revision
    assert source["files"]["model.bin"] == hub.files["model.bin"].sha256
    assert [p.name for p in target.parent.iterdir()] == ["m2m100_418M"]  # no download left

    phrase = tiny_models.phrase("wallet")
    engine = M2MEngine(target, beam_size=modelkit.DECODING_BEAM)
    assert engine.translate_batch([phrase["vi"]], "vi", "ko").texts == (phrase["ko"],)
    assert "m2m100_418M" in run(hub_app, "languages", "list").output


@pytest.mark.slow
def test_a_dropped_connection_resumes_from_where_it_stopped(
    app_factory: Any, tmp_path: Path, served_folder: Path, tiny_models: TinyModels
) -> None:
    # huggingface_hub keeps what it received in 10 MB reads, so the resumable file must be
    # larger than one: the tiny model is padded to 25 MB (CTranslate2 reads only what the
    # model's header describes, so it still loads and translates).
    with (served_folder / "model.bin").open("ab") as model:
        model.write(bytes(24 << 20))
    with fake_hub(MODEL.repo_id, MODEL.revision, served_folder) as hub:
        size = len(hub.files["model.bin"].body)
        hub.cut_after["model.bin"] = 15 << 20
        app = app_factory(MODELS_PATH=str(tmp_path / "models"), HF_ENDPOINT=hub.url)
        result = run(app, "languages", "install", "m2m100_418M")
        assert result.exit_code == 0, result.output
        first, second = hub.downloads("model.bin")
    assert first.range is None
    assert second.range is not None and second.range.startswith("bytes=")
    resumed_at = int(second.range.removeprefix("bytes=").rstrip("-"))
    assert 0 < resumed_at <= 15 << 20  # from where it stopped, not from the start
    target = installed_dir(tmp_path)
    assert file_sha256(target / "model.bin") == hub.files["model.bin"].sha256
    assert (target / "model.bin").stat().st_size == size
    phrase = tiny_models.phrase("wallet")
    engine = M2MEngine(target, beam_size=modelkit.DECODING_BEAM)
    assert engine.translate_batch([phrase["vi"]], "vi", "ko").texts == (phrase["ko"],)


def test_a_stopped_run_keeps_finished_files_and_the_next_run_fetches_the_rest(
    hub_app: Flask, hub: FakeHub, tmp_path: Path
) -> None:
    hub.fail["sentencepiece.bpe.model"] = 1
    stopped = run(hub_app, "languages", "install", "m2m100_418M")
    assert stopped.exit_code == 1
    assert "sentencepiece.bpe.model" in stopped.output
    assert "run the same command again to resume" in stopped.output
    assert "Traceback" not in stopped.output
    assert not installed_dir(tmp_path).exists()

    resumed = run(hub_app, "languages", "install", "m2m100_418M")
    assert resumed.exit_code == 0, resumed.output
    assert len(hub.downloads("model.bin")) == 1  # finished in the first run, not fetched again
    assert len(hub.downloads("sentencepiece.bpe.model")) == 2
    assert file_sha256(installed_dir(tmp_path) / "model.bin") == hub.files["model.bin"].sha256


def test_bytes_that_do_not_match_the_listed_checksum_are_refused(
    hub_app: Flask, hub: FakeHub, tmp_path: Path
) -> None:
    hub.corrupt.add("model.bin")
    result = run(hub_app, "languages", "install", "m2m100_418M")
    assert result.exit_code == 1
    assert "checksum mismatch for model.bin" in result.output
    assert hub.files["model.bin"].sha256 in result.output
    assert not installed_dir(tmp_path).exists()
    assert not (tmp_path / "models" / "m2m" / ".download-m2m100_418M" / "model.bin").exists()
    assert run(hub_app, "languages", "list").output.startswith("no models installed")

    hub.corrupt.clear()  # a good copy later installs normally
    assert run(hub_app, "languages", "install", "m2m100_418M").exit_code == 0


def test_a_corrupt_small_file_is_caught_by_its_git_blob_id(
    hub_app: Flask, hub: FakeHub, tmp_path: Path
) -> None:
    hub.corrupt.add("config.json")
    result = run(hub_app, "languages", "install", "m2m100_418M")
    assert result.exit_code == 1
    assert "checksum mismatch for config.json" in result.output
    assert "git blob id" in result.output
    assert not installed_dir(tmp_path).exists()


def test_offline_the_error_says_how_to_install_from_a_folder(
    app_factory: Any, tmp_path: Path, served_folder: Path
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    app = app_factory(MODELS_PATH=str(tmp_path / "models"), HF_ENDPOINT=nowhere)
    result = run(app, "languages", "install", "m2m100_418M")
    assert result.exit_code == 1
    assert "could not be reached" in result.output
    assert "--name m2m100_418M" in result.output
    assert "Traceback" not in result.output

    offline = run(app, "languages", "install", str(served_folder), "--name", "m2m100_418M")
    assert offline.exit_code == 0, offline.output
    assert "installed m2m m2m100_418M" in offline.output
    assert (installed_dir(tmp_path) / "model.bin").is_file()


@pytest.mark.skipif(
    importlib.util.find_spec("transformers") is not None,
    reason="with transformers installed, --convert would download Facebook's checkpoint",
)
def test_convert_without_transformers_says_what_to_install(
    hub_app: Flask, hub: FakeHub, tmp_path: Path
) -> None:
    result = run(hub_app, "languages", "install", "m2m100_418M", "--convert")
    assert result.exit_code == 1
    assert "--convert needs transformers" in result.output
    assert "pip install transformers" in result.output
    assert MODEL.repo_id in result.output  # the ready conversion is the alternative
    assert not hub.log  # converting never asks the Hub for the conversion
    assert not installed_dir(tmp_path).exists()
