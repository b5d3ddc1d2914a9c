"""The spoken-language check: is the caller speaking the language they chose in the menu?

Whisper forced to the menu's language writes that language whatever it hears: French speech
forced to English comes out as Whisper's own English rendering, which an agent would otherwise
read as the caller's words. So beside the forced transcription, Whisper's language detection
runs once over the same speech, over all 99 of its languages, and `judge` decides from those
probabilities alone (a pure function, so the rule is tested without a model). When another
language is the more likely, the message is flagged in Korean, the conversation is marked for an
interpreter, and the text is shown as a machine rendering, not as what the caller said.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from languages import registry
from languages.heard_names import korean_name
from languages.speech import LanguageGuess, SpokenLanguageDetector

#: How the thread labels a transcript when the check failed: Whisper wrote it, in the menu's
#: language, from speech that is probably in another one.
MACHINE_RENDERING = "기계 인식: 원래 언어가 아닐 수 있음"

_KEPT_CANDIDATES = 5  # enough for the evidence trail, small enough to store with each message


@dataclass(frozen=True)
class SpokenLanguageCheck:
    """The outcome of the check for one recording or utterance.

    `spoken` is the most likely language (a Whisper code, the same as relay's for its six),
    `chosen` the menu's; `differs` says whether the agent must be told. `candidates` keeps the
    few most likely languages with their probabilities, for the record.
    """

    chosen: str
    spoken: str
    probability: float
    chosen_probability: float
    differs: bool
    candidates: tuple[tuple[str, float], ...]
    seconds: float = 0.0  # what the detection cost

    @property
    def served(self) -> bool:
        """Whether relay serves the language heard (a wrong key, rather than no key at all)."""
        return registry.is_supported(self.spoken)

    @property
    def notice(self) -> str:
        """The agent's notice in Korean, e.g. "프랑스어로 들립니다 (확률 0.87)"."""
        heard = f"{korean_name(self.spoken)}로 들립니다 (확률 {self.probability:.2f})"
        chosen = korean_name(self.chosen)
        return f"{heard}: 메뉴에서 {chosen} 선택, 통역 연결 필요"

    def to_json_dict(self) -> dict[str, Any]:
        """The stored form, kept with the message as the evidence of what was heard."""
        return {
            "chosen": self.chosen,
            "spoken": self.spoken,
            "probability": self.probability,
            "chosen_probability": self.chosen_probability,
            "differs": self.differs,
            "candidates": [list(pair) for pair in self.candidates],
            "seconds": self.seconds,
        }


def judge(guess: LanguageGuess, chosen: str, margin: float = 0.0) -> SpokenLanguageCheck:
    """Decide whether the speech is in `chosen` (relay's code of the menu's language).

    The speech differs when Whisper's most likely language is not the chosen one by more than
    `margin` in probability. With the default 0 the most likely language decides, which is
    what the check is for: synthetic German on phone audio scored German 0.42 against English
    0.39, and that caller still needs an interpreter. A centre that sees false alarms (accented
    speech, or Mongolian, where Whisper base is weak) can raise the margin.
    """
    whisper_chosen = registry.get(chosen).whisper_code if registry.is_supported(chosen) else chosen
    spoken, probability = guess.top
    chosen_probability = guess.probability_of(whisper_chosen)
    another = bool(spoken) and spoken != whisper_chosen
    differs = another and probability - chosen_probability > margin
    return SpokenLanguageCheck(
        chosen=whisper_chosen,
        spoken=spoken or whisper_chosen,
        probability=round(probability, 4),
        chosen_probability=round(chosen_probability, 4),
        differs=differs,
        candidates=tuple((code, round(p, 4)) for code, p in guess.probabilities[:_KEPT_CANDIDATES]),
        seconds=guess.seconds,
    )


def check_spoken_language(
    detector: SpokenLanguageDetector,
    samples: npt.NDArray[np.float32],
    chosen: str,
    margin: float = 0.0,
) -> SpokenLanguageCheck | None:
    """Run the detection on 16 kHz samples and judge it; None when no speech was found.

    Samples, not a path: a recording's job decodes its file, a live call hands over one
    utterance (the first utterances of a call are where a wrong key shows).
    """
    guess = detector.detect_spoken_language(samples)
    return None if guess is None else judge(guess, chosen, margin)


def check_from_json(data: Mapping[str, Any] | None) -> SpokenLanguageCheck | None:
    """A stored check back as a `SpokenLanguageCheck` (None when none was stored)."""
    if not data:
        return None
    return SpokenLanguageCheck(
        chosen=str(data.get("chosen") or ""),
        spoken=str(data.get("spoken") or ""),
        probability=float(data.get("probability") or 0.0),
        chosen_probability=float(data.get("chosen_probability") or 0.0),
        differs=bool(data.get("differs")),
        candidates=tuple((str(c), float(p)) for c, p in data.get("candidates") or ()),
        seconds=float(data.get("seconds") or 0.0),
    )
