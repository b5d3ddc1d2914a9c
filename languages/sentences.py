"""Rule-based sentence splitting for the six languages relay serves, offline and fast.

Translation engines work sentence by sentence: short inputs translate better, and all sentences
of a message can go to the model as one batch. Statistical splitters need downloaded models
(argostranslate's MiniSBD fetches one on first use), so this module is the dependable default:
pure functions over a few rules that fit short civic messages in en, ko, zh, ja, vi and mn.

Rules, in order:
* A newline always ends a sentence; lines are kept so that a reply's layout survives.
* 。！？ (and ASCII ! ? . directly followed by CJK text) end a sentence at once.
* . ! ? … end a sentence when followed by whitespace, unless a period or ellipsis is followed
  by a lowercase word ("6 p.m. on weekdays", "wait... then") or ends a known abbreviation
  ("Mr.", "e.g.", "No. 5"). Decimal numbers and URLs have no space after their dots, so they
  never split.
* Closing quotes and brackets after the punctuation stay with the sentence they close.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

#: Languages written without spaces between sentences.
UNSPACED_LANGUAGES = frozenset({"zh", "ja"})

_FULL_WIDTH = frozenset("。！？")
_CLOSERS = "\"'”’»」』）)\\]】"
_TERMINATOR = re.compile(rf"(?:\.{{2,}}|…+|[.!?。！？]+)[{_CLOSERS}]*")

# Abbreviations after which a period never ends a sentence, whatever follows (lowercased, no
# trailing dot). Titles precede names, which are capitalised, so the lowercase rule cannot help.
_ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "vs", "e.g", "i.e", "cf", "approx"}
)
# Abbreviations that are followed by a number when they are abbreviations ("No. 5", "Tel. 120").
_NUMBER_ABBREVIATIONS = frozenset({"no", "nos", "tel", "p", "pp", "vol", "ch"})


def is_cjk(char: str) -> bool:
    """True for Han, kana, Hangul and full-width forms: scripts that need no space to split."""
    code = ord(char)
    return (
        0x3040 <= code <= 0x30FF  # hiragana, katakana
        or 0x3400 <= code <= 0x4DBF  # CJK extension A
        or 0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0xAC00 <= code <= 0xD7AF  # Hangul syllables
        or 0x1100 <= code <= 0x11FF  # Hangul jamo
        or 0xF900 <= code <= 0xFAFF  # CJK compatibility ideographs
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
    )


def split_lines(text: str) -> list[str]:
    """The lines of a text; \\r\\n and \\r count as newlines, blank lines are kept."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def split_sentences(text: str, language: str | None = None) -> list[str]:
    """Split text into sentences, stripped of surrounding whitespace; never empty strings.

    `language` is accepted for symmetry with `join_sentences`; the rules above hold for all six
    languages because each decision looks at the script of the neighbouring characters.
    """
    sentences: list[str] = []
    for line in split_lines(text):
        sentences.extend(_split_line(line))
    return sentences


def _split_line(line: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _TERMINATOR.finditer(line):
        if _is_boundary(line, match):
            pieces.append(line[start : match.end()])
            start = match.end()
    pieces.append(line[start:])
    return [piece.strip() for piece in pieces if piece.strip()]


def _is_boundary(line: str, match: re.Match[str]) -> bool:
    marks = match.group().rstrip(_CLOSERS)
    after = line[match.end() :]
    if any(mark in _FULL_WIDTH for mark in marks):
        return True
    if not after:
        return True
    if not after[0].isspace():
        # "3.5", "relay.example/x" and "e.g." stay whole; "谢谢!请稍等" splits.
        return is_cjk(after[0])
    following = after.lstrip()
    if not following:
        return True
    if set(marks) <= {"!", "?"}:
        return True
    if following[0].islower():
        return False
    if marks == ".":
        word = line[: match.start()].rsplit(maxsplit=1)[-1] if line[: match.start()].strip() else ""
        return not _is_abbreviation(word, following)
    return True


def _is_abbreviation(word: str, following: str) -> bool:
    bare = word.lstrip("(\"'“‘").lower()
    if bare in _ABBREVIATIONS:
        return True
    if bare in _NUMBER_ABBREVIATIONS and following[:1].isdigit():
        return True
    # A single capital letter is an initial ("J. Smith").
    return len(bare) == 1 and word[-1:].isupper()


def join_sentences(sentences: Sequence[str], language: str) -> str:
    """Join translated sentences the way `language` is written: no spaces for zh and ja."""
    separator = "" if language in UNSPACED_LANGUAGES else " "
    return separator.join(sentence.strip() for sentence in sentences if sentence.strip())


@dataclass(frozen=True)
class Segmentation:
    """Sentences of several texts, flattened for one batch, and how to put them back.

    `layout[i][j]` is the number of sentences on line j of text i (0 for a blank line).
    """

    sentences: tuple[str, ...]
    layout: tuple[tuple[int, ...], ...]

    def reassemble(self, translated: Sequence[str], language: str) -> list[str]:
        """One text per input text from one translation per sentence, lines preserved."""
        if len(translated) != len(self.sentences):
            raise ValueError(f"expected {len(self.sentences)} sentences, got {len(translated)}")
        texts: list[str] = []
        position = 0
        for lines in self.layout:
            out_lines = []
            for count in lines:
                out_lines.append(join_sentences(translated[position : position + count], language))
                position += count
            texts.append("\n".join(out_lines))
        return texts


def segment(texts: Sequence[str], language: str | None = None) -> Segmentation:
    """Split every text into lines and sentences for one batched translation call."""
    sentences: list[str] = []
    layout: list[tuple[int, ...]] = []
    for text in texts:
        counts = []
        for line in split_lines(text.strip()):
            found = _split_line(line)
            sentences.extend(found)
            counts.append(len(found))
        layout.append(tuple(counts))
    return Segmentation(tuple(sentences), tuple(layout))
