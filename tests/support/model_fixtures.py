"""Pytest fixtures that provide real, tiny translation models and engines built on them.

The models come from tests/support/modelkit.py (built once, then cached under .cache/). The
Argos packages are installed with argostranslate's own `install_from_path` into a session
models folder; argostranslate serves one folder per process, so every test in a session shares
that folder and treats it as read-only.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from languages.argos import ArgosEngine, load_argostranslate
from languages.m2m import M2MEngine
from languages.model_store import ModelsLayout
from tests.support import modelkit


@pytest.fixture(scope="session")
def tiny_models() -> modelkit.TinyModels:
    """Paths of the tiny Argos packages and M2M directory, and the phrases they know."""
    return modelkit.ensure_built()


@pytest.fixture(scope="session")
def session_models(tmp_path_factory: pytest.TempPathFactory) -> ModelsLayout:
    """The session's models root (argos/ and m2m/ filled by the fixtures below)."""
    return ModelsLayout(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def argos_models_dir(session_models: ModelsLayout, tiny_models: modelkit.TinyModels) -> Path:
    """An Argos folder with the six tiny packages installed by argostranslate itself."""
    modules = load_argostranslate(session_models.argos_home)
    for archive in tiny_models.argos_packages.values():
        modules.package.install_from_path(archive)
    return session_models.argos


@pytest.fixture(scope="session")
def argos_engine(argos_models_dir: Path) -> ArgosEngine:
    """ArgosEngine over the tiny packages, shared by the session (models load once)."""
    return ArgosEngine(argos_models_dir, beam_size=modelkit.DECODING_BEAM)


@pytest.fixture(scope="session")
def m2m_model_dir(session_models: ModelsLayout, tiny_models: modelkit.TinyModels) -> Path:
    """A copy of the tiny M2M model inside the session models root."""
    destination = session_models.m2m / tiny_models.m2m_dir.name
    shutil.copytree(tiny_models.m2m_dir, destination)
    return destination


@pytest.fixture(scope="session")
def m2m_engine(m2m_model_dir: Path) -> M2MEngine:
    """M2MEngine over the tiny model, shared by the session."""
    return M2MEngine(m2m_model_dir, beam_size=modelkit.DECODING_BEAM)


@pytest.fixture
def models_layout(tmp_path: Path) -> Iterator[ModelsLayout]:
    """An empty models root of a test's own, for install/list/remove tests."""
    yield ModelsLayout(tmp_path / "models")
