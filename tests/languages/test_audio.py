"""languages.audio against sox: G.711 tables, WAV and MP3 decoding, resampling, and clear errors."""

from __future__ import annotations

import io
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

from languages.audio import (
    SAMPLE_RATE,
    AudioError,
    decode_alaw,
    decode_mulaw,
    duration_seconds,
    load_audio,
)


def sox(*args: str) -> None:
    subprocess.run(["sox", *args], check=True, capture_output=True, timeout=30)


def dominant_frequency(samples: np.ndarray, rate: int = SAMPLE_RATE) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])


@pytest.fixture
def sine_8k(tmp_path: Path) -> Path:
    """One second of a 440 Hz tone as 8 kHz 16-bit PCM."""
    path = tmp_path / "sine.wav"
    sox(
        "-n",
        "-r",
        "8000",
        "-c",
        "1",
        "-b",
        "16",
        str(path),
        "synth",
        "1",
        "sine",
        "440",
        "vol",
        "0.5",
    )
    return path


@pytest.mark.parametrize(
    ("sox_type", "decode"), [("ul", decode_mulaw), ("al", decode_alaw)], ids=["mu-law", "a-law"]
)
def test_g711_tables_match_sox_for_every_code(
    tmp_path: Path, sox_type: str, decode: object
) -> None:
    codes = tmp_path / f"codes.{sox_type}"
    codes.write_bytes(bytes(range(256)))
    linear = tmp_path / "linear.raw"
    sox(
        "-t",
        sox_type,
        "-r",
        "8000",
        "-c",
        "1",
        str(codes),
        "-t",
        "raw",
        "-e",
        "signed",
        "-b",
        "16",
        str(linear),
    )
    expected = np.frombuffer(linear.read_bytes(), dtype="<i2")
    assert callable(decode)
    assert np.array_equal(decode(bytes(range(256))), expected)


@pytest.mark.parametrize("encoding", ["u-law", "a-law"])
def test_phone_wav_is_expanded_and_resampled_to_16k(
    tmp_path: Path, sine_8k: Path, encoding: str
) -> None:
    phone = tmp_path / "phone.wav"
    sox(str(sine_8k), "-e", encoding, str(phone))
    samples = load_audio(phone)
    assert samples.dtype == np.float32
    assert samples.ndim == 1
    assert len(samples) == pytest.approx(SAMPLE_RATE, abs=2)
    assert dominant_frequency(samples) == pytest.approx(440, abs=2)
    assert 0.45 < float(np.abs(samples).max()) < 0.55
    # Nothing above the 4 kHz Nyquist limit of the phone line may appear: a proper resampler
    # does not leave an image of the tone at 8000 - 440 Hz (linear interpolation leaves ~1e-2).
    spectrum = np.abs(np.fft.rfft(samples))
    frequencies = np.fft.rfftfreq(len(samples), 1 / SAMPLE_RATE)
    assert spectrum[frequencies > 4200].max() < spectrum.max() * 1e-3


def test_stereo_44k_pcm_becomes_16k_mono(tmp_path: Path) -> None:
    path = tmp_path / "stereo.wav"
    sox(
        "-n",
        "-r",
        "44100",
        "-c",
        "2",
        "-b",
        "16",
        str(path),
        "synth",
        "2",
        "sine",
        "1000",
        "vol",
        "0.5",
    )
    samples = load_audio(path)
    assert duration_seconds(samples) == pytest.approx(2.0, abs=0.01)
    assert dominant_frequency(samples) == pytest.approx(1000, abs=2)


def test_16k_pcm_passes_through_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "pcm16k.wav"
    sox(
        "-n",
        "-r",
        "16000",
        "-c",
        "1",
        "-b",
        "16",
        str(path),
        "synth",
        "0.5",
        "sine",
        "300",
        "vol",
        "0.5",
    )
    samples = load_audio(path)
    raw = path.read_bytes()
    payload = raw[raw.index(b"data") + 8 :]
    assert np.array_equal(samples, np.frombuffer(payload, dtype="<i2") / np.float32(32768))


def test_mp3_recording_is_decoded(tmp_path: Path, sine_8k: Path) -> None:
    mp3 = tmp_path / "recording.mp3"
    sox(str(sine_8k), "-r", "22050", str(mp3))
    samples = load_audio(mp3)
    assert duration_seconds(samples) == pytest.approx(1.0, abs=0.1)  # MP3 frames pad the ends
    assert dominant_frequency(samples) == pytest.approx(440, abs=3)


def test_bytes_and_open_files_are_accepted(sine_8k: Path) -> None:
    from_path = load_audio(sine_8k)
    assert np.array_equal(load_audio(sine_8k.read_bytes()), from_path)
    with sine_8k.open("rb") as handle:
        assert np.array_equal(load_audio(handle), from_path)
    assert np.array_equal(load_audio(io.BytesIO(sine_8k.read_bytes())), from_path)


def test_streamed_wav_with_unknown_length_reads_to_the_end(sine_8k: Path) -> None:
    raw = bytearray(sine_8k.read_bytes())
    data_at = raw.index(b"data")
    raw[data_at + 4 : data_at + 8] = struct.pack("<I", 0xFFFFFFFF)
    assert np.array_equal(load_audio(bytes(raw)), load_audio(sine_8k))


def test_empty_file_is_an_audio_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(AudioError, match="empty"):
        load_audio(empty)


def test_wav_without_samples_is_an_audio_error(tmp_path: Path, sine_8k: Path) -> None:
    raw = sine_8k.read_bytes()
    header_only = raw[: raw.index(b"data")] + b"data" + struct.pack("<I", 0)
    with pytest.raises(AudioError, match="no audio samples"):
        load_audio(header_only)


def test_truncated_wav_is_an_audio_error(sine_8k: Path) -> None:
    raw = sine_8k.read_bytes()
    with pytest.raises(AudioError, match="truncated"):
        load_audio(raw[: len(raw) // 2])


def test_wav_cut_inside_its_header_is_an_audio_error(sine_8k: Path) -> None:
    with pytest.raises(AudioError):
        load_audio(sine_8k.read_bytes()[:30])


def test_corrupt_bytes_are_an_audio_error() -> None:
    with pytest.raises(AudioError, match="cannot decode"):
        load_audio(b"this is not audio at all " * 40)


def test_missing_file_is_an_audio_error(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="cannot read"):
        load_audio(tmp_path / "absent.wav")


def test_duration_counts_samples_at_the_given_rate() -> None:
    assert duration_seconds(np.zeros(24_000, dtype=np.float32)) == 1.5
    assert duration_seconds(np.zeros(8_000, dtype=np.int16), sample_rate=8_000) == 1.0
