"""languages.speech: the stored JSON shape of a transcript and the Recognizer contract."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from languages.speech import Recognizer, Segment, Transcript
from languages.whisper import FasterWhisperRecognizer


def make_transcript() -> Transcript:
    first = Segment(0.0, 1.5, "Hello.", -0.2, 0.05, 1.1)
    second = Segment(1.5, 3.0, "My bin was not emptied.", -0.3, 0.05, 1.2)
    return Transcript(
        language="en",
        language_probability=0.97,
        duration=3.2,
        text="Hello. My bin was not emptied.",
        segments=(first, second),
        dropped=("3.00-3.20s silence phrase: Thank you for watching.",),
    )


def test_json_dict_has_exactly_the_stored_fields() -> None:
    stored = make_transcript().to_json_dict()
    assert stored == {
        "language": "en",
        "language_probability": 0.97,
        "duration": 3.2,
        "text": "Hello. My bin was not emptied.",
        "segments": [
            {
                "start": 0.0,
                "end": 1.5,
                "text": "Hello.",
                "avg_logprob": -0.2,
                "no_speech_prob": 0.05,
            },
            {
                "start": 1.5,
                "end": 3.0,
                "text": "My bin was not emptied.",
                "avg_logprob": -0.3,
                "no_speech_prob": 0.05,
            },
        ],
    }
    assert json.loads(json.dumps(stored)) == stored


def test_results_are_frozen() -> None:
    transcript = make_transcript()
    with pytest.raises(dataclasses.FrozenInstanceError):
        transcript.text = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        transcript.segments[0].text = "changed"  # type: ignore[misc]


def test_is_empty_ignores_whitespace() -> None:
    assert not make_transcript().is_empty
    assert dataclasses.replace(make_transcript(), text="  ", segments=()).is_empty


def test_faster_whisper_recognizer_satisfies_the_protocol(tmp_path: Path) -> None:
    # Constructing a recogniser loads nothing, so this holds even without a model on disk.
    assert isinstance(FasterWhisperRecognizer(tmp_path), Recognizer)
