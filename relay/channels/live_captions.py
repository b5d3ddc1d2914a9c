"""A live call's utterance made into a caption: heard once by Whisper (the caller's menu
language forced), translated into Korean, saved for the agent's thread.

The speech lane of the process holding the call does this right after the stream stored the
utterance. If that process dies first, the utterance is still in the record with its audio on
disk, and the sweeper gives it to `caption_stored_utterance`, which hears the stored audio in a
worker: a lost node loses a caption's latency, never the caller's words.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from languages.audio import Samples, load_audio
from languages.engine import ModelMissingError, TranslationError
from languages.speech import SpeechError
from languages.transcript_check import check_transcript
from languages.translation import Translation
from relay.recordings import stored_recording
from relay.services import Services
from transcripts.db import utcnow
from transcripts.live_calls import LiveCaption
from transcripts.models import MessageStatus

log = logging.getLogger(__name__)


def caption(
    svc: Services,
    message_id: int,
    language: str,
    samples: Samples,
    start: float,
    seconds: float,
    quick: bool = False,
) -> None:
    """Transcribe once (language forced, the recordings' guards), translate, save; `start` is
    where the utterance lies in the call's audio, so its segments keep the call's clock, and
    a transcript in the wrong script or too short for `seconds` of speech is flagged; `quick`
    is the live lane's faster decoding (RELAY_VOICE_LIVE_QUICK_DECODE)."""
    try:
        started = time.perf_counter()
        transcript = svc.languages.recognizer().transcribe(samples, language, quick=quick)
        recognition_ms = round((time.perf_counter() - started) * 1000, 1)
        transcript_at = utcnow()
        texts = [segment.text for segment in transcript.segments]
        done = _translate(svc, message_id, texts, language)
        segments = [segment.to_json_dict() for segment in transcript.segments]
        if done:
            for data, translation in zip(segments, done, strict=True):
                data["translated_text"] = translation.text
        result = LiveCaption(
            language=language,
            text=transcript.text,
            korean_text=" ".join(t.text for t in done) if done else None,
            segments=segments,
            engine=done[0].engine if done else None,
            model=done[0].model if done else None,
            pivot=done[0].pivot if done else None,
            recognition_ms=recognition_ms,
            translation_ms=max(t.duration_ms for t in done) if done else None,
            transcript_at=transcript_at,
            korean_at=utcnow() if done else None,
        )
        svc.record.live.save_caption(message_id, result, offset=start)
        for flag in check_transcript(transcript.text, language, seconds):
            svc.record.voice.flag_message(message_id, flag.notice)
    except SpeechError as error:
        svc.record.inbound.mark(message_id, MessageStatus.FAILED, f"speech recognition: {error}")
    except Exception:
        log.exception("live caption %s failed", message_id)
        svc.record.inbound.mark(message_id, MessageStatus.FAILED, "live caption failed")


def caption_stored_utterance(svc: Services, message_id: int, instance_path: Path) -> None:
    """The sweeper's job for an utterance whose caption never came: hear its stored audio.
    Idempotent: an utterance already captioned (or being worked on to the end) is left alone."""
    message = svc.record.inbound.begin_work(message_id)
    if message is None or message.recording_sid is not None or not message.audio_path:
        return
    path = stored_recording(instance_path, message.audio_path)
    if path is None:
        reason = "the live utterance's audio is no longer stored; nothing to hear again"
        svc.record.inbound.mark(message_id, MessageStatus.FAILED, reason)
        return
    segments = message.segments or [{}]
    start = float(segments[0].get("start") or 0.0)
    seconds = float(message.audio_seconds or 0.0)
    caption(svc, message_id, message.original_language or "en", load_audio(path), start, seconds)


def _translate(
    svc: Any, message_id: int, texts: list[str], language: str
) -> list[Translation] | None:
    """The Korean of each segment, or None (nothing said, or no model: the original shows)."""
    if not texts:
        return None
    try:
        return list(svc.languages.translator().translate_many(texts, language, "ko"))
    except (ModelMissingError, TranslationError) as error:
        log.warning("live caption %s not translated: %s", message_id, error)
        return None
