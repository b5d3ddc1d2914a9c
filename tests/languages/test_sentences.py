"""Tests for languages/sentences.py: the rule-based splitter across the six languages."""

from __future__ import annotations

import pytest

from languages.sentences import join_sentences, segment, split_lines, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thank you. Please wait a moment.", ["Thank you.", "Please wait a moment."]),
        (
            "Where can I pay a fine? I lost my wallet!",
            ["Where can I pay a fine?", "I lost my wallet!"],
        ),
        ("The office closes at 6 p.m. on weekdays.", ["The office closes at 6 p.m. on weekdays."]),
        ("Mr. Kim will call. Dr. Lee too.", ["Mr. Kim will call.", "Dr. Lee too."]),
        ("Bring e.g. your passport. Thanks.", ["Bring e.g. your passport.", "Thanks."]),
        ("It costs 3.5 dollars. OK?", ["It costs 3.5 dollars.", "OK?"]),
        (
            "Visit https://seoul.go.kr/a.b?x=1 now. Bye.",
            ["Visit https://seoul.go.kr/a.b?x=1 now.", "Bye."],
        ),
        ("Call No. 5 today. J. Smith answered.", ["Call No. 5 today.", "J. Smith answered."]),
        ("Wait... then what? Fine.", ["Wait... then what?", "Fine."]),
        ("Wait… Then go.", ["Wait…", "Then go."]),
        ('He said "Stop." Then left.', ['He said "Stop."', "Then left."]),
        ("감사합니다. 잠시만 기다려 주세요.", ["감사합니다.", "잠시만 기다려 주세요."]),
        ("谢谢。请稍等！好吗？", ["谢谢。", "请稍等！", "好吗？"]),
        ("谢谢!请稍等", ["谢谢!", "请稍等"]),
        ("「はい。」と言いました。ありがとう。", ["「はい。」", "と言いました。", "ありがとう。"]),
        (
            "ありがとうございます。少々お待ちください。",
            ["ありがとうございます。", "少々お待ちください。"],
        ),
        ("Cảm ơn. Vui lòng đợi một chút.", ["Cảm ơn.", "Vui lòng đợi một chút."]),
        ("Баярлалаа. Түр хүлээнэ үү?", ["Баярлалаа.", "Түр хүлээнэ үү?"]),
        ("line one\n\nline two", ["line one", "line two"]),
        ("  ", []),
        ("No final stop", ["No final stop"]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_split_lines_normalises_newlines_and_keeps_blank_lines() -> None:
    assert split_lines("a\r\nb\rc\n\nd") == ["a", "b", "c", "", "d"]


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "A. B."), ("ko", "A. B."), ("zh", "A.B."), ("ja", "A.B.")]
)
def test_join_sentences_uses_the_target_scripts_spacing(language: str, expected: str) -> None:
    assert join_sentences(["A.", " B. ", ""], language) == expected


def test_segment_flattens_and_reassembles_lines_and_texts() -> None:
    parts = segment(["Hi. Bye.\n\nOK.", "", "One"])
    assert parts.sentences == ("Hi.", "Bye.", "OK.", "One")
    assert parts.layout == ((2, 0, 1), (0,), (1,))
    assert parts.reassemble(["안녕.", "잘 가.", "네.", "하나"], "ko") == [
        "안녕. 잘 가.\n\n네.",
        "",
        "하나",
    ]
    assert parts.reassemble(["你好。", "再见。", "好。", "一"], "zh") == [
        "你好。再见。\n\n好。",
        "",
        "一",
    ]


def test_reassemble_rejects_a_wrong_count() -> None:
    with pytest.raises(ValueError, match="expected 2 sentences"):
        segment(["Hi. Bye."]).reassemble(["a"], "en")


def test_splitting_is_fast() -> None:
    import time

    text = "Please bring your passport. The office closes at 6 p.m. on weekdays. 谢谢。" * 2000
    started = time.perf_counter()
    assert len(split_sentences(text)) == 6000
    assert time.perf_counter() - started < 1.0
