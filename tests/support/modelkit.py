"""Builds tiny but real translation models from tests/data/phrases.tsv, cached on disk.

The engine tests need models that load and run through the real libraries (argostranslate,
CTranslate2, SentencePiece) yet are small enough to build in seconds and never downloaded. So
we train them: a SentencePiece model on the phrase texts, then one small pre-norm Transformer
per direction with CPU torch until it reproduces every phrase pair exactly, and we copy its
weights into `ctranslate2.specs.TransformerSpec`. Two kinds come out:

* `.argosmodel` packages (en↔ko, zh↔en, ja↔en, en↔zh…) shaped like the ones Argos publishes: a
  zip with one top-level folder holding metadata.json, sentencepiece.model and model/.
* one multilingual model directory shaped like `ct2-transformers-converter --model
  facebook/m2m100_418M --copy_files sentencepiece.bpe.model`: model.bin, config.json,
  shared_vocabulary.json and sentencepiece.bpe.model, with `__xx__` language tokens used the
  way M2M-100 uses them (source `[__vi__, …, </s>]`, target prefix `[__ko__]`).

Results live in `<repo>/.cache/test-models/<key>/`, where the key hashes the phrases, this
file and the CTranslate2 version, so a second run reuses them at once. Builds happen in a
temporary directory under a file lock and are renamed into place, so concurrent test processes
never see half a model.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import io
import json
import logging
import math
import shutil
import tempfile
import time
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
PHRASES_PATH = REPO_ROOT / "tests" / "data" / "phrases.tsv"
CACHE_ROOT = REPO_ROOT / ".cache" / "test-models"

ARGOS_PAIRS: tuple[tuple[str, str], ...] = (
    ("en", "ko"),
    ("ko", "en"),
    ("zh", "en"),
    ("en", "zh"),
    ("ja", "en"),
    ("en", "ja"),
)
#: Languages of the multilingual model (its `__xx__` tokens) and the directions it learns:
#: relay only ever translates between Korean and a resident language.
M2M_LANGUAGES: tuple[str, ...] = ("ko", "vi", "mn")
M2M_DIRECTIONS: tuple[tuple[str, str], ...] = (
    ("vi", "ko"),
    ("ko", "vi"),
    ("mn", "ko"),
    ("ko", "mn"),
)
M2M_NAME = "tiny-m2m100"
PACKAGE_VERSION = "0.1"
ARGOS_VERSION = "1.9"
LANGUAGE_NAMES = {
    "en": "English",
    "ko": "Korean",
    "zh": "Chinese",
    "ja": "Japanese",
    "vi": "Vietnamese",
    "mn": "Mongolian",
}

_SEED = 120
MERGES = 1000
#: The beam size the tests decode these models with (see _Trainer for why it is greedy).
DECODING_BEAM = 1
_MAX_POSITIONS = 512
_LAYER_NORM_EPSILON = 1e-5  # torch's default; written into the CTranslate2 config to match


class ModelBuildError(RuntimeError):
    """A tiny model did not learn its phrases; the message names the ones it got wrong."""


@dataclass(frozen=True)
class Phrase:
    """One row of phrases.tsv: an id and the same phrase in each language."""

    id: str
    texts: Mapping[str, str]

    def __getitem__(self, language: str) -> str:
        return self.texts[language]


@dataclass(frozen=True)
class TinyModels:
    """Where the built models are; `argos_packages` maps (source, target) to a .argosmodel."""

    root: Path
    argos_packages: Mapping[tuple[str, str], Path]
    m2m_dir: Path
    phrases: tuple[Phrase, ...]
    build_seconds: float
    m2m_languages: tuple[str, ...] = field(default=M2M_LANGUAGES)

    def phrase(self, phrase_id: str) -> Phrase:
        """The phrase with this id (e.g. "P1")."""
        return next(p for p in self.phrases if p.id == phrase_id)


def load_phrases(path: Path = PHRASES_PATH) -> tuple[Phrase, ...]:
    """Read phrases.tsv (tab-separated, header `id en ko zh ja vi mn`)."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return tuple(
            Phrase(id=row.pop("id"), texts={key: value for key, value in row.items()})
            for row in reader
        )


def cache_key() -> str:
    """Hash of everything a build depends on: the phrases, this file, the CTranslate2 version."""
    import ctranslate2

    digest = hashlib.sha256()
    digest.update(PHRASES_PATH.read_bytes())
    digest.update(Path(__file__).read_bytes())
    digest.update(ctranslate2.__version__.encode())
    return digest.hexdigest()[:16]


def ensure_built(cache_root: Path = CACHE_ROOT) -> TinyModels:
    """Return the tiny models, building them first when this key has no cached copy."""
    key = cache_key()
    final = cache_root / key
    if not (final / "manifest.json").exists():
        cache_root.mkdir(parents=True, exist_ok=True)
        with _file_lock(cache_root / f"{key}.lock"):
            if not (final / "manifest.json").exists():
                staging = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=cache_root))
                try:
                    build(staging)
                    staging.rename(final)
                except BaseException:
                    shutil.rmtree(staging, ignore_errors=True)
                    raise
    return _load_manifest(final)


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _load_manifest(root: Path) -> TinyModels:
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    return TinyModels(
        root=root,
        argos_packages={
            (item["from"], item["to"]): root / item["file"] for item in manifest["argos"]
        },
        m2m_dir=root / manifest["m2m"],
        phrases=load_phrases(),
        build_seconds=manifest["build_seconds"],
        m2m_languages=tuple(manifest["m2m_languages"]),
    )


def build(out_dir: Path) -> None:
    """Build every model into out_dir and write manifest.json last."""
    import torch

    started = time.perf_counter()
    torch.manual_seed(_SEED)
    phrases = load_phrases()
    argos_entries = _build_argos_packages(phrases, out_dir / "argos")
    m2m_dir = out_dir / "m2m" / M2M_NAME
    _build_m2m(phrases, m2m_dir)
    seconds = round(time.perf_counter() - started, 2)
    manifest = {
        "argos": argos_entries,
        "m2m": str(m2m_dir.relative_to(out_dir)),
        "m2m_languages": list(M2M_LANGUAGES),
        "build_seconds": seconds,
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    logger.info("built tiny models in %.1f s", seconds)


# --- SentencePiece --------------------------------------------------------------------------


def _train_sentencepiece(texts: Sequence[str], destination: Path, fairseq_ids: bool) -> Any:
    """Train a BPE SentencePiece model covering every character of `texts`.

    Identity normalisation keeps full-width punctuation (？, ！) as written, so decoded output
    can be compared with the phrases character for character. `fairseq_ids` numbers the
    specials like M2M-100 does (<s> 0, <pad> 1, </s> 2, <unk> 3).
    """
    import sentencepiece as spm

    characters = {char for text in texts for char in text if not char.isspace()}
    ids = (
        {"bos_id": 0, "pad_id": 1, "eos_id": 2, "unk_id": 3}
        if fairseq_ids
        else {"unk_id": 0, "bos_id": 1, "eos_id": 2, "pad_id": -1}
    )
    buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(texts),
        model_writer=buffer,
        model_type="bpe",
        vocab_size=len(characters) + MERGES,
        hard_vocab_limit=False,
        character_coverage=1.0,
        normalization_rule_name="identity",
        num_threads=1,
        minloglevel=2,
        **ids,
    )
    destination.write_bytes(buffer.getvalue())
    return spm.SentencePieceProcessor(model_file=str(destination))


def _pieces(processor: Any) -> list[str]:
    return [processor.id_to_piece(i) for i in range(processor.get_piece_size())]


# --- torch model ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Shape:
    d_model: int
    heads: int
    ffn: int
    layers: tuple[int, int]


@dataclass(frozen=True)
class _Example:
    """One training pair; None in target_out marks a position forced by the target prefix."""

    source: tuple[str, ...]
    target_in: tuple[str, ...]
    target_out: tuple[str | None, ...]
    expected: tuple[str, ...]  # what CTranslate2 must return, prefix included


def _sinusoids(length: int, dim: int) -> Any:
    import torch

    position = torch.arange(length, dtype=torch.float32).unsqueeze(1)
    rates = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))
    table = torch.zeros(length, dim)
    table[:, 0::2] = torch.sin(position * rates)
    table[:, 1::2] = torch.cos(position * rates)
    return table


def _make_model(vocab_size: int, shape: _Shape) -> Any:
    """A pre-norm encoder-decoder whose parameters map one to one onto TransformerSpec."""
    import torch
    from torch import nn

    class TinyTransformer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            d = shape.d_model
            self.scale = math.sqrt(d)
            self.source_embeddings = nn.Embedding(vocab_size, d)
            self.target_embeddings = nn.Embedding(vocab_size, d)
            self.register_buffer("positions", _sinusoids(_MAX_POSITIONS, d))
            common = {
                "d_model": d,
                "nhead": shape.heads,
                "dim_feedforward": shape.ffn,
                "dropout": 0.0,
                "batch_first": True,
                "norm_first": True,
            }
            self.encoder = nn.TransformerEncoder(
                nn.TransformerEncoderLayer(**common),
                shape.layers[0],
                norm=nn.LayerNorm(d),
                enable_nested_tensor=False,
            )
            self.decoder = nn.TransformerDecoder(
                nn.TransformerDecoderLayer(**common), shape.layers[1], norm=nn.LayerNorm(d)
            )
            self.projection = nn.Linear(d, vocab_size)

        def forward(self, source: Any, source_pad: Any, target: Any, target_pad: Any) -> Any:
            x = self.source_embeddings(source) * self.scale + self.positions[: source.shape[1]]
            memory = self.encoder(x, src_key_padding_mask=source_pad)
            y = self.target_embeddings(target) * self.scale + self.positions[: target.shape[1]]
            length = target.shape[1]
            causal = torch.triu(torch.ones(length, length, dtype=torch.bool), diagonal=1)
            hidden = self.decoder(
                y,
                memory,
                tgt_mask=causal,
                tgt_key_padding_mask=target_pad,
                memory_key_padding_mask=source_pad,
            )
            return self.projection(hidden)

    return TinyTransformer()


def _batch(examples: Sequence[_Example], index: Mapping[str, int]) -> tuple[Any, ...]:
    import torch

    def pad(rows: list[list[int]], fill: int) -> Any:
        width = max(len(row) for row in rows)
        return torch.tensor([row + [fill] * (width - len(row)) for row in rows])

    source = pad([[index[t] for t in e.source] for e in examples], -1)
    target_in = pad([[index[t] for t in e.target_in] for e in examples], -1)
    target_out = pad(
        [[-100 if t is None else index[t] for t in e.target_out] for e in examples], -100
    )
    source_pad, target_pad = source < 0, target_in < 0
    return source.clamp(min=0), source_pad, target_in.clamp(min=0), target_pad, target_out


class _Trainer:
    """Full-batch training of one tiny model until it is sure of every token.

    The models are decoded greedily in tests (beam_size=1, see `DECODING`): memorised phrase
    pairs overlap ("mấy giờ đến mấy giờ"), and under beam search a runner-up hypothesis that
    wanders into another phrase can end first and win, which a model of this size cannot be
    trained out of in seconds. Greedy decoding follows teacher forcing exactly, so a model whose
    worst token is confident (and survives int8 quantisation) translates every phrase exactly.
    """

    def __init__(self, examples: Sequence[_Example], vocab: Sequence[str], shape: _Shape) -> None:
        import torch

        torch.manual_seed(_SEED)
        self.model = _make_model(len(vocab), shape)
        index = {token: i for i, token in enumerate(vocab)}
        self.batch = _batch(examples, index)
        self.optimiser = torch.optim.Adam(self.model.parameters(), lr=3e-3)
        self.steps = 0
        self.size = len(examples)

    def fit(self, max_loss: float, max_steps: int) -> None:
        """Train until the worst teacher-forced token loss is below max_loss."""
        from torch.nn import functional

        source, source_pad, target_in, target_pad, target_out = self.batch
        valid = target_out != -100
        while self.steps < max_steps:
            self.steps += 1
            logits = self.model(source, source_pad, target_in, target_pad)
            token_loss = functional.cross_entropy(
                logits.transpose(1, 2), target_out, reduction="none"
            )
            loss = token_loss[valid].mean()
            self.optimiser.zero_grad()
            loss.backward()
            self.optimiser.step()
            # The worst token decides, not the mean: one token the model is unsure of is where
            # decoding (and int8 quantisation) takes a wrong turn.
            worst = token_loss[valid].max().item()
            if worst < max_loss:
                logger.info(
                    "%d examples: worst token %.4f at step %d", self.size, worst, self.steps
                )
                return
        raise ModelBuildError(f"{self.size} examples not learned after {max_steps} steps")


def _train_and_save(
    examples: Sequence[_Example],
    vocab: Sequence[str],
    shape: _Shape,
    decoder_start: str,
    out_dir: Path,
    prefixes: Sequence[list[str]] | None = None,
) -> None:
    """Train, convert and verify; train further when CTranslate2's beam search disagrees."""
    trainer = _Trainer(examples, vocab, shape)
    sources = [list(e.source) for e in examples]
    expected = [list(e.expected) for e in examples]
    max_loss = 0.05
    for attempt in range(4):
        trainer.fit(max_loss, max_steps=1500)
        shutil.rmtree(out_dir, ignore_errors=True)
        _save_ctranslate2(trainer.model, vocab, shape, decoder_start, out_dir)
        try:
            _verify(out_dir, sources, expected, prefixes)
            return
        except ModelBuildError as error:
            logger.info("retraining: %s", error)
            if attempt == 3:
                raise
            max_loss /= 4


# --- CTranslate2 conversion -----------------------------------------------------------------


def _save_ctranslate2(
    model: Any, vocab: Sequence[str], shape: _Shape, decoder_start: str, out_dir: Path
) -> None:
    """Copy the torch weights into a TransformerSpec and save it int8-quantised."""
    import ctranslate2

    def array(tensor: Any) -> Any:
        return tensor.detach().cpu().numpy().copy()

    def linear(spec: Any, weight: Any, bias: Any) -> None:
        spec.weight, spec.bias = array(weight), array(bias)

    def norm(spec: Any, module: Any) -> None:
        spec.gamma, spec.beta = array(module.weight), array(module.bias)

    d = shape.d_model
    spec = ctranslate2.specs.TransformerSpec.from_config(shape.layers, shape.heads, pre_norm=True)
    for side, layers, embeddings in (
        (spec.encoder, model.encoder.layers, model.source_embeddings),
        (spec.decoder, model.decoder.layers, model.target_embeddings),
    ):
        target = side.embeddings[0] if isinstance(side.embeddings, list) else side.embeddings
        target.weight = array(embeddings.weight)
        side.scale_embeddings = True
        side.position_encodings.encodings = array(model.positions)
        for layer_spec, layer in zip(side.layer, layers, strict=True):
            norm(layer_spec.self_attention.layer_norm, layer.norm1)
            attention = layer.self_attn
            linear(layer_spec.self_attention.linear[0], *_in_proj(attention, 0, 3 * d))
            linear(
                layer_spec.self_attention.linear[1],
                attention.out_proj.weight,
                attention.out_proj.bias,
            )
            ffn_norm = layer.norm2
            if hasattr(layer, "multihead_attn"):
                cross = layer.multihead_attn
                norm(layer_spec.attention.layer_norm, layer.norm2)
                linear(layer_spec.attention.linear[0], *_in_proj(cross, 0, d))
                linear(layer_spec.attention.linear[1], *_in_proj(cross, d, 3 * d))
                linear(layer_spec.attention.linear[2], cross.out_proj.weight, cross.out_proj.bias)
                ffn_norm = layer.norm3
            norm(layer_spec.ffn.layer_norm, ffn_norm)
            linear(layer_spec.ffn.linear_0, layer.linear1.weight, layer.linear1.bias)
            linear(layer_spec.ffn.linear_1, layer.linear2.weight, layer.linear2.bias)
    norm(spec.encoder.layer_norm, model.encoder.norm)
    norm(spec.decoder.layer_norm, model.decoder.norm)
    linear(spec.decoder.projection, model.projection.weight, model.projection.bias)
    spec.register_source_vocabulary(list(vocab))
    spec.register_target_vocabulary(list(vocab))
    spec.config.decoder_start_token = decoder_start
    spec.config.layer_norm_epsilon = _LAYER_NORM_EPSILON
    spec.validate()
    spec.optimize(quantization="int8")
    out_dir.mkdir(parents=True, exist_ok=True)
    spec.save(str(out_dir))


def _in_proj(attention: Any, start: int, stop: int) -> tuple[Any, Any]:
    return attention.in_proj_weight[start:stop], attention.in_proj_bias[start:stop]


def _verify(
    model_dir: Path,
    sources: Sequence[list[str]],
    expected: Sequence[list[str]],
    prefixes: Sequence[list[str]] | None = None,
) -> None:
    """Decode every source with CTranslate2 as the tests will and demand exact output."""
    import ctranslate2

    translator = ctranslate2.Translator(str(model_dir), device="cpu", intra_threads=2)
    results = translator.translate_batch(
        list(sources), target_prefix=list(prefixes) if prefixes else None, beam_size=DECODING_BEAM
    )
    wrong = [
        (src, result.hypotheses[0])
        for src, result, want in zip(sources, results, expected, strict=True)
        if result.hypotheses[0] != want
    ]
    if wrong:
        raise ModelBuildError(f"{model_dir.name}: {wrong[:3]}")


# --- Argos packages -------------------------------------------------------------------------

_ARGOS_SHAPE = _Shape(d_model=64, heads=4, ffn=128, layers=(2, 2))


def _build_argos_packages(phrases: Sequence[Phrase], out_dir: Path) -> list[dict[str, str]]:
    work = out_dir / "work"
    work.mkdir(parents=True)
    texts = [p[lang] for p in phrases for lang in {code for pair in ARGOS_PAIRS for code in pair}]
    processor = _train_sentencepiece(sorted(texts), work / "sentencepiece.model", False)
    vocab = _pieces(processor)
    entries = []
    for source, target in ARGOS_PAIRS:
        name = f"translate-{source}_{target}-{PACKAGE_VERSION.replace('.', '_')}"
        package_dir = work / name
        examples = []
        for phrase in phrases:
            src = processor.encode(phrase[source], out_type=str)
            tgt = processor.encode(phrase[target], out_type=str)
            examples.append(_Example(tuple(src), ("<s>", *tgt), (*tgt, "</s>"), tuple(tgt)))
        _train_and_save(examples, vocab, _ARGOS_SHAPE, "<s>", package_dir / "model")
        shutil.copy(work / "sentencepiece.model", package_dir / "sentencepiece.model")
        metadata = {
            "package_version": PACKAGE_VERSION,
            "argos_version": ARGOS_VERSION,
            "from_code": source,
            "from_name": LANGUAGE_NAMES[source],
            "to_code": target,
            "to_name": LANGUAGE_NAMES[target],
            "type": "translate",
            "links": [],
            "dependencies": [],
        }
        (package_dir / "metadata.json").write_text(json.dumps(metadata, indent=2), "utf-8")
        (package_dir / "README.md").write_text(
            f"Tiny test model {source}→{target}: it knows only relay's test phrases.\n", "utf-8"
        )
        archive = out_dir / f"{name}.argosmodel"
        _zip_folder(package_dir, archive)
        entries.append({"from": source, "to": target, "file": f"argos/{archive.name}"})
    shutil.rmtree(work)
    return entries


def _zip_folder(folder: Path, archive: Path) -> None:
    """Zip folder as the single top-level entry, with fixed timestamps for reproducibility."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            arcname = f"{folder.name}/{path.relative_to(folder).as_posix()}"
            if path.is_dir():
                arcname += "/"
            info = zipfile.ZipInfo(arcname, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = (0o40755 if path.is_dir() else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, b"" if path.is_dir() else path.read_bytes())


# --- M2M-100-style model --------------------------------------------------------------------

_M2M_SHAPE = _Shape(d_model=128, heads=4, ffn=256, layers=(2, 2))


def language_token(code: str) -> str:
    """M2M-100's token for a language, e.g. "__ko__"."""
    return f"__{code}__"


def _build_m2m(phrases: Sequence[Phrase], out_dir: Path) -> None:
    out_dir.mkdir(parents=True)
    texts = sorted(p[lang] for p in phrases for lang in M2M_LANGUAGES)
    sp_path = out_dir.parent / "sentencepiece.bpe.model"
    processor = _train_sentencepiece(texts, sp_path, True)
    vocab = _pieces(processor) + [language_token(code) for code in M2M_LANGUAGES]
    examples, prefixes = [], []
    for source, target in M2M_DIRECTIONS:
        for phrase in phrases:
            src = processor.encode(phrase[source], out_type=str)
            tgt = processor.encode(phrase[target], out_type=str)
            lang = language_token(target)
            examples.append(
                _Example(
                    (language_token(source), *src, "</s>"),
                    ("</s>", lang, *tgt),
                    (None, *tgt, "</s>"),
                    (lang, *tgt),
                )
            )
            prefixes.append([lang])
    _train_and_save(examples, vocab, _M2M_SHAPE, "</s>", out_dir, prefixes)
    sp_path.rename(out_dir / "sentencepiece.bpe.model")


def main() -> None:
    """Build (or reuse) the tiny models and print their paths, one per line, for installing."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    models = ensure_built()
    for archive in models.argos_packages.values():
        print(archive)
    print(models.m2m_dir)


if __name__ == "__main__":
    main()
