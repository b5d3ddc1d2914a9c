"""Reading callers' recordings into the 16 kHz mono float32 samples Whisper expects.

Phone audio arrives in a few shapes: WAV with 16-bit PCM at any rate, 8 kHz G.711 mu-law or
a-law WAV (what the phone network carries), and Twilio recordings as WAV or MP3. Plain WAV is
parsed here with the standard library and numpy, G.711 is expanded with 256-entry tables
(Python's `audioop` is gone in 3.13), and anything else goes to PyAV, the FFmpeg binding that
faster-whisper already depends on. Resampling uses PyAV's libswresample, a windowed-sinc
resampler, so 8 kHz speech is not aliased on its way to 16 kHz.

Every failure (empty, truncated or corrupt input) raises `AudioError` with a readable reason.
"""

from __future__ import annotations

import io
import logging
import struct
from os import PathLike, fspath
from typing import IO

import av
import av.error
import numpy as np
import numpy.typing as npt

from languages.speech import SpeechError

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16_000

Samples = npt.NDArray[np.float32]

_FORMAT_PCM = 0x0001
_FORMAT_FLOAT = 0x0003
_FORMAT_ALAW = 0x0006
_FORMAT_MULAW = 0x0007
_FORMAT_EXTENSIBLE = 0xFFFE
# A writer that streams a WAV (for example to a pipe) cannot know the data size in advance and
# writes one of these instead; the data then runs to the end of the file.
_UNKNOWN_SIZES = (0, 0xFFFFFFFF)


class AudioError(SpeechError):
    """A recording could not be read: empty, truncated, corrupt or in an unknown format."""


def _mulaw_table() -> npt.NDArray[np.int16]:
    """The G.711 mu-law expansion of every byte value to a 16-bit sample."""
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return np.where(codes & 0x80, -magnitude, magnitude).astype(np.int16)


def _alaw_table() -> npt.NDArray[np.int16]:
    """The G.711 a-law expansion of every byte value to a 16-bit sample."""
    codes = np.arange(256, dtype=np.int32) ^ 0x55
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = np.where(
        exponent == 0,
        (mantissa << 4) + 8,
        ((mantissa << 4) + 0x108) << np.maximum(exponent - 1, 0),
    )
    # In a-law the set sign bit means a positive sample, the opposite of mu-law.
    return np.where(codes & 0x80, magnitude, -magnitude).astype(np.int16)


_MULAW = _mulaw_table()
_ALAW = _alaw_table()


def decode_mulaw(data: bytes) -> npt.NDArray[np.int16]:
    """Expand G.711 mu-law bytes to 16-bit linear samples."""
    return _MULAW[np.frombuffer(data, dtype=np.uint8)]


def decode_alaw(data: bytes) -> npt.NDArray[np.int16]:
    """Expand G.711 a-law bytes to 16-bit linear samples."""
    return _ALAW[np.frombuffer(data, dtype=np.uint8)]


def duration_seconds(samples: npt.NDArray[np.generic], sample_rate: int = SAMPLE_RATE) -> float:
    """How long `samples` last when played at `sample_rate` (16 kHz unless told)."""
    return float(len(samples)) / sample_rate


def load_audio(source: str | PathLike[str] | bytes | IO[bytes]) -> Samples:
    """Read a recording from a path, its bytes or an open binary file as 16 kHz mono float32.

    Raises AudioError when the input holds no audio or cannot be decoded.
    """
    data = _read_bytes(source)
    if not data:
        raise AudioError("the recording is empty (0 bytes)")
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        wav = _parse_wav(data)
        if wav is not None:
            samples, rate = wav
            return resample(samples, rate)
    return _decode_with_av(data)


def resample(samples: Samples, rate: int, target_rate: int = SAMPLE_RATE) -> Samples:
    """Resample mono float32 `samples` from `rate` to `target_rate` with libswresample."""
    if rate == target_rate:
        return np.ascontiguousarray(samples, dtype=np.float32)
    resampler = av.AudioResampler(format="flt", layout="mono", rate=target_rate)
    frame = av.AudioFrame.from_ndarray(
        np.ascontiguousarray(samples, dtype=np.float32)[np.newaxis, :], format="flt", layout="mono"
    )
    frame.sample_rate = rate
    # resample(None) flushes the filter's tail, without which the last few ms would be lost.
    frames = [*resampler.resample(frame), *resampler.resample(None)]
    return _join_frames(frames)


def _read_bytes(source: str | PathLike[str] | bytes | IO[bytes]) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, str | PathLike):
        try:
            with open(fspath(source), "rb") as handle:
                return handle.read()
        except OSError as error:
            raise AudioError(f"cannot read the recording: {error}") from error
    return source.read()


def _parse_wav(data: bytes) -> tuple[Samples, int] | None:
    """Mono float samples and their rate, or None for a WAV encoding left to PyAV (e.g. ADPCM)."""
    fmt: bytes | None = None
    offset = 12
    while offset + 8 <= len(data):
        chunk_id = data[offset : offset + 4]
        (size,) = struct.unpack_from("<I", data, offset + 4)
        body_start = offset + 8
        if chunk_id == b"fmt ":
            fmt = data[body_start : body_start + size]
        elif chunk_id == b"data":
            if fmt is None:
                raise AudioError("corrupt WAV: the data chunk comes before the format chunk")
            available = len(data) - body_start
            if size in _UNKNOWN_SIZES:
                size = available
            elif size > available:
                raise AudioError(
                    f"truncated WAV: the header announces {size} bytes of audio "
                    f"but the file holds {available}"
                )
            return _decode_wav_data(fmt, data[body_start : body_start + size])
        offset = body_start + size + (size & 1)  # chunks are padded to an even length
    raise AudioError("corrupt or truncated WAV: no audio data chunk")


def _decode_wav_data(fmt: bytes, payload: bytes) -> tuple[Samples, int] | None:
    if len(fmt) < 16:
        raise AudioError("corrupt WAV: the format chunk is too short")
    tag, channels, rate, _byte_rate, block_align, bits = struct.unpack_from("<HHIIHH", fmt)
    if tag == _FORMAT_EXTENSIBLE and len(fmt) >= 26:
        (tag,) = struct.unpack_from("<H", fmt, 24)  # first two bytes of the sub-format GUID
    if channels == 0 or not 1000 <= rate <= 384_000 or block_align == 0:
        raise AudioError(f"corrupt WAV: {channels} channels at {rate} Hz")
    decoded = _decode_samples(tag, bits, payload[: len(payload) - len(payload) % block_align])
    if decoded is None:
        logger.debug("WAV format tag %#x with %d bits goes to PyAV", tag, bits)
        return None
    if decoded.size < channels:
        raise AudioError("the recording holds no audio samples")
    frames = decoded[: decoded.size - decoded.size % channels].reshape(-1, channels)
    mono = frames.mean(axis=1, dtype=np.float64) if channels > 1 else frames[:, 0]
    mono = np.nan_to_num(mono, nan=0.0, posinf=1.0, neginf=-1.0)
    return np.clip(mono, -1.0, 1.0).astype(np.float32), rate


def _decode_samples(tag: int, bits: int, payload: bytes) -> npt.NDArray[np.float64] | None:
    """Samples scaled to [-1, 1], interleaved, or None when the encoding is not handled here."""
    if tag == _FORMAT_MULAW and bits == 8:
        return decode_mulaw(payload) / 32768.0
    if tag == _FORMAT_ALAW and bits == 8:
        return decode_alaw(payload) / 32768.0
    if tag == _FORMAT_PCM and bits == 8:
        return (np.frombuffer(payload, dtype=np.uint8).astype(np.float64) - 128.0) / 128.0
    if tag == _FORMAT_PCM and bits == 16:
        return np.frombuffer(payload, dtype="<i2") / 32768.0
    if tag == _FORMAT_PCM and bits == 24:
        raw = np.frombuffer(payload, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        value = raw[:, 0] | (raw[:, 1] << 8) | (raw[:, 2] << 16)
        return np.where(value >= 1 << 23, value - (1 << 24), value) / float(1 << 23)
    if tag == _FORMAT_PCM and bits == 32:
        return np.frombuffer(payload, dtype="<i4") / float(1 << 31)
    if tag == _FORMAT_FLOAT and bits in (32, 64):
        return np.frombuffer(payload, dtype="<f4" if bits == 32 else "<f8").astype(np.float64)
    return None


def _decode_with_av(data: bytes) -> Samples:
    """Decode any container FFmpeg knows (MP3, WAV with unusual codecs, ...)."""
    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    frames: list[av.AudioFrame] = []
    try:
        with av.open(io.BytesIO(data), mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise AudioError("the file holds no audio stream")
            for frame in container.decode(audio=0):
                frames.extend(resampler.resample(frame))
            frames.extend(resampler.resample(None))
    except av.error.FFmpegError as error:
        raise AudioError(f"cannot decode the recording: {error}") from error
    if not frames:
        raise AudioError("the recording holds no audio samples")
    return _join_frames(frames)


def _join_frames(frames: list[av.AudioFrame]) -> Samples:
    if not frames:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate([frame.to_ndarray().reshape(-1) for frame in frames]).astype(
        np.float32, copy=False
    )


def encode_mulaw(samples: npt.NDArray[np.int16]) -> bytes:
    """Compress 16-bit linear samples to G.711 mu-law bytes (the inverse of `decode_mulaw`)."""
    linear = samples.astype(np.int32)
    sign = np.where(linear < 0, 0x80, 0x00)
    magnitude = np.minimum(np.abs(linear), 32635) + 0x84
    exponent = np.floor(np.log2(magnitude)).astype(np.int32) - 7
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8).tobytes()


def as_phone_audio(samples: Samples) -> Samples:
    """`samples` (16 kHz) as a phone call carries them: down to 8 kHz, through G.711 mu-law
    and back up to 16 kHz, so a recording made on a good microphone can be measured as the
    recogniser hears callers."""
    narrow = resample(samples, SAMPLE_RATE, 8_000)
    linear = np.clip(np.round(narrow * 32768.0), -32768, 32767).astype(np.int16)
    heard = decode_mulaw(encode_mulaw(linear)).astype(np.float32) / 32768.0
    return resample(heard, 8_000)
