"""Chinese transcripts in simplified characters, with what Whisper wrote kept beside them.

Whisper sometimes writes Mandarin in traditional characters (seen on 8 kHz phone audio), while
Chinese residents in Korea write simplified characters and the translation models were trained
on them. OpenCC's maintained conversion tables do the conversion (`t2s`, character and phrase
level); an initial prompt in simplified script was the alternative, but a prompt only nudges
the decoder, costs tokens in every window and cannot be checked, while the table is exact and
takes microseconds. The recognised text is never lost: each changed segment keeps it.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from functools import cache
from typing import Any

from languages.speech import Transcript

_lock = threading.Lock()


@cache
def _converter() -> Any:
    import opencc  # the maintained OpenCC binding: its dictionaries ship in the wheel

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """`text` with traditional Chinese characters and phrases written in simplified script."""
    if not text:
        return text
    with _lock:  # one shared converter; OpenCC's thread safety is not documented
        converted: str = _converter().convert(text)
    return converted


def simplify_transcript(transcript: Transcript) -> Transcript:
    """A Chinese transcript with its segments in simplified script; each changed segment keeps
    what Whisper wrote in `recognised_text`. Other languages pass untouched."""
    if transcript.language != "zh":
        return transcript
    segments = []
    for segment in transcript.segments:
        simplified = to_simplified(segment.text)
        if simplified != segment.text:
            segment = replace(segment, text=simplified, recognised_text=segment.text)
        segments.append(segment)
    if all(segment.recognised_text is None for segment in segments):
        return transcript
    text = " ".join(segment.text for segment in segments)
    return replace(transcript, segments=tuple(segments), text=text)
