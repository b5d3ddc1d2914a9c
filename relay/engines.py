"""The app's door to `languages/`: builds detectors, translators and recognisers once, lazily.

Models are heavy (importing argostranslate alone costs seconds), so nothing is loaded when the app
is created. The first job or request that needs a model builds it, under a lock, once per process;
`warm_up_in_background` lets a serving process load them before the first message arrives, and
`readiness` says how far it got (for /healthz).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, sessionmaker

from languages.registry import KOREAN
from languages.routes import RouteScores, load_scores, parse_routes, scores_path
from relay.books import ReferenceBooks
from transcripts.books import Books
from transcripts.memory import DatabaseTranslationMemory

if TYPE_CHECKING:
    from languages.detect import Detection, LanguageDetector
    from languages.engine import TranslationEngine
    from languages.model_store import ModelsLayout
    from languages.translation import Translator

log = logging.getLogger(__name__)


class WarmUpError(RuntimeError):
    """Some installed translation models could not be loaded at start."""


class Readiness(StrEnum):
    """How far loading the language models in this process has got."""

    UNLOADED = "unloaded"  # no warm-up here: each model loads on its first use
    LOADING = "loading"
    READY = "ready"
    FAILED = "failed"  # the warm-up stopped; jobs load on first use and report why


class LanguageServices:
    """Lazily built language engines for one app."""

    def __init__(
        self,
        models_path: Path,
        *,
        beam_size: int,
        translation_threads: int = 0,
        whisper_model: Path,
        whisper_device: str,
        whisper_compute_type: str,
        sessions: sessionmaker[Session],
        whisper_threads: int = 0,
        whisper_time_limit: float | None = None,
        routes: str = "",
    ) -> None:
        self.models_path = models_path
        self._beam_size = beam_size
        self._translation_threads = translation_threads
        self._whisper_model = whisper_model
        self._whisper_device = whisper_device
        self._whisper_compute_type = whisper_compute_type
        self._whisper_threads = whisper_threads
        self._whisper_time_limit = whisper_time_limit
        self._sessions = sessions
        # The glossary and phrasebook admins edit: checked against the record per use.
        self.books = ReferenceBooks(Books(sessions))
        self._routes = parse_routes(routes)
        self._lock = threading.Lock()
        self._detector: LanguageDetector | None = None
        self._translator: Translator | None = None
        # The model weights (path, modification time) the translator was built over.
        self._built_over: tuple[tuple[Path, int], ...] = ()
        self._recognizer: Any = None
        self._readiness = Readiness.UNLOADED
        self._warm_up_error: str | None = None
        self._warmed: tuple[str, ...] = ()

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], sessions: sessionmaker[Session]
    ) -> LanguageServices:
        return cls(
            Path(config["MODELS_PATH"]),
            beam_size=int(config["TRANSLATION_BEAM_SIZE"]),
            translation_threads=int(config["TRANSLATION_THREADS"]),
            whisper_model=Path(config["WHISPER_MODEL"]),
            whisper_device=config["WHISPER_DEVICE"],
            whisper_compute_type=config["WHISPER_COMPUTE_TYPE"],
            sessions=sessions,
            whisper_threads=int(config["WHISPER_CPU_THREADS"]),
            whisper_time_limit=float(config["WHISPER_TIME_LIMIT_SECONDS"]) or None,
            routes=str(config.get("TRANSLATION_ROUTES", "")),
        )

    @property
    def layout(self) -> ModelsLayout:
        """The folders under the models path (argos/, m2m/, whisper/)."""
        from languages.model_store import ModelsLayout

        return ModelsLayout(self.models_path)

    def detector(self) -> LanguageDetector:
        with self._lock:
            if self._detector is None:
                from languages.detect import LanguageDetector

                self._detector = LanguageDetector()
            return self._detector

    def detect(self, text: str) -> Detection:
        return self.detector().detect(text)

    def engines(self) -> list[TranslationEngine]:
        """Argos for the pairs it has, then each installed M2M-100-style model."""
        from languages.argos import ArgosEngine
        from languages.m2m import M2MEngine

        engines: list[TranslationEngine] = [
            ArgosEngine(
                self.layout.argos,
                beam_size=self._beam_size,
                intra_threads=self._translation_threads,
            )
        ]
        for directory, _ in self._m2m_models():
            engines.append(
                M2MEngine(
                    directory,
                    beam_size=self._beam_size,
                    intra_threads=self._translation_threads,
                )
            )
        return engines

    def _m2m_models(self) -> tuple[tuple[Path, int], ...]:
        """Each installed M2M-style model folder with its weights' modification time."""
        root = self.layout.m2m
        if not root.is_dir():
            return ()
        found = []
        for directory in sorted(root.iterdir()):
            weights = directory / "model.bin"
            if not directory.name.startswith(".") and weights.is_file():
                found.append((directory, weights.stat().st_mtime_ns))
        return tuple(found)

    def memory(self) -> DatabaseTranslationMemory:
        """Human-approved translations in the database, consulted before any engine."""
        from languages.memory import normalise

        return DatabaseTranslationMemory(self._sessions, normalise)

    def _installed_weights(self) -> tuple[tuple[Path, int], ...]:
        """Every installed translation model's weights with their modification time: what
        `translator()` was built over. Argos pairs are routed on disk at each translation,
        but a replaced package's loaded weights and M2M engines are not."""
        packages = self.layout.argos_home.packages
        argos = sorted(packages.glob("*/model/model.bin")) if packages.is_dir() else []
        scores = scores_path(self.models_path)
        measured = ((scores, scores.stat().st_mtime_ns),) if scores.is_file() else ()
        return tuple((path, path.stat().st_mtime_ns) for path in argos) + (
            self._m2m_models() + measured
        )

    def route_scores(self) -> RouteScores | None:
        """The last `flask languages evaluate` result for these models, if any."""
        return load_scores(self.models_path)

    def translator(self) -> Translator:
        """The translator over the installed models, rebuilt when a model is installed,
        replaced or removed (by `flask languages install` in another process, say) or the
        routes are measured again, so a running relay uses them without a restart. Each pair
        goes to the route RELAY_TRANSLATION_ROUTES names, else to the best-measured one."""
        installed = self._installed_weights()
        with self._lock:
            if self._translator is None or installed != self._built_over:
                from languages.routes import choose_routes, engines_by_name
                from languages.translation import PlaceholderRecord, Translator

                engines = self.engines()
                scores = self.route_scores()
                available = engines_by_name((e.name, e.pairs()) for e in engines)
                self._translator = Translator(
                    engines,
                    memory=self.memory(),
                    glossary=self.books.glossary,
                    routes=choose_routes(available, scores, self._routes),
                    placeholders=PlaceholderRecord(
                        scores.placeholders_shown() if scores is not None else None
                    ),
                )
                self._built_over = installed
            return self._translator

    def reset(self) -> None:
        """Forget built engines (after installing or removing a model in this process)."""
        with self._lock:
            self._translator = None

    def recognizer(self) -> Any:
        with self._lock:
            if self._recognizer is None:
                from languages.whisper import FasterWhisperRecognizer

                self._recognizer = FasterWhisperRecognizer(
                    self._whisper_model,
                    device=self._whisper_device,
                    compute_type=self._whisper_compute_type,
                    cpu_threads=self._whisper_threads,
                    time_limit=self._whisper_time_limit,
                )
            return self._recognizer

    @property
    def readiness(self) -> Readiness:
        return self._readiness

    def warm_up(self) -> None:
        """Load, in this thread, what the first message would otherwise wait for (seconds:
        importing argostranslate, reading each model): the detector, every translation model
        to and from Korean, and Whisper when it is installed. Constructing the translator
        alone loads nothing; each pair's engine has to be asked. A pair that fails to load
        does not keep the others cold: the failures are raised together at the end."""
        self._warmed = ()
        self.detector().warm()
        translator = self.translator()
        failures = []
        for source, target in sorted(translator.pairs()):
            if KOREAN.code not in (source, target):
                continue
            try:
                translator.warm(source, target)
            except Exception as error:  # a broken model file, say: named, the rest still load
                failures.append(f"{source}-{target}: {error}")
            else:
                self._warmed += (f"{source}-{target}",)
        if (self._whisper_model / "model.bin").is_file():
            self.recognizer().load()
        if failures:
            raise WarmUpError("; ".join(failures))

    def warm_up_in_background(self) -> threading.Thread | None:
        """Start `warm_up` in a daemon thread, once per process; None if already started."""
        with self._lock:
            if self._readiness is not Readiness.UNLOADED:
                return None
            self._readiness = Readiness.LOADING

        def _warm() -> None:
            try:
                self.warm_up()
            except Exception as error:  # the service runs on; jobs load on use and say why
                log.exception("warming up language models failed; jobs will report why")
                self._warm_up_error = f"{type(error).__name__}: {error}"
                self._readiness = Readiness.FAILED
            else:
                log.info("language models ready: %s", ", ".join(self._warmed) or "none")
                self._readiness = Readiness.READY

        thread = threading.Thread(target=_warm, name="relay-warm-up", daemon=True)
        thread.start()
        return thread

    def warm_up_status(self) -> dict[str, Any]:
        """The warm-up's state, the pairs it loaded and why it failed (for admins)."""
        return {
            "state": self._readiness.value,
            "pairs": list(self._warmed),
            "error": self._warm_up_error,
        }

    def status(self) -> dict[str, Any]:
        """What is installed, read from disk without loading any model (for /healthz)."""
        from languages.model_store import list_models

        models = list_models(self.layout)
        pairs = sorted({f"{s}-{t}" for m in models for s, t in m.pairs})
        whisper = (self._whisper_model / "model.bin").exists()
        return {
            "ok": whisper and bool(pairs),
            "whisper": whisper,
            "pairs": pairs,
            "installed": [
                {"kind": m.kind, "name": m.name, "version": m.version, "size_bytes": m.size_bytes}
                for m in models
            ],
        }
