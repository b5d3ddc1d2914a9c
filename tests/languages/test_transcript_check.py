"""Transcripts in the wrong script for their forced language, or with almost no words for their
audio, are doubted in Korean; ordinary transcripts are not."""

from __future__ import annotations

import pytest

from languages.transcript_check import check_transcript, word_count


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Sain baina uu, bi gadaad irgenii unemlekhee sungaamaar baina.", "mn"),
        ("Wo xiang geng xin wai guo ren deng lu zheng.", "zh"),
        ("Gaikokujin tourokushou wo koushin shitai desu.", "ja"),
        ("Я хочу продлить вид на жительство.", "en"),
        ("외국인등록증을 갱신하고 싶어요.", "vi"),
        ("I want to renew my card.", "ko"),
    ],
)
def test_a_transcript_in_another_script_is_flagged(text: str, language: str) -> None:
    flags = check_transcript(text, language, duration=4.0)
    assert [flag.concern for flag in flags] == ["wrong_script"]
    assert "녹음을 들어 보세요" in flags[0].notice
    assert not any("a" <= char <= "z" for char in flags[0].notice.lower())  # Korean only


@pytest.mark.parametrize(("text", "language"), [("3-4-1", "zh"), ("1, 2, 3.", "ja")])
def test_digits_alone_in_chinese_or_japanese_are_flagged(text: str, language: str) -> None:
    assert [flag.concern for flag in check_transcript(text, language, 2.0)] == ["only_digits"]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Сайн байна уу, би гадаад иргэний үнэмлэхээ сунгуулмаар байна.", "mn"),
        ("我想更新外国人登录证。请问需要什么材料？", "zh"),
        ("外国人登録証を更新したいです。", "ja"),
        ("在留期間", "ja"),  # kanji alone is Japanese too
        ("Tôi muốn gia hạn thẻ đăng ký người nước ngoài.", "vi"),
        ("My number is 010 1234 5678, please call me back.", "en"),
        ("3 4 1", "en"),  # a Latin-script caller reading out a number
        ("외국인등록증을 갱신하고 싶어요. 어디로 가야 하나요?", "ko"),
        ("", "mn"),  # nothing heard: the empty status says so
    ],
)
def test_ordinary_transcripts_are_not_flagged(text: str, language: str) -> None:
    assert check_transcript(text, language, duration=5.0) == ()


def test_a_transcript_with_almost_no_words_for_its_audio_is_flagged() -> None:
    flags = check_transcript("Hello.", "en", duration=40.0)
    assert [flag.concern for flag in flags] == ["too_few_words"]
    assert "40초" in flags[0].notice and "1단어" in flags[0].notice
    # The same words from a short recording, or normal speech for a long one, are fine.
    assert check_transcript("Hello.", "en", duration=3.0) == ()
    sentence = "I lost my alien registration card and I need a new one before my trip. " * 2
    assert check_transcript(sentence, "en", duration=20.0) == ()
    # Chinese counts characters, about two a word.
    assert check_transcript("我想更新外国人登录证。我需要带什么？", "zh", duration=12.0) == ()
    assert [f.concern for f in check_transcript("你好。", "zh", duration=30.0)] == ["too_few_words"]


def test_words_are_counted_by_spaces_or_by_characters() -> None:
    assert word_count("Xin chào, tôi cần giúp đỡ.", "vi") == 6
    assert word_count("外国人登録証", "ja") == 3
    assert word_count(" - , ", "en") == 0
