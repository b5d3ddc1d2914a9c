"""Measuring the recogniser on a centre's own recordings: error rates and the language check.

Synthetic speech proves the plumbing; only real callers' voices say whether Whisper can be
trusted with a language. A centre gathers consented recordings with what was really said and
runs `flask --app wsgi transcribe-eval FOLDER`, which calls `evaluate` here:

- word and character error rates per language (jiwer), with the transcription forced to the
  recording's language as the phone menu forces it, at 16 kHz and again at 8 kHz mu-law (the
  same audio as the phone network would carry it; a recording that already came through the
  phone network gains nothing at "16k", so expect the two rows to agree for those);
- the spoken-language check's confusion table: for each language recorded, which language
  Whisper heard and how often the check flagged it. Recordings in languages relay does not
  serve (fr/, ru/, ...) are welcome: they are judged against the `menu` language (English,
  key 1, by default) and counted, not transcribed.

Folder layout: `<folder>/<lang>/<name>.wav` (any format the audio reader takes: .wav, .mp3,
.ogg, .flac, .m4a) with the reference text beside it in `<name>.txt`, or a
`<folder>/references.tsv` listing `path<TAB>language<TAB>reference text` with paths relative
to the folder.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jiwer

from languages import registry
from languages.audio import Samples, as_phone_audio, load_audio
from languages.chinese_script import to_simplified
from languages.speech import Recognizer, SpokenLanguageDetector
from languages.spoken import SpokenLanguageCheck, check_spoken_language

AUDIO_SUFFIXES = frozenset({".wav", ".mp3", ".ogg", ".flac", ".m4a"})
RATES: dict[str, Callable[[Samples], Samples]] = {
    "16k": lambda samples: samples,
    "8k-mulaw": as_phone_audio,
}
# Written without spaces between words: their word error rate would count whole sentences.
_UNSPACED = frozenset({"zh", "ja", "th", "lo", "km", "my", "yue"})


class EvaluationError(ValueError):
    """The folder cannot be evaluated; the message says what to fix."""


@dataclass(frozen=True)
class Recording:
    """One recording with what was really said and the language it was said in."""

    path: Path
    language: str  # a Whisper code; relay's six are transcribed, others only checked
    reference: str


@dataclass(frozen=True)
class Heard:
    """What the recogniser made of one recording at one rate."""

    recording: Recording
    rate: str
    hypothesis: str | None  # None: not transcribed (a language relay does not serve)
    check: SpokenLanguageCheck | None  # None: no speech found


@dataclass(frozen=True)
class LanguageScore:
    """Error rates of one language at one rate (None where the measure does not apply)."""

    language: str
    rate: str
    recordings: int
    wer: float | None
    cer: float | None


@dataclass(frozen=True)
class Evaluation:
    """Every recording heard, the error rates and the confusion table."""

    heard: tuple[Heard, ...]
    scores: tuple[LanguageScore, ...]
    # (rate, language recorded) -> Counter of the language heard ("" when no speech was found)
    confusion: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)
    flagged: Counter[tuple[str, str]] = field(default_factory=Counter)


def find_recordings(folder: Path) -> list[Recording]:
    """The recordings of an evaluation folder, from references.tsv or `<lang>/<name>.txt`."""
    if not folder.is_dir():
        raise EvaluationError(f"{folder} is not a folder")
    table = folder / "references.tsv"
    found = _from_table(folder, table) if table.is_file() else _from_folders(folder)
    if not found:
        raise EvaluationError(
            f"no recordings with references in {folder}: expected <lang>/<name>.wav with "
            "<name>.txt beside it, or references.tsv"
        )
    return found


def _from_table(folder: Path, table: Path) -> list[Recording]:
    found = []
    for number, line in enumerate(table.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or not all(part.strip() for part in parts):
            raise EvaluationError(f"references.tsv line {number}: expected path, language, text")
        path = folder / parts[0].strip()
        if not path.is_file():
            raise EvaluationError(f"references.tsv line {number}: no file {parts[0]}")
        found.append(Recording(path, parts[1].strip(), parts[2].strip()))
    return found


def _from_folders(folder: Path) -> list[Recording]:
    found = []
    for language_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        for audio in sorted(language_dir.iterdir()):
            text = audio.with_suffix(".txt")
            if audio.suffix.lower() in AUDIO_SUFFIXES and text.is_file():
                reference = text.read_text(encoding="utf-8").strip()
                if reference:
                    found.append(Recording(audio, language_dir.name, reference))
    return found


def normalise(text: str, language: str) -> str:
    """The text as error rates compare it: NFKC, case and punctuation folded, spaces single;
    Chinese in simplified script on both sides (relay shows it so)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    if language == "zh":
        folded = to_simplified(folded)
    kept = "".join(ch if unicodedata.category(ch)[0] not in "PS" else " " for ch in folded)
    return " ".join(kept.split())


def evaluate(
    recordings: Sequence[Recording],
    recognizer: Recognizer,
    detector: SpokenLanguageDetector,
    *,
    rates: Iterable[str] = tuple(RATES),
    menu: str = "en",
) -> Evaluation:
    """Transcribe and check every recording at every rate, and score them."""
    heard: list[Heard] = []
    for recording in recordings:
        samples = load_audio(recording.path)
        for rate in rates:
            audio = RATES[rate](samples)
            served = registry.is_supported(recording.language)
            hypothesis = None
            if served:
                transcript = recognizer.transcribe(audio, language=recording.language)
                hypothesis = transcript.text
            chosen = recording.language if served else menu
            check = check_spoken_language(detector, audio, chosen)
            heard.append(Heard(recording, rate, hypothesis, check))
    return score(heard)


def score(heard: Sequence[Heard]) -> Evaluation:
    """Error rates per (language, rate) and the confusion table, from what was heard."""
    groups: dict[tuple[str, str], list[Heard]] = {}
    confusion: dict[tuple[str, str], Counter[str]] = {}
    flagged: Counter[tuple[str, str]] = Counter()
    for item in heard:
        key = (item.recording.language, item.rate)
        groups.setdefault(key, []).append(item)
        row = confusion.setdefault((item.rate, item.recording.language), Counter())
        row[item.check.spoken if item.check else ""] += 1
        if item.check is not None and item.check.differs:
            flagged[(item.rate, item.recording.language)] += 1
    scores = [_language_score(language, rate, items) for (language, rate), items in groups.items()]
    return Evaluation(tuple(heard), tuple(scores), confusion, flagged)


def _language_score(language: str, rate: str, items: list[Heard]) -> LanguageScore:
    transcribed = [item for item in items if item.hypothesis is not None]
    if not transcribed:
        return LanguageScore(language, rate, len(items), None, None)
    references = [normalise(item.recording.reference, language) for item in transcribed]
    hypotheses = [normalise(item.hypothesis or "", language) for item in transcribed]
    if language in _UNSPACED:  # spaces there are Whisper's habit, not words
        references = [text.replace(" ", "") for text in references]
        hypotheses = [text.replace(" ", "") for text in hypotheses]
        wer = None
    else:
        wer = float(jiwer.wer(references, hypotheses))
    cer = float(jiwer.cer(references, hypotheses))
    return LanguageScore(language, rate, len(items), wer, cer)


def report(evaluation: Evaluation) -> list[str]:
    """The evaluation as lines of text: error rates, then the confusion table per rate."""
    lines = ["언어 language | 음질 rate | 녹음 n | WER | CER"]
    for s in sorted(evaluation.scores, key=lambda s: (s.language, s.rate)):
        wer = "-" if s.wer is None else f"{s.wer:.3f}"
        cer = "-" if s.cer is None else f"{s.cer:.3f}"
        lines.append(f"{s.language} | {s.rate} | {s.recordings} | {wer} | {cer}")
    for rate in sorted({rate for rate, _language in evaluation.confusion}):
        lines.append("")
        lines.append(f"언어 판별 (spoken-language check), {rate}: recorded -> heard (count)")
        for (row_rate, language), heard in sorted(evaluation.confusion.items()):
            if row_rate != rate:
                continue
            cells = ", ".join(f"{code or 'no speech'} {n}" for code, n in heard.most_common())
            flagged = evaluation.flagged[(rate, language)]
            lines.append(f"{language} -> {cells} | flagged {flagged}/{sum(heard.values())}")
    return lines
