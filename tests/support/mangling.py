"""A translation engine that treats placeholders and numbers the way real NMT models were seen to.

Real models split `[0]` into `▁[`, `0`, `]`, drop the brackets and move what is left; they drop
numbers they never saw in training. This engine does exactly that, around a small phrase table
of known fragments, so the router's verification can be tested against the failure that made
"외국인종합안내센터 1345로 전화하세요." come out as "0 . Vui lòng gọi.". It implements the real
`TranslationEngine` protocol; no relay code is patched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from languages.engine import EngineOutput, TranslationError

#: Fragments a small ko→vi model knows; anything else it silently leaves out.
KO_VI = {
    "외국인종합안내센터": "trung tâm hỗ trợ",  # not the glossary's approved term
    "전화하세요": "Vui lòng gọi",
    "오세요": "Vui lòng đến",
}
_PLACEHOLDER = re.compile(r"\[(\d+)\]")


class ManglingEngine:
    """Translates known fragments, mangles placeholders and drops numbers.

    `fail_after` makes every call in a direction after that many raise, as an engine whose
    model went away mid-request would: the router must then report what is missing, not hide
    it.
    """

    def __init__(
        self,
        phrases: Mapping[str, str] = KO_VI,
        pairs: frozenset[tuple[str, str]] = frozenset({("ko", "vi")}),
        name: str = "mangler",
        fail_after: int | None = None,
    ) -> None:
        self.name = name
        self._phrases = dict(phrases)
        self._pairs = pairs
        self._fail_after = fail_after
        self.calls: list[tuple[str, ...]] = []
        self._per_pair: dict[tuple[str, str], int] = {}

    def pairs(self) -> frozenset[tuple[str, str]]:
        return self._pairs

    def translate_batch(self, sentences: Sequence[str], source: str, target: str) -> EngineOutput:
        done = self._per_pair.get((source, target), 0)
        if self._fail_after is not None and done >= self._fail_after:
            raise TranslationError("the model file went away")
        self._per_pair[(source, target)] = done + 1
        self.calls.append(tuple(sentences))
        return EngineOutput(tuple(self._mangle(s) for s in sentences), f"{self.name}-model")

    def _mangle(self, sentence: str) -> str:
        # "[0]" → "0 ." at the front (pieces of the placeholder, moved), other digits dropped.
        leftovers = [f"{index} ." for index in _PLACEHOLDER.findall(sentence)[:1]]
        bare = re.sub(r"\d+", "", _PLACEHOLDER.sub("", sentence))
        found = sorted(
            (bare.find(fragment), translated)
            for fragment, translated in self._phrases.items()
            if fragment in bare
        )
        words = " ".join(translated for _, translated in found)
        ending = "." if sentence.rstrip().endswith((".", "요")) and words else ""
        return " ".join([*leftovers, words + ending]).strip()
