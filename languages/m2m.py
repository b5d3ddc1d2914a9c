"""M2MEngine: translation with an M2M-100 model converted to CTranslate2 (vi and mn ↔ ko).

Argos has no Vietnamese or Mongolian packages; M2M-100 (MIT licence) translates between its
100 languages directly. The model directory is what

    ct2-transformers-converter --model facebook/m2m100_418M --output_dir m2m100_418M \\
        --copy_files sentencepiece.bpe.model --quantization int8

writes: model.bin, config.json, shared_vocabulary.json and the SentencePiece model. M2M-100's
protocol is spelled out here rather than hidden in a tokenizer library: the source is
`[__vi__] + pieces + [</s>]`, decoding is forced to start with the target token (`__ko__`),
and that token is removed from the output. The tests run this same adapter on a tiny model
built with the same layout.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Collection, Sequence
from itertools import permutations
from pathlib import Path
from typing import Any

from languages import registry
from languages.engine import EngineOutput, ModelMissingError, TranslationError, cpu_threads
from languages.sentences import segment

logger = logging.getLogger(__name__)

SENTENCEPIECE_NAMES = ("sentencepiece.bpe.model", "sentencepiece.model", "spm.model")
VOCABULARY_NAMES = (
    "shared_vocabulary.json",
    "shared_vocabulary.txt",
    "source_vocabulary.json",
    "source_vocabulary.txt",
)
_LANGUAGE_TOKEN = re.compile(r"^__([a-z]{2,3})__$")
END_TOKEN = "</s>"  # noqa: S105 - a vocabulary token, not a secret


def language_token(m2m_code: str) -> str:
    """M2M-100's token for a language: "ko" → "__ko__"."""
    return f"__{m2m_code}__"


_SPECIAL_TOKEN = re.compile(r"^(?:__[a-z]{2,3}__|madeupword\d*|<unk>|<s>|</s>|<pad>)$")


def content_tokens(tokens: Sequence[str]) -> list[str]:
    """The pieces of a hypothesis without M2M-100's special tokens.

    The forced target token comes first, but a weak model also writes other language tokens,
    the padding words fairseq added to the vocabulary (`madeupword0000`...), `<unk>` and `</s>`
    inside its output; SentencePiece would decode them as text the resident reads.
    """
    return [token for token in tokens if not _SPECIAL_TOKEN.match(token)]


def read_vocabulary(model_dir: Path) -> list[str]:
    """The tokens of a converted model, from whichever vocabulary file CTranslate2 wrote."""
    for name in VOCABULARY_NAMES:
        path = model_dir / name
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            if name.endswith(".json"):
                return [str(token) for token in json.loads(text)]
            return text.splitlines()
    raise ModelMissingError(f"no vocabulary file in {model_dir} (looked for {VOCABULARY_NAMES})")


def model_languages(model_dir: Path) -> frozenset[str]:
    """relay language codes (ISO 639-1) that the model has a `__xx__` token for."""
    tokens = {
        match.group(1)
        for token in read_vocabulary(model_dir)
        if (match := _LANGUAGE_TOKEN.match(token))
    }
    return frozenset(lang.code for lang in registry.ALL_LANGUAGES if lang.m2m_code in tokens)


def sentencepiece_path(model_dir: Path) -> Path:
    """The SentencePiece model that sits beside model.bin."""
    for name in SENTENCEPIECE_NAMES:
        if (model_dir / name).is_file():
            return model_dir / name
    raise ModelMissingError(
        f"no SentencePiece model in {model_dir} (looked for {', '.join(SENTENCEPIECE_NAMES)}); "
        "convert with --copy_files sentencepiece.bpe.model"
    )


class M2MEngine:
    """TranslationEngine over one M2M-100-style CTranslate2 model directory.

    `languages` narrows the languages offered (e.g. ("ko", "vi", "mn") to leave en, zh and ja
    to Argos); by default every relay language the model has a token for. `beam_size` defaults
    to 2 for the same cost reason as ArgosEngine. The model loads on first use, once.
    """

    name = "m2m100"

    def __init__(
        self,
        model_dir: Path,
        *,
        languages: Collection[str] | None = None,
        beam_size: int = 2,
        compute_type: str = "int8",
        intra_threads: int = 0,
        inter_threads: int = 1,
        max_batch_tokens: int = 2048,
        max_decoding_length: int = 256,
        length_ratio: float = 3.0,
        no_repeat_ngram_size: int = 4,
        repetition_penalty: float = 1.1,
    ) -> None:
        self.model_dir = Path(model_dir)
        self.languages = frozenset(languages) if languages is not None else None
        self.beam_size = beam_size
        self.compute_type = compute_type
        self.intra_threads = intra_threads
        self.inter_threads = inter_threads
        self.max_batch_tokens = max_batch_tokens
        self.max_decoding_length = max_decoding_length
        self.length_ratio = length_ratio
        self.no_repeat_ngram_size = no_repeat_ngram_size
        self.repetition_penalty = repetition_penalty
        self._lock = threading.Lock()
        self._loaded: tuple[Any, Any] | None = None
        self._pairs: tuple[int, frozenset[tuple[str, str]]] | None = None

    def pairs(self) -> frozenset[tuple[str, str]]:
        """Every ordered pair of the languages offered; empty when no model is installed.

        Asked on every translation (to route, then to check), so the answer is kept until the
        model file changes: reading a real M2M-100 vocabulary (128k tokens) costs tens of ms.
        """
        try:
            stamp = (self.model_dir / "model.bin").stat().st_mtime_ns
        except FileNotFoundError:
            return frozenset()
        cached = self._pairs
        if cached is not None and cached[0] == stamp:
            return cached[1]
        codes = model_languages(self.model_dir)
        if self.languages is not None:
            codes &= self.languages
        pairs = frozenset(permutations(sorted(codes), 2))
        self._pairs = (stamp, pairs)
        return pairs

    def _load(self) -> tuple[Any, Any]:
        """The ctranslate2.Translator and SentencePiece processor, created once (thread-safe)."""
        with self._lock:
            if self._loaded is None:
                import ctranslate2
                import sentencepiece

                processor = sentencepiece.SentencePieceProcessor(
                    model_file=str(sentencepiece_path(self.model_dir))
                )
                translator = ctranslate2.Translator(
                    str(self.model_dir),
                    device="cpu",
                    compute_type=self.compute_type,
                    inter_threads=self.inter_threads,
                    intra_threads=cpu_threads(self.intra_threads),
                )
                self._loaded = (translator, processor)
                logger.info("loaded M2M model %s", self.model_dir)
            return self._loaded

    def warm(self, source: str, target: str) -> None:
        """Load the model now (worker start) rather than on the first message; one model
        serves every pair."""
        if (source, target) not in self.pairs():
            raise ModelMissingError(f"{self.model_dir.name} does not translate {source}→{target}")
        self._load()

    def translate_batch(self, sentences: Sequence[str], source: str, target: str) -> EngineOutput:
        """Translate whole texts (one output per input), all their sentences in one batch."""
        if (source, target) not in self.pairs():
            raise ModelMissingError(
                f"the M2M model at {self.model_dir.name} does not offer {source}→{target}; "
                f"it offers {', '.join(f'{s}→{t}' for s, t in sorted(self.pairs())) or 'nothing'}"
            )
        parts = segment(sentences, source)
        try:
            translated = self._translate_sentences(
                parts.sentences, registry.get(source).m2m_code, registry.get(target).m2m_code
            )
        except ModelMissingError:
            raise
        except Exception as error:
            raise TranslationError(f"M2M translation {source}→{target} failed: {error}") from error
        return EngineOutput(
            texts=tuple(parts.reassemble(translated, target)),
            model=f"{self.name} {self.model_dir.name}",
        )

    def _translate_sentences(
        self, sentences: Sequence[str], source_code: str, target_code: str
    ) -> list[str]:
        if not sentences:
            return []
        translator, processor = self._load()
        source_token, target_token = language_token(source_code), language_token(target_code)
        batch = [
            [source_token, *processor.encode(sentence, out_type=str), END_TOKEN]
            for sentence in sentences
        ]
        results = translator.translate_batch(
            batch,
            target_prefix=[[target_token]] * len(batch),
            beam_size=self.beam_size,
            max_batch_size=self.max_batch_tokens,
            batch_type="tokens",
            max_decoding_length=self.decoding_limit(max(len(tokens) for tokens in batch)),
            no_repeat_ngram_size=self.no_repeat_ngram_size,
            repetition_penalty=self.repetition_penalty,
        )
        return [
            processor.decode(content_tokens(result.hypotheses[0])).strip() for result in results
        ]

    def decoding_limit(self, source_tokens: int) -> int:
        """Tokens the decoder may write for a source of `source_tokens`: a ratio of it (a
        translation is rarely three times its source), never above the configured ceiling.

        A model that loops ("xin xin xin ...") otherwise writes up to the ceiling for a two-word
        text and holds the worker for seconds. The +2 leaves room for the target token and
        the end token of a one-token sentence.
        """
        return max(4, min(self.max_decoding_length, int(source_tokens * self.length_ratio) + 2))
