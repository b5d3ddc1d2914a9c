"""ArgosEngine: translation with installed Argos Translate packages, the only argostranslate user.

Argos packages are bilingual CTranslate2 models (en↔ko, en↔zh, en↔ja...); pairs without a
package of their own pivot through English (zh→ko is zh→en then en→ko).

Three facts about argostranslate 1.11 shape this module:

* It reads its folders from the environment once, when `argostranslate.settings` is imported
  (XDG_DATA_HOME, XDG_CACHE_HOME, XDG_CONFIG_HOME, ARGOS_PACKAGES_DIR). `load_argostranslate`
  sets those to folders under relay's models directory for the import only, then restores the
  environment so other libraries keep theirs. One process therefore serves one Argos folder;
  asking for a second raises ArgosFolderError instead of silently using the first.
* Importing it costs seconds (it imports torch, stanza and spacy), so it happens lazily, on
  the first translation, never at application start.
* Its default sentence splitter (MiniSBD) downloads a model on first use. We translate through
  its own `apply_packaged_translation` but hand it our sentencizer: MiniSBD only when its model
  is already on disk (packaged in `minisbd/` or fetched at install time), otherwise the
  rule-based splitter in languages/sentences.py. So a translation never touches the network.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from languages import sentences as sentence_rules
from languages.engine import EngineOutput, ModelMissingError, TranslationError, cpu_threads

logger = logging.getLogger(__name__)

PIVOT_LANGUAGE = "en"

# Guards the environment swap around the one import of argostranslate in this process; a lock
# is the only module-level object here and holds no data.
_IMPORT_LOCK = threading.Lock()


class ArgosFolderError(RuntimeError):
    """argostranslate in this process already serves another models folder."""


@dataclass(frozen=True)
class ArgosHome:
    """The folders argostranslate uses, all under one `root` (relay's `<models>/argos`)."""

    root: Path

    @property
    def packages(self) -> Path:
        """Installed packages, one folder each (ARGOS_PACKAGES_DIR)."""
        return self.root / "packages"

    @property
    def data(self) -> Path:
        """XDG_DATA_HOME: argostranslate keeps its index and MiniSBD models below it."""
        return self.root / "data"

    @property
    def minisbd(self) -> Path:
        """Where argostranslate's MiniSBD looks for sentence models (`<lang>.onnx`)."""
        return self.data / "argos-translate" / "minisbd"

    @property
    def environment(self) -> dict[str, str]:
        """The variables argostranslate.settings reads at import time."""
        return {
            "ARGOS_PACKAGES_DIR": str(self.packages),
            "XDG_DATA_HOME": str(self.data),
            "XDG_CACHE_HOME": str(self.root / "cache"),
            "XDG_CONFIG_HOME": str(self.root / "config"),
            # Values other than the default break things (NONE drops every package, SPACY
            # downloads at import), and we pass our own sentencizer anyway.
            "ARGOS_CHUNK_TYPE": "DEFAULT",
            "ARGOS_MODEL_PROVIDER": "OPENNMT",
        }


@dataclass(frozen=True)
class ArgosModules:
    """The argostranslate modules relay uses, imported for one ArgosHome."""

    package: ModuleType
    translate: ModuleType
    sbd: ModuleType
    settings: ModuleType


@dataclass(frozen=True)
class InstalledPackage:
    """An installed Argos package as its metadata.json describes it."""

    name: str  # the folder name, e.g. "translate-en_ko-1_1"
    path: Path
    source: str
    target: str
    version: str


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _check_home(settings: Any, home: ArgosHome) -> None:
    served = Path(settings.package_data_dir).resolve()
    if served != home.packages.resolve():
        raise ArgosFolderError(
            f"argostranslate in this process already serves {served}; it reads its folders once "
            f"per process, so {home.packages} needs a process of its own"
        )


def load_argostranslate(home: ArgosHome) -> ArgosModules:
    """Import argostranslate pointed at `home` (seconds the first time, then instant)."""
    with _IMPORT_LOCK:
        if "argostranslate.settings" not in sys.modules:
            home.root.mkdir(parents=True, exist_ok=True)
            with _environment(home.environment):
                importlib.import_module("argostranslate.settings")
        settings = sys.modules["argostranslate.settings"]
        _check_home(settings, home)
        importlib.import_module("argostranslate.utils")
        # argostranslate logs every sentence it translates at INFO (its utils module sets that
        # level when imported): residents' messages with their registration and phone numbers
        # would reach log files and log services, which mask nothing.
        logging.getLogger("argostranslate.utils").setLevel(logging.WARNING)
        return ArgosModules(
            package=importlib.import_module("argostranslate.package"),
            translate=importlib.import_module("argostranslate.translate"),
            sbd=importlib.import_module("argostranslate.sbd"),
            settings=settings,
        )


def installed_packages(home: ArgosHome) -> list[InstalledPackage]:
    """Translate packages under `home`, read from their metadata.json without argostranslate."""
    found: list[InstalledPackage] = []
    if not home.packages.is_dir():
        return found
    for folder in sorted(home.packages.iterdir()):
        metadata_path = folder / "metadata.json"
        if not metadata_path.is_file():
            continue
        try:
            metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            logger.warning("skipping Argos package with unreadable metadata: %s", folder)
            continue
        if metadata.get("type", "translate") != "translate":
            continue
        found.append(
            InstalledPackage(
                name=folder.name,
                path=folder,
                source=str(metadata.get("from_code")),
                target=str(metadata.get("to_code")),
                version=str(metadata.get("package_version", "")),
            )
        )
    return found


class _Sentencizer:
    """argostranslate's sentencizer interface over MiniSBD (when on disk) or our rules.

    Splits are remembered for the duration of one call, because each line is split once to
    build the batch and once more inside apply_packaged_translation.
    """

    def __init__(self, minisbd: Any | None, language: str) -> None:
        self._minisbd = minisbd
        self._language = language
        self._memo: dict[str, list[str]] = {}

    def split_sentences(self, text: str) -> list[str]:
        if text not in self._memo:
            if self._minisbd is not None:
                found = [s.strip() for s in self._minisbd.split_sentences(text) if s.strip()]
            else:
                found = sentence_rules.split_sentences(text, self._language)
            self._memo[text] = found
        return self._memo[text]


class _BatchTranslator:
    """Stands in for ctranslate2.Translator inside apply_packaged_translation.

    All sentences of a call are translated first in one CTranslate2 batch with relay's decoding
    options (beam size, batch size); argostranslate's per-line calls are then answered from
    those results, so its own tokenising and detokenising still apply unchanged.
    """

    def __init__(self, translator: Any, options: dict[str, Any]) -> None:
        self._translator = translator
        self._options = options
        self._results: dict[tuple[str, ...], Any] = {}

    def prefetch(self, tokenized: Sequence[list[str]], target_prefix: str) -> None:
        missing = list({tuple(tokens): None for tokens in tokenized if tokens})
        if not missing:
            return
        prefix = [[target_prefix]] * len(missing) if target_prefix else None
        results = self._translator.translate_batch(
            [list(tokens) for tokens in missing], target_prefix=prefix, **self._options
        )
        self._results.update(zip(missing, results, strict=True))

    def translate_batch(
        self, tokenized: list[list[str]], target_prefix: Any = None, **_ignored: Any
    ) -> list[Any]:
        missing = [tokens for tokens in tokenized if tuple(tokens) not in self._results]
        if missing:
            prefix = target_prefix[0][0] if target_prefix else ""
            self.prefetch(missing, prefix)
        return [self._results[tuple(tokens)] for tokens in tokenized]


class ArgosEngine:
    """TranslationEngine over the Argos packages installed under one ArgosHome.

    `beam_size` defaults to 2: Argos's own default of 4 costs about twice as much per sentence
    on CPU, and on short civic sentences the second beam recovers most of what beam search
    adds over greedy decoding. `compute_type` and the thread counts go to CTranslate2.
    """

    name = "argos"

    def __init__(
        self,
        argos_dir: Path,
        *,
        beam_size: int = 2,
        compute_type: str = "int8",
        intra_threads: int = 0,
        inter_threads: int = 1,
        max_batch_tokens: int = 2048,
    ) -> None:
        self.home = ArgosHome(Path(argos_dir))
        self.beam_size = beam_size
        self.compute_type = compute_type
        self.intra_threads = intra_threads
        self.inter_threads = inter_threads
        self.max_batch_tokens = max_batch_tokens
        self._lock = threading.Lock()
        self._modules: ArgosModules | None = None
        self._packages: dict[Path, Any] = {}
        self._translators: dict[Path, Any] = {}
        self._minisbd: dict[Path, Any | None] = {}
        if "argostranslate.settings" in sys.modules:
            _check_home(sys.modules["argostranslate.settings"], self.home)

    # -- routing ---------------------------------------------------------------------------

    def _direct(self) -> dict[tuple[str, str], InstalledPackage]:
        return {(p.source, p.target): p for p in installed_packages(self.home)}

    def pairs(self) -> frozenset[tuple[str, str]]:
        """Pairs with a package, plus pairs chained through English."""
        direct = set(self._direct())
        pivoted = {
            (source, target)
            for (source, middle) in direct
            for (middle_2, target) in direct
            if middle == middle_2 == PIVOT_LANGUAGE and source != target
        }
        return frozenset(direct | pivoted)

    def route(self, source: str, target: str) -> list[InstalledPackage]:
        """The packages that translate source→target, one or two; ModelMissingError if none."""
        direct = self._direct()
        if (source, target) in direct:
            return [direct[(source, target)]]
        first = direct.get((source, PIVOT_LANGUAGE))
        second = direct.get((PIVOT_LANGUAGE, target))
        if source != target and first and second:
            return [first, second]
        installed = ", ".join(f"{s}→{t}" for s, t in sorted(direct)) or "none"
        raise ModelMissingError(
            f"no Argos package translates {source}→{target} (directly or through English); "
            f"installed: {installed}. Install one with `flask languages install`."
        )

    # -- lazy loading ----------------------------------------------------------------------

    def _load(self, installed: InstalledPackage) -> tuple[ArgosModules, Any, Any]:
        """argostranslate, the Package and its Translator, each created once (thread-safe)."""
        with self._lock:
            if self._modules is None:
                self._modules = load_argostranslate(self.home)
            modules = self._modules
            if installed.path not in self._packages:
                import ctranslate2

                package = modules.package.Package(installed.path)
                self._translators[installed.path] = ctranslate2.Translator(
                    str(installed.path / "model"),
                    device="cpu",
                    compute_type=self.compute_type,
                    inter_threads=self.inter_threads,
                    intra_threads=cpu_threads(self.intra_threads),
                )
                self._packages[installed.path] = package
                logger.info("loaded Argos package %s", installed.name)
            return modules, self._packages[installed.path], self._translators[installed.path]

    def warm(self, source: str, target: str) -> None:
        """Load the models of a pair now (worker start) rather than on the first message."""
        for installed in self.route(source, target):
            self._load(installed)

    def _sentencizer(self, modules: ArgosModules, package: Any) -> _Sentencizer:
        """A splitter for one call over the package's MiniSBD, which is made once per package:
        a new MiniSBDSentencizer loads its ONNX model again on its first split, and every
        translation paid for that. (The wrapper is per call: its memo is for one call.)"""
        path = Path(package.package_path)
        with self._lock:
            if path not in self._minisbd:
                self._minisbd[path] = self._on_disk_minisbd(modules, package)
            minisbd = self._minisbd[path]
        return _Sentencizer(minisbd, package.from_code)

    @staticmethod
    def _on_disk_minisbd(modules: ArgosModules, package: Any) -> Any | None:
        """MiniSBD only when its model file is already on disk (else it would download one);
        None means our rules split."""
        minisbd = modules.sbd.MiniSBDSentencizer(package)
        model = Path(minisbd.lang)  # a packaged .onnx path, or a MiniSBD language name
        if not model.is_absolute():
            file_name = modules.sbd.minisbd_models.MODELS.get(minisbd.lang, "")
            model = Path(modules.sbd.minisbd_models.cache_dir) / file_name
        on_disk = model.suffix == ".onnx" and model.is_file()
        return minisbd if on_disk else None

    # -- translation -----------------------------------------------------------------------

    def translate_batch(self, sentences: Sequence[str], source: str, target: str) -> EngineOutput:
        """Translate whole texts (one output per input), all sentences of a hop in one batch."""
        route = self.route(source, target)
        texts = list(sentences)
        try:
            for installed in route:
                texts = self._translate_hop(installed, texts)
        except (ModelMissingError, ArgosFolderError):
            raise
        except Exception as error:
            raise TranslationError(
                f"Argos translation {source}→{target} failed: {error}"
            ) from error
        model = "argos " + " → ".join(p.name for p in route)
        return EngineOutput(
            texts=tuple(texts), model=model, pivot=PIVOT_LANGUAGE if len(route) == 2 else None
        )

    def _translate_hop(self, installed: InstalledPackage, texts: Sequence[str]) -> list[str]:
        modules, package, translator = self._load(installed)
        sentencizer = self._sentencizer(modules, package)
        batch = _BatchTranslator(
            translator,
            {
                "beam_size": self.beam_size,
                "num_hypotheses": 1,
                "length_penalty": 0.2,  # Argos's own value, so results match argostranslate's
                "replace_unknowns": True,
                "return_scores": True,
                "max_batch_size": self.max_batch_tokens,
                "batch_type": "tokens",
            },
        )
        lines = [sentence_rules.split_lines(text.strip()) for text in texts]
        batch.prefetch(
            [
                package.tokenizer.encode(sentence)
                for text_lines in lines
                for line in text_lines
                for sentence in sentencizer.split_sentences(line)
            ],
            package.target_prefix,
        )
        apply = modules.translate.apply_packaged_translation
        return [
            "\n".join(
                apply(package, line, batch, sentencizer, num_hypotheses=1)[0].value.strip()
                if line.strip()
                else ""
                for line in text_lines
            )
            for text_lines in lines
        ]
