"""The Argos pivot case: zh→ko through English, texts of several sentences, against argostranslate.

Chinese and Japanese reach Korean on Argos in two hops (zh→en, en→ko), and residents write
several sentences at once, so this is the path that splits, translates, joins and translates
again. Ours is relay's ArgosEngine as the worker runs it (every sentence of a hop in one
CTranslate2 batch, a splitter made once per package); the baseline is argostranslate's own
pivot, `CompositeTranslation` over two `PackageTranslation`s, which translates each paragraph
with `apply_packaged_translation`. Both decode greedily with one thread and use the same
sentence splits (relay's rules: argostranslate's MiniSBD would download a model, which a
benchmark must not), and the bench checks that both wrote the same Korean.

The packages are the tiny trained test models (tests/support/modelkit.py, cached in .cache/),
because a pivot needs a first hop that stops and writes text the second hop can read, which
random weights do not do: they either stop at once or run to the length limit. A tiny model
spends little time in CTranslate2, so this ratio is the worst case for our overhead.
"""

from __future__ import annotations

import csv
import logging
import shutil
from functools import partial
from pathlib import Path
from typing import Any

from bench import REPO, Options, Result, interleaved_medians
from bench._served import tiny_model_files
from languages import sentences as sentence_rules
from languages.argos import ArgosEngine, ArgosFolderError, ArgosHome, load_argostranslate
from languages.engine import cpu_threads
from languages.model_store import ModelsLayout, install_argos_file

SOURCE, PIVOT, TARGET = "zh", "en", "ko"
BEAM_SIZE = 1  # the tiny models are trained for greedy decoding
NAMES = {"zh": "Chinese", "en": "English", "ko": "Korean"}
HOME = REPO / ".cache" / "bench" / "argos-tiny"
PHRASES = REPO / "tests" / "data" / "phrases.tsv"
#: Test phrases joined into texts a resident might send, two or three sentences each.
TEXTS = (
    ("greeting", "hours", "arc"),
    ("closing", "wallet"),
    ("hours", "arc", "greeting"),
    ("wallet", "closing", "hours"),
)


def run(options: Options) -> list[Result]:
    """Time ArgosEngine against argostranslate's CompositeTranslation, one text per call."""
    phrases = _phrases()
    texts = ["".join(phrases[name] for name in text) for text in TEXTS]
    home = _install([Path(file) for file in tiny_model_files()])
    try:
        modules = load_argostranslate(home)
    except ArgosFolderError as error:  # another bench imported argostranslate first
        return [Result("translation", "Argos zh→en→ko (skipped)", 0.0, 0.0, "", note=str(error))]
    # argostranslate logs every sentence of every call at INFO on its own logger.
    logging.getLogger("argostranslate.utils").setLevel(logging.WARNING)
    threads = cpu_threads(options.cpu_threads)
    ours = ArgosEngine(home.root, beam_size=BEAM_SIZE, intra_threads=threads)
    bare = _bare_pivot(modules, threads)
    timings = [
        interleaved_medians(
            partial(ours.translate_batch, [text], SOURCE, TARGET),
            partial(bare.translate, text),
            options.runs,
        )
        for text in texts
    ]
    same = sum(timing.ours_output.texts[0] == timing.baseline_output for timing in timings)
    ours_seconds = sum(timing.ours for timing in timings)
    bare_seconds = sum(timing.baseline for timing in timings)
    sentences = sum(len(text) for text in TEXTS)
    return [
        Result(
            bench="translation",
            case=f"Argos zh→en→ko, {len(texts)} texts of 2-3 sentences",
            ours=sentences / ours_seconds,
            baseline=sentences / bare_seconds,
            baseline_name="argostranslate CompositeTranslation",
            note=(
                f"{ours_seconds / len(texts) * 1000:.0f} vs "
                f"{bare_seconds / len(texts) * 1000:.0f} ms per text; tiny trained models, "
                f"greedy, {threads} thread; {same} of {len(texts)} outputs identical"
            ),
            unit="sent/s",
        )
    ]


def _phrases() -> dict[str, str]:
    """The test phrases in the source language, by id (the tiny models know only these)."""
    with PHRASES.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return {row["id"]: row[SOURCE] for row in rows}


def _install(files: list[Path]) -> ArgosHome:
    """A bench-only Argos folder holding the tiny zh→en and en→ko packages."""
    layout = ModelsLayout(HOME)
    wanted = {f"translate-{s}_{t}" for s, t in ((SOURCE, PIVOT), (PIVOT, TARGET))}
    present = {path.name.rsplit("-", 1)[0] for path in layout.argos_home.packages.glob("*")}
    if present != wanted:
        shutil.rmtree(HOME, ignore_errors=True)
        for file in files:
            if file.name.rsplit("-", 1)[0] in wanted:
                install_argos_file(layout, file)
    return layout.argos_home


class _RuleSentencizer:
    """argostranslate's sentencizer interface over relay's rules, for the baseline."""

    def __init__(self, language: str) -> None:
        self.language = language

    def split_sentences(self, text: str) -> list[str]:
        return sentence_rules.split_sentences(text, self.language)


def _bare_pivot(modules: Any, threads: int) -> Any:
    """argostranslate's own two-hop translation, uncached, with our beam and thread count."""
    translate = modules.translate
    modules.settings.beam_size = BEAM_SIZE
    modules.settings.intra_threads = threads
    packages = {
        (package.from_code, package.to_code): package
        for package in modules.package.get_installed_packages()
    }
    languages = {code: translate.Language(code, name) for code, name in NAMES.items()}
    hops = []
    for source, target in ((SOURCE, PIVOT), (PIVOT, TARGET)):
        hop = translate.PackageTranslation(
            languages[source], languages[target], packages[(source, target)]
        )
        hop.sentencizer = _RuleSentencizer(source)
        hops.append(hop)
    return translate.CompositeTranslation(*hops)
