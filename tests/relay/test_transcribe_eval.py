"""`flask --app wsgi transcribe-eval FOLDER` on a small folder the test builds: espeak-ng
English with its reference text, and French (a language relay does not serve), measured with
real Whisper base at 16 kHz and 8 kHz mu-law. Synthetic voices: the figures prove the command,
not the recogniser."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.support.speech_fixtures import ENGLISH_TEXT, SpeechClips, synthesise, to_pcm16k

FRENCH_TEXT = "Bonjour, je voudrais savoir quand passe le camion des ordures dans mon quartier."


@pytest.mark.slow
def test_transcribe_eval_prints_error_rates_and_the_confusion_table(
    app_factory: Any, whisper_base_dir: Path, tmp_path: Path, speech_clips: SpeechClips
) -> None:
    folder = tmp_path / "eval"
    for language, clip, text in (
        ("en", speech_clips.english_16k, ENGLISH_TEXT),
        ("fr", to_pcm16k(synthesise("fr", FRENCH_TEXT)), FRENCH_TEXT),
    ):
        (folder / language).mkdir(parents=True)
        shutil.copy(clip, folder / language / "call-1.wav")
        (folder / language / "call-1.txt").write_text(text, encoding="utf-8")
    app = app_factory(WHISPER_MODEL=str(whisper_base_dir))
    result = app.test_cli_runner().invoke(args=["transcribe-eval", str(folder)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"2 recordings in {folder}"
    for rate in ("16k", "8k-mulaw"):
        [row] = [line for line in lines if line.startswith(f"en | {rate} | 1 | ")]
        wer, cer = (float(value) for value in row.split(" | ")[3:])
        assert wer < 0.3 and cer < 0.2, row  # base hears espeak-ng's English well
        assert f"fr | {rate} | 1 | - | -" in lines  # not transcribed: only checked
        assert "en -> en 1 | flagged 0/1" in lines
        assert any(re.fullmatch(r"fr -> fr 1 \| flagged 1/1", line) for line in lines), lines
    assert result.output.count("언어 판별 (spoken-language check)") == 2


def test_transcribe_eval_names_a_folder_without_references(
    app_factory: Any, tmp_path: Path
) -> None:
    (tmp_path / "en").mkdir()
    result = app_factory().test_cli_runner().invoke(args=["transcribe-eval", str(tmp_path)])
    assert result.exit_code != 0
    assert "no recordings with references" in result.output
