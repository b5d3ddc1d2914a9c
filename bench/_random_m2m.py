"""Random-weight models laid out as M2M-100 CTranslate2 directories, in a chosen shape.

A benchmark of translation speed needs the arithmetic of a real model, not its knowledge: the
cost of a decoding step is set by the number of layers, their width, the heads and the size of
the vocabulary that the output projection and softmax run over. So the builder fills
CTranslate2's own `TransformerSpec` with scaled Gaussian weights in the requested `Shape`, trains
a small SentencePiece model on the benchmark's sentences for the M2M-100 protocol (`__xx__`
language tokens, `</s>` as decoder start), pads the vocabulary with filler tokens to the
shape's size, and saves it int8. No download and no transformers/torch are needed.

Random weights emit random tokens, so `</s>` is made impossible: every hypothesis runs to the
decoding limit on both sides of a comparison, and a ratio measures overhead rather than how
soon a model stops. Builds are cached under `.cache/bench/` by a key over the shape, the
sentences, this file and the library versions; the m2m100_418M shape (about 480 million
parameters) takes a minute or two and some 2 GB of memory to build, once.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench import REPO
from languages.m2m import END_TOKEN, language_token

CACHE = REPO / ".cache" / "bench"
MODEL_LANGUAGES = ("ko", "vi", "mn", "en", "zh", "ja")
SPECIAL_PIECES = ("<s>", "<pad>", END_TOKEN, "<unk>")  # M2M-100's ids 0-3
SEED = 120


@dataclass(frozen=True)
class Shape:
    """The dimensions that decide what a translation costs."""

    name: str
    layers: int  # encoder and decoder each
    d_model: int
    heads: int
    ffn: int
    vocabulary: int

    def label(self) -> str:
        return (
            f"{self.layers}+{self.layers} layers, d_model {self.d_model}, "
            f"{self.vocabulary // 1000}k vocabulary"
        )


#: A transformer-base: what Argos packages are, and the size of the first translation bench.
TRANSFORMER_BASE = Shape("transformer-base", 6, 512, 8, 2048, 32_000)
#: facebook/m2m100_418M as its config.json gives it (vocab_size 128112).
M2M100_418M = Shape("m2m100_418M", 12, 1024, 16, 4096, 128_112)


def ensure_model(shape: Shape, sentences: Sequence[str], cache: Path = CACHE) -> Path:
    """The model directory for this shape and these sentences, built first if not cached."""
    final = cache / f"{shape.name}-random-{_cache_key(shape, sentences)}"
    if (final / "model.bin").is_file():
        return final
    cache.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{shape.name}-", dir=cache))
    try:
        build_model(staging, shape, sentences)
        staging.rename(final)
    except OSError:
        if not (final / "model.bin").is_file():  # not a concurrent build that won the rename
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    stale_builds = [*cache.glob(f"{shape.name}-random-*"), *cache.glob("m2m-random-*")]
    for stale in stale_builds:  # built by earlier versions (m2m-random-*: before shapes)
        if stale != final:
            shutil.rmtree(stale, ignore_errors=True)
    return final


def _cache_key(shape: Shape, sentences: Sequence[str]) -> str:
    import ctranslate2
    import sentencepiece

    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(repr(shape).encode())
    digest.update("\n".join(sentences).encode())
    digest.update(f"{ctranslate2.__version__} {sentencepiece.__version__}".encode())
    return digest.hexdigest()[:16]


def build_model(out_dir: Path, shape: Shape, sentences: Sequence[str]) -> None:
    """SentencePiece model, padded vocabulary and random weights, saved int8."""
    pieces = _train_sentencepiece(out_dir / "sentencepiece.bpe.model", sentences)
    vocabulary = _vocabulary(pieces, shape.vocabulary)
    spec = random_spec(vocabulary, shape, np.random.default_rng(SEED))
    spec.optimize(quantization="int8")
    spec.save(str(out_dir))
    if not (out_dir / "shared_vocabulary.json").is_file():
        raise RuntimeError("CTranslate2 did not write a shared vocabulary")
    (out_dir / "README.txt").write_text(
        f"Random weights in the shape {shape.name} for benchmarking speed only; "
        "it translates nothing.\n",
        "utf-8",
    )


def _train_sentencepiece(destination: Path, sentences: Sequence[str]) -> list[str]:
    """A BPE model with M2M-100's special ids (<s> 0, <pad> 1, </s> 2, <unk> 3)."""
    import sentencepiece as spm

    buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences),
        model_writer=buffer,
        model_type="bpe",
        vocab_size=800,
        hard_vocab_limit=False,
        character_coverage=1.0,
        bos_id=0,
        pad_id=1,
        eos_id=2,
        unk_id=3,
        num_threads=1,
        minloglevel=2,
    )
    destination.write_bytes(buffer.getvalue())
    processor = spm.SentencePieceProcessor(model_file=str(destination))
    return [processor.id_to_piece(i) for i in range(processor.get_piece_size())]


def _vocabulary(pieces: Sequence[str], size: int) -> list[str]:
    """The pieces, M2M-100's language tokens, then filler tokens up to `size`.

    The filler costs what a real vocabulary of that size costs: the output projection and
    softmax run over every entry at every decoding step.
    """
    if list(pieces[:4]) != list(SPECIAL_PIECES):
        raise RuntimeError(f"unexpected special pieces {pieces[:4]}")
    vocabulary = [*pieces, *(language_token(code) for code in MODEL_LANGUAGES)]
    filler = size - len(vocabulary)
    return vocabulary + [f"<filler_{index}>" for index in range(filler)]


def random_spec(vocabulary: Sequence[str], shape: Shape, rng: np.random.Generator) -> Any:
    """A pre-norm TransformerSpec with scaled Gaussian weights and `</s>` never predicted."""
    import ctranslate2

    spec = ctranslate2.specs.TransformerSpec.from_config(
        (shape.layers, shape.layers), shape.heads, pre_norm=True
    )
    d_model = shape.d_model
    embeddings = _gaussian(rng, (len(vocabulary), d_model), d_model)
    for side in (spec.encoder, spec.decoder):
        table = side.embeddings[0] if isinstance(side.embeddings, list) else side.embeddings
        table.weight = embeddings  # shared, as in M2M-100; saved once
        side.scale_embeddings = True
        _norm(side.layer_norm, d_model)
        for layer in side.layer:
            _fill_layer(layer, shape, rng)
    spec.decoder.projection.weight = embeddings
    bias = np.zeros(len(vocabulary), dtype=np.float32)
    bias[vocabulary.index(END_TOKEN)] = -1e4  # fixed decoding length, see the module docstring
    spec.decoder.projection.bias = bias
    spec.register_source_vocabulary(list(vocabulary))
    spec.register_target_vocabulary(list(vocabulary))
    spec.config.decoder_start_token = END_TOKEN
    spec.validate()
    return spec


def _fill_layer(layer: Any, shape: Shape, rng: np.random.Generator) -> None:
    d_model = shape.d_model
    _norm(layer.self_attention.layer_norm, d_model)
    _linear(layer.self_attention.linear[0], rng, 3 * d_model, d_model)
    _linear(layer.self_attention.linear[1], rng, d_model, d_model)
    if hasattr(layer, "attention"):  # decoder layers attend to the encoder output
        _norm(layer.attention.layer_norm, d_model)
        _linear(layer.attention.linear[0], rng, d_model, d_model)
        _linear(layer.attention.linear[1], rng, 2 * d_model, d_model)
        _linear(layer.attention.linear[2], rng, d_model, d_model)
    _norm(layer.ffn.layer_norm, d_model)
    _linear(layer.ffn.linear_0, rng, shape.ffn, d_model)
    _linear(layer.ffn.linear_1, rng, d_model, shape.ffn)


def _linear(spec: Any, rng: np.random.Generator, outputs: int, inputs: int) -> None:
    spec.weight = _gaussian(rng, (outputs, inputs), inputs)
    spec.bias = np.zeros(outputs, dtype=np.float32)


def _norm(spec: Any, d_model: int) -> None:
    spec.gamma = np.ones(d_model, dtype=np.float32)
    spec.beta = np.zeros(d_model, dtype=np.float32)


def _gaussian(rng: np.random.Generator, shape: tuple[int, int], fan_in: int) -> Any:
    """Weights scaled by 1/sqrt(fan_in), so activations keep a sane size through the layers."""
    return rng.standard_normal(shape, dtype=np.float32) / np.float32(np.sqrt(fan_in))
