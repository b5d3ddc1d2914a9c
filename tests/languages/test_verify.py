"""Numbers, links and terms a translation must carry: found in the source, checked in the output,
and kept by the router when an engine mangles them the way real models do."""

from __future__ import annotations

import pytest

from languages.glossary import Glossary
from languages.translation import PlaceholderRecord, Translator
from languages.verify import Span, check, find_spans, join_pieces, split_around, verify
from tests.support.mangling import ManglingEngine


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return Glossary.default()


def kinds(text: str, source: str = "ko", target: str = "vi") -> list[tuple[str, str]]:
    return [(span.kind, span.text) for span in find_spans(text, source, target)]


def test_spans_of_each_kind_are_found_once() -> None:
    text = (
        "등록번호 900101-5123456, 카드 1234-5678-9012-3456, 전화 010-1234-5678, "
        "수수료 3만 5천원, 2024년 3월 5일까지 https://hikorea.go.kr 또는 "
        "help@relay.example 3번 창구"
    )
    assert kinds(text) == [
        ("registration", "900101-5123456"),
        ("card", "1234-5678-9012-3456"),
        ("phone", "010-1234-5678"),
        ("amount", "3만 5천원"),
        ("date", "2024년 3월 5일"),
        ("url", "https://hikorea.go.kr"),
        ("email", "help@relay.example"),
        ("number", "3"),
    ]


@pytest.mark.parametrize(
    ("source", "translated", "target"),
    [
        ("010-1234-5678로 전화하세요", "Please call 010 1234 5678.", "en"),
        ("010-1234-5678로 전화하세요", "请拨打０１０－１２３４－５６７８。", "zh"),  # full-width
        ("수수료는 30,000원입니다", "Lệ phí là 30.000 won.", "vi"),
        ("수수료는 3만 5천원입니다", "The fee is 35,000 won.", "en"),
        ("2024년 3월 5일까지", "by 5/3/2024", "vi"),
        ("2024년 3월 5일까지", "by March 5, 2024", "en"),
        ("https://hikorea.go.kr 참고", "See HTTPS://hikorea.go.kr", "en"),
        ("1345에 전화하세요", "Call 1345, 3 times", "en"),
    ],
)
def test_a_span_written_another_way_is_still_carried(
    source: str, translated: str, target: str
) -> None:
    assert check(source, translated, "ko", target).ok


@pytest.mark.parametrize(
    ("source", "translated"),
    [
        ("외국인종합안내센터 1345로 전화하세요.", "0 . Vui lòng gọi."),
        ("1345에 전화하세요", "Gọi 13450."),  # a longer number is another number
        ("수수료는 30,000원입니다", "Lệ phí là 3.000 won."),
        ("2024년 3월 5일까지", "trước ngày 6/3/2024"),
        ("help@relay.example 로 메일", "Gửi thư cho help@relay.exampl"),
    ],
)
def test_a_dropped_or_changed_span_is_missing(source: str, translated: str) -> None:
    assert not check(source, translated, "ko", "vi").ok


def test_glossary_terms_are_checked_by_their_target_forms(glossary: Glossary) -> None:
    source = "외국인등록증을 가지고 오세요."
    kept = check(source, "Please bring your alien registration card.", "ko", "en", glossary)
    lost = check(source, "Please bring your ID.", "ko", "en", glossary)
    assert kept.ok
    assert [(span.kind, span.text) for span in lost.missing] == [("term", "외국인등록증")]


def test_pieces_around_a_span_leave_out_the_korean_particle() -> None:
    sentence = "외국인종합안내센터 1345로 전화하세요."
    spans = [span for span in find_spans(sentence, "ko", "vi") if span.text == "1345"]
    pieces = split_around(sentence, spans, "ko")
    assert [(piece.text, piece.kept is not None) for piece in pieces] == [
        ("외국인종합안내센터", False),
        ("1345", True),
        ("전화하세요.", False),
    ]
    assert join_pieces(["Trung tâm", "1345", "Vui lòng gọi ."], "vi") == (
        "Trung tâm 1345 Vui lòng gọi."
    )
    assert join_pieces(["请拨打", "1345", "。"], "zh") == "请拨打1345。"


def test_results_are_frozen() -> None:
    span = find_spans("1345", "ko", "vi")[0]
    result = verify([span], "1345", "vi")
    with pytest.raises(AttributeError):
        span.text = "0"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        result.missing = ()  # type: ignore[misc]
    assert isinstance(span, Span)


# -- the router against an engine that mangles as real models do ------------------------------


def test_the_issue_example_keeps_the_number_and_the_term(glossary: Glossary) -> None:
    engine = ManglingEngine()
    translator = Translator([engine], glossary=glossary)
    result = translator.translate("외국인종합안내센터 1345로 전화하세요.", "ko", "vi")
    # The engine's own answer was "0 . Vui lòng gọi.": the term's placeholder mangled, the
    # number dropped. Both are noticed, and the sentence is translated again around them.
    assert engine.calls[0] == ("[0] 1345로 전화하세요.",)
    assert result.text == ("Trung tâm Thông tin Tổng hợp cho Người nước ngoài 1345 Vui lòng gọi.")
    assert result.retried_spans == ("외국인종합안내센터", "1345")
    assert result.placeholders_lost == ("외국인종합안내센터",)
    assert not result.needs_review and result.lost_placeholders == ()


def test_a_route_that_lost_a_placeholder_gets_plain_text_after(glossary: Glossary) -> None:
    engine = ManglingEngine()
    record = PlaceholderRecord()
    translator = Translator([engine], glossary=glossary, placeholders=record)
    translator.translate("외국인종합안내센터 1345로 전화하세요.", "ko", "vi")
    assert not record.trusted("mangler", "ko", "vi")
    engine.calls.clear()
    translator.translate("외국인종합안내센터에 전화하세요.", "ko", "vi")
    assert engine.calls[0] == ("외국인종합안내센터에 전화하세요.",)


def test_a_route_shown_to_lose_placeholders_never_gets_them(glossary: Glossary) -> None:
    engine = ManglingEngine()
    shown = PlaceholderRecord({("mangler", "ko", "vi"): False})
    Translator([engine], glossary=glossary, placeholders=shown).translate(
        "외국인종합안내센터 1345로 전화하세요.", "ko", "vi"
    )
    assert engine.calls[0] == ("외국인종합안내센터 1345로 전화하세요.",)


def test_what_a_failed_retry_could_not_keep_is_reported(glossary: Glossary) -> None:
    engine = ManglingEngine(fail_after=1)
    result = Translator([engine], glossary=glossary).translate(
        "외국인종합안내센터 1345로 전화하세요.", "ko", "vi"
    )
    assert result.text == "0 . Vui lòng gọi."
    assert result.lost_placeholders == ("외국인종합안내센터", "1345")
    assert [span.kind for span in result.missing_spans] == ["term", "number"]
    assert result.needs_review


def test_a_text_of_only_numbers_and_amounts_is_written_the_targets_way(
    glossary: Glossary,
) -> None:
    result = Translator([], glossary=glossary).translate("3만 5천원 010-1234-5678", "ko", "vi")
    assert (result.text, result.engine) == ("35.000 won 010-1234-5678", "glossary")
