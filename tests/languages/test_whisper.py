"""FasterWhisperRecognizer on the real Whisper base model, and its guards against invented text.

Clips are espeak-ng speech: they prove the plumbing, not accuracy on real callers. Base hears
espeak's English well and its Vietnamese and Korean poorly, so only English words are asserted.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from languages.registry import UnsupportedLanguageError
from languages.speech import Segment, SpeechModelMissingError, Transcript
from languages.whisper import (
    FasterWhisperRecognizer,
    Guards,
    drop_silence_phrases,
    load_silence_phrases,
    normalise_phrase,
    restrict_language,
    screen_segments,
    trim_repetition,
)
from tests.support.speech_fixtures import SpeechClips

KEY_WORDS = ("garbage", "collection", "schedule", "truck", "tuesday")


def segment(text: str, start: float = 0.0, **scores: float) -> Segment:
    values = {"avg_logprob": -0.3, "no_speech_prob": 0.1, "compression_ratio": 1.2} | scores
    return Segment(start=start, end=start + 2.0, text=text, **values)


def words(transcript: Transcript) -> set[str]:
    return set(re.findall(r"[a-z]+", transcript.text.lower()))


# --- guards, on Segment objects -------------------------------------------------------------


def test_silence_phrase_filter_drops_whole_segment_phrases_only() -> None:
    phrases = load_silence_phrases()
    segments = [
        segment("시청해 주셔서 감사합니다!", start=0.0),
        segment("쓰레기 수거 일정이 궁금합니다. 시청해주셔서 감사합니다", start=2.0),
    ]
    kept, reasons = drop_silence_phrases(segments, phrases["ko"])
    assert [s.start for s in kept] == [2.0]
    assert reasons == ("0.00-2.00s silence phrase: 시청해 주셔서 감사합니다!",)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "thank you for watching"),
        ("en", "Thanks for watching!"),
        ("zh", "请不吝点赞订阅转发打赏支持明镜与点点栏目"),
        ("ja", "ご視聴ありがとうございました。"),
        ("ko", "MBC 뉴스 이덕영입니다."),
    ],
)
def test_known_hallucinations_are_listed(language: str, text: str) -> None:
    assert normalise_phrase(text) in load_silence_phrases()[language]


def test_every_language_has_silence_phrases_and_courtesies_are_not_among_them() -> None:
    phrases = load_silence_phrases()
    assert set(phrases) == {"en", "zh", "ja", "vi", "mn", "ko"}
    assert normalise_phrase("Thank you.") not in phrases["en"]
    assert normalise_phrase("감사합니다") not in phrases["ko"]


def test_screen_drops_doubtful_segments_and_says_why() -> None:
    segments = [
        segment("My bin was not emptied.", start=0.0),
        segment("Where is it? Where is it? Where is it? Where is it?", start=2.0),
        segment("Words words.", start=4.0, compression_ratio=3.1),
        segment("Hmm.", start=6.0, no_speech_prob=0.93),
        segment("Mumbled words.", start=8.0, no_speech_prob=0.7, avg_logprob=-1.1),
        segment("Garbled words.", start=10.0, avg_logprob=-1.6),
        segment("Thank you for watching.", start=12.0),
    ]
    kept, reasons = screen_segments(segments, "en", Guards(), load_silence_phrases())
    assert [s.text for s in kept] == ["My bin was not emptied.", "Where is it?"]
    assert reasons == (
        "2.00-4.00s repetition loop trimmed",
        "4.00-6.00s repetitive (compression ratio 3.10)",
        "6.00-8.00s no speech (probability 0.93)",
        "8.00-10.00s probably silence (no-speech 0.70, log-prob -1.10)",
        "10.00-12.00s unsure (average log-probability -1.60)",
        "12.00-14.00s silence phrase: Thank you for watching.",
    )


def test_repetition_loops_are_trimmed_to_one_occurrence() -> None:
    # What base produced for espeak-ng's Korean before hitting the token cap.
    looped = "영하세용, 쾌피쇼콩, 영하세용, 쾌피쇼콩, 영하세용, 쾌피쇼콩, 영하세용, 쾌"
    assert trim_repetition(looped) == "영하세용, 쾌피쇼콩"
    assert trim_repetition("แม่" * 40) == "แม่"
    sentence = "Hello hello hello, I need help with my visa."
    assert trim_repetition(sentence) == sentence


def test_language_choice_is_restricted_and_renormalised() -> None:
    # Whisper takes espeak-ng's Korean for Thai; relay must still pick among its six.
    heard = [("th", 0.90), ("ko", 0.06), ("en", 0.03), ("vi", 0.01)]
    allowed = {"en": "en", "zh": "zh", "ja": "ja", "vi": "vi", "mn": "mn", "ko": "ko"}
    code, probability = restrict_language(heard, allowed)
    assert code == "ko"
    assert probability == pytest.approx(0.6)


# --- the recogniser, without decoding ---------------------------------------------------------


def test_silence_and_noise_give_no_text_without_loading_whisper(
    whisper_base_dir: Path, speech_clips: SpeechClips
) -> None:
    recognizer = FasterWhisperRecognizer(whisper_base_dir)
    for clip in (speech_clips.silence_16k, speech_clips.noise_mulaw):
        transcript = recognizer.transcribe(clip)
        assert transcript.is_empty
        assert transcript.segments == ()
        assert transcript.duration == pytest.approx(5.0, abs=0.01)
        assert transcript.dropped == ("vad: no speech found, decoder not run",)
    assert not recognizer.is_loaded


def test_forced_language_is_kept_on_silence(
    whisper_base_dir: Path, speech_clips: SpeechClips
) -> None:
    transcript = FasterWhisperRecognizer(whisper_base_dir).transcribe(
        speech_clips.silence_16k, "vi"
    )
    assert (transcript.language, transcript.language_probability) == ("vi", 1.0)


def test_unsupported_language_is_refused(whisper_base_dir: Path, speech_clips: SpeechClips) -> None:
    with pytest.raises(UnsupportedLanguageError):
        FasterWhisperRecognizer(whisper_base_dir).transcribe(speech_clips.english_16k, "fr")


def test_missing_model_is_reported(tmp_path: Path, speech_clips: SpeechClips) -> None:
    with pytest.raises(SpeechModelMissingError, match="no Whisper model"):
        FasterWhisperRecognizer(tmp_path).transcribe(speech_clips.english_16k)


# --- the recogniser on the real model ---------------------------------------------------------


@pytest.fixture(scope="module")
def english(whisper_recognizer: FasterWhisperRecognizer, speech_clips: SpeechClips) -> Transcript:
    return whisper_recognizer.transcribe(speech_clips.english_16k)


@pytest.mark.slow
def test_english_is_recognised_and_detected(english: Transcript) -> None:
    assert set(KEY_WORDS) <= words(english)
    assert english.language == "en"
    assert 0.5 < english.language_probability <= 1.0
    assert english.dropped == ()


@pytest.mark.slow
def test_segments_are_timed_in_order_within_the_clip(english: Transcript) -> None:
    assert len(english.segments) >= 1
    previous_end = 0.0
    for part in english.segments:
        assert previous_end <= part.start < part.end <= english.duration + 0.05
        previous_end = part.end
    assert english.text == " ".join(part.text for part in english.segments)


@pytest.mark.slow
def test_phone_mulaw_gives_the_same_words(
    whisper_recognizer: FasterWhisperRecognizer, speech_clips: SpeechClips, english: Transcript
) -> None:
    phone = whisper_recognizer.transcribe(speech_clips.english_mulaw)
    assert phone.language == "en"
    assert set(KEY_WORDS) <= words(phone)


@pytest.mark.slow
def test_a_quick_live_decode_gives_the_same_words(
    whisper_recognizer: FasterWhisperRecognizer, speech_clips: SpeechClips
) -> None:
    quick = whisper_recognizer.transcribe(speech_clips.english_mulaw, "en", quick=True)
    assert set(KEY_WORDS) <= words(quick)
    assert quick.language == "en" and quick.dropped == ()
    assert quick.segments and quick.segments[-1].end <= quick.duration + 0.05


@pytest.mark.slow
def test_a_quick_decode_of_silence_runs_no_decoder(
    whisper_base_dir: Path, speech_clips: SpeechClips
) -> None:
    recognizer = FasterWhisperRecognizer(whisper_base_dir)
    quiet = recognizer.transcribe(speech_clips.silence_16k, "en", quick=True)
    assert quiet.is_empty and not recognizer.is_loaded


@pytest.mark.slow
@pytest.mark.parametrize(("clip", "language"), [("vietnamese_16k", "vi"), ("korean_16k", "ko")])
def test_forced_language_is_used(
    whisper_recognizer: FasterWhisperRecognizer, speech_clips: SpeechClips, clip: str, language: str
) -> None:
    transcript = whisper_recognizer.transcribe(getattr(speech_clips, clip), language)
    assert (transcript.language, transcript.language_probability) == (language, 1.0)
    assert not transcript.is_empty


@pytest.mark.slow
def test_token_cap_stops_decoding(whisper_base_dir: Path, speech_clips: SpeechClips) -> None:
    capped = FasterWhisperRecognizer(
        whisper_base_dir, guards=Guards(max_tokens_per_second=0.5, token_allowance=2)
    )
    transcript = capped.transcribe(speech_clips.english_16k, "en")
    assert 0 < len(transcript.text.split()) <= 5


@pytest.mark.slow
def test_time_limit_stops_reading_segments(
    whisper_base_dir: Path, speech_clips: SpeechClips
) -> None:
    hurried = FasterWhisperRecognizer(whisper_base_dir, time_limit=0.0)
    transcript = hurried.transcribe(speech_clips.english_16k, "en")
    assert len(transcript.segments) == 1  # the clip gives two segments without a limit
    assert transcript.dropped[0].startswith("time limit: stopped at")


@pytest.mark.slow
def test_concurrent_calls_agree(
    whisper_recognizer: FasterWhisperRecognizer, speech_clips: SpeechClips
) -> None:
    alone = whisper_recognizer.transcribe(speech_clips.english_mulaw, "en")
    results: list[Transcript] = []

    def work() -> None:
        results.append(whisper_recognizer.transcribe(speech_clips.english_mulaw, "en"))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert results == [alone, alone]
