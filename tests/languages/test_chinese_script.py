"""Chinese transcripts come out in simplified characters; what Whisper wrote is kept."""

from __future__ import annotations

from languages.chinese_script import simplify_transcript, to_simplified
from languages.speech import Segment, Transcript


def segment(text: str, start: float = 0.0) -> Segment:
    return Segment(start, start + 2.0, text, -0.3, 0.01, 1.2)


def test_traditional_characters_and_phrases_become_simplified() -> None:
    assert to_simplified("我想問一下垃圾收集的時間。") == "我想问一下垃圾收集的时间。"
    assert to_simplified("這個區域的資源回收日是星期幾？") == "这个区域的资源回收日是星期几？"
    assert to_simplified("我的外國人登錄證丟了") == "我的外国人登录证丢了"


def test_simplified_text_and_other_scripts_are_left_alone() -> None:
    for text in ("你好，我想问一下。", "Hello 123", "ごみの収集日", ""):
        assert to_simplified(text) == text


def test_a_traditional_transcript_is_simplified_and_keeps_what_was_recognised() -> None:
    heard = Transcript(
        language="zh",
        language_probability=1.0,
        duration=4.0,
        text="我想問一下 你好",
        segments=(segment("我想問一下"), segment("你好", 2.0)),
    )
    simplified = simplify_transcript(heard)
    assert simplified.text == "我想问一下 你好"
    first, second = simplified.segments
    assert (first.text, first.recognised_text) == ("我想问一下", "我想問一下")
    assert first.to_json_dict()["recognised_text"] == "我想問一下"
    assert second.recognised_text is None
    assert "recognised_text" not in second.to_json_dict()


def test_other_languages_and_simplified_transcripts_are_returned_as_they_are() -> None:
    japanese = Transcript("ja", 1.0, 2.0, "問題", (segment("問題"),))
    assert simplify_transcript(japanese) is japanese
    simple = Transcript("zh", 1.0, 2.0, "你好", (segment("你好"),))
    assert simplify_transcript(simple) is simple
