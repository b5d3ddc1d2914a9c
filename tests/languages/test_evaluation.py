"""transcribe-eval's parts: the folder layouts, text normalisation, scores and the confusion
table (with recogniser doubles), and the phone-audio conversion it measures at."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from languages.audio import as_phone_audio, decode_mulaw, encode_mulaw
from languages.evaluation import (
    EvaluationError,
    Heard,
    Recording,
    find_recordings,
    normalise,
    report,
    score,
)
from languages.speech import LanguageGuess
from languages.spoken import judge
from tests.support.speech_fixtures import SpeechClips


def test_a_folder_of_language_folders_pairs_audio_with_references(
    tmp_path: Path, speech_clips: SpeechClips
) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "fr").mkdir()
    shutil.copy(speech_clips.english_16k, tmp_path / "en" / "call1.wav")
    (tmp_path / "en" / "call1.txt").write_text("Hello there.\n", encoding="utf-8")
    shutil.copy(speech_clips.english_16k, tmp_path / "en" / "no-reference.wav")
    shutil.copy(speech_clips.english_16k, tmp_path / "fr" / "appel.wav")
    (tmp_path / "fr" / "appel.txt").write_text("Bonjour.", encoding="utf-8")
    found = find_recordings(tmp_path)
    assert [(r.path.name, r.language, r.reference) for r in found] == [
        ("call1.wav", "en", "Hello there."),
        ("appel.wav", "fr", "Bonjour."),
    ]


def test_references_tsv_lists_recordings_and_mistakes_are_named(
    tmp_path: Path, speech_clips: SpeechClips
) -> None:
    shutil.copy(speech_clips.english_16k, tmp_path / "a.wav")
    (tmp_path / "references.tsv").write_text("# path\tlang\ttext\na.wav\ten\tHello\n")
    [recording] = find_recordings(tmp_path)
    assert (recording.language, recording.reference) == ("en", "Hello")
    (tmp_path / "references.tsv").write_text("missing.wav\ten\tHello\n")
    with pytest.raises(EvaluationError, match=r"line 1: no file missing\.wav"):
        find_recordings(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(EvaluationError, match="no recordings"):
        find_recordings(empty)


def test_normalising_folds_case_punctuation_width_and_chinese_script() -> None:
    assert normalise("Hello, World!  Ｔｕｅｓｄａｙ.", "en") == "hello world tuesday"
    assert normalise("我想問一下。", "zh") == "我想问一下"


def heard(language: str, rate: str, hypothesis: str | None, spoken: str, chosen: str) -> Heard:
    check = judge(LanguageGuess(((spoken, 0.8), (chosen, 0.1)), 0.5), chosen)
    reference = {"en": "the truck did not come", "zh": "垃圾车没有来", "fr": "bonjour"}[language]
    return Heard(Recording(Path(f"{language}.wav"), language, reference), rate, hypothesis, check)


def test_scores_per_language_and_rate_and_the_confusion_table() -> None:
    evaluation = score(
        [
            heard("en", "16k", "The truck did not come.", "en", "en"),
            heard("en", "8k-mulaw", "the truck did come", "en", "en"),
            heard("zh", "16k", "垃圾車沒有來", "zh", "zh"),
            heard("fr", "16k", None, "fr", "en"),
            heard("fr", "8k-mulaw", None, "en", "en"),
        ]
    )
    scores = {(s.language, s.rate): s for s in evaluation.scores}
    assert scores[("en", "16k")].wer == 0.0 and scores[("en", "16k")].cer == 0.0
    assert scores[("en", "8k-mulaw")].wer == pytest.approx(0.2)  # one word of five missing
    assert scores[("zh", "16k")].wer is None  # no spaces between words
    assert scores[("zh", "16k")].cer == 0.0  # traditional characters are not errors
    assert scores[("fr", "16k")].cer is None  # not transcribed: only checked
    assert evaluation.confusion[("16k", "fr")] == {"fr": 1}
    assert evaluation.flagged[("16k", "fr")] == 1
    assert evaluation.flagged[("8k-mulaw", "fr")] == 0  # heard as the menu's English: missed
    lines = report(evaluation)
    assert "en | 8k-mulaw | 1 | 0.200 | " in "\n".join(lines)
    assert "fr -> fr 1 | flagged 1/1" in lines
    assert "fr -> en 1 | flagged 0/1" in lines


def test_mulaw_encoding_inverts_the_decoding_table() -> None:
    codes = bytes(range(256))
    again = encode_mulaw(decode_mulaw(codes))
    # 0x7F and 0xFF both decode to zero, which encodes as 0xFF
    assert [i for i in range(256) if again[i] != codes[i]] == [0x7F]


def test_phone_audio_keeps_the_length_and_the_speech_band() -> None:
    t = np.arange(16_000) / 16_000
    tone = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    hiss = (0.5 * np.sin(2 * np.pi * 6_000 * t)).astype(np.float32)
    assert abs(len(as_phone_audio(tone)) - 16_000) < 200
    assert np.abs(as_phone_audio(tone)).max() > 0.4  # 440 Hz goes through
    assert np.abs(as_phone_audio(hiss)[200:-200]).max() < 0.05  # 6 kHz is above 8 kHz's band
