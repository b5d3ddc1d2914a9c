"""The metrics page on the hand-computed day of tests/support/seeded_day: every figure as the
page shows it, each with its Korean definition, no English glosses, and the charts with their
CSV downloads in the centre's hours and days."""

from __future__ import annotations

import csv
import io
import re

from flask import Flask

from relay.services import services
from tests.relay.agent_helpers import sign_in
from tests.support.app_fixtures import create_user
from tests.support.seeded_day import DAY, seed_day

DAY_QUERY = {"since": DAY.isoformat(), "until": DAY.isoformat()}


def _cell(page: str, cell_id: str) -> str:
    match = re.search(rf'id="{cell_id}">([^<]*)<', page)
    assert match, f"no {cell_id} on the page"
    return match.group(1)


def test_each_figure_of_the_day_with_its_definition(app: Flask) -> None:
    seed_day(services(app).sessions)
    admin = sign_in(app, "chief", "admin")
    page = admin.get("/admin/metrics", query_string=DAY_QUERY).get_data(as_text=True)
    expected = {
        "m-contacts": "9",
        "m-replied": "5",  # C1, C2, C5, C7, C8
        "m-unanswered": "4",  # C3 receipt only, C4 warning only, C6 held, C9 abandoned
        "m-answer-rate-contacts": "55.6%",  # 5 / 9
        "m-within-target": "33.3%",  # C1, C5, C8 of all 9
        "m-first-reply": "10분 0초",  # median of 60, 300, 600, 1200, 1800 s
        "m-held": "1",
        "m-failed-replies": "0",
        "m-closed": "5",
        "m-silent": "1",
        "m-fcr": "50.0%",  # C1 and C5 of C1, C2, C4, C5
        "m-calls": "3",
        "m-answered": "2",  # CA8 taken by kim, CA7 answered by park's reply
        "m-answer-rate": "66.7%",
        "m-abandoned": "1",
        "m-answer-time": "11분 0초",  # median of 60 s and 1260 s
        "m-handle-time": "3분 15초",  # median of 90 s and 300 s
    }
    assert {cell: _cell(page, cell) for cell in expected} == expected
    # every figure row carries its definition
    for table in ("contacts", "calls"):
        body = page[page.index(f'id="{table}"') :]
        body = body[: body.index("</table>")]
        assert body.count("<tr><th>") == body.count('class="def"') > 0
    assert "모든 접수 상담" in page and "안내 메뉴가 받은 것은 응답이 아닙니다" in page
    # no English glosses in parentheses: "(service metrics)", "(answer rate)"...
    main = page[page.index("<main") :]
    assert not re.search(r"\([A-Za-z][A-Za-z ,.-]*\)", re.sub(r"<[^>]+>", " ", main))
    topics = page[page.index('id="topics"') :]
    assert re.search(r"체류·비자</th><td class=\"n\">1</td>", topics)
    assert re.search(r"유형 없음</th><td class=\"n\">1</td>", topics)


def test_charts_are_svg_with_a_table_and_csv_in_the_centres_hours(app: Flask) -> None:
    seed_day(services(app).sessions)
    admin = sign_in(app, "chief", "admin")
    page = admin.get("/admin/metrics", query_string=DAY_QUERY).get_data(as_text=True)
    names = ["hours-language", "hours-channel", "days-language", "days-channel"]
    for name in [*names, "service-level", "agents"]:
        figure = page[page.index(f'id="chart-{name}"') :]
        figure = figure[: figure.index("</figure>")]
        assert '<svg viewBox="0 0 640 220" role="img"' in figure
        assert f'<title id="t-{name}">' in figure and f'<desc id="d-{name}">' in figure
        assert "<table" in figure and "표로 보기" in figure
        assert f"/admin/metrics/charts/{name}.csv?since=2026-11-12" in figure

    def table(name: str) -> list[list[str]]:
        response = admin.get(f"/admin/metrics/charts/{name}.csv", query_string=DAY_QUERY)
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
        return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))

    hours = table("hours-language")
    # groups in the order of their codes: en, ja, mn, vi, zh
    assert hours[0] == ["시간대", "영어", "일본어", "몽골어", "베트남어", "중국어", "합계"]
    by_hour = {row[0]: row[1:] for row in hours[1:]}
    # 01:00 UTC is 10 o'clock in Seoul: C1 (en) and C2 (zh)
    assert by_hour["10"] == ["1", "0", "0", "0", "1", "2"]
    assert by_hour["16"] == ["0", "0", "0", "0", "1", "1"]  # C9 at 07:00 UTC
    assert by_hour["11"] == ["0", "0", "1", "1", "0", "2"]  # C3 (vi) 02:00, C4 (mn) 02:30
    assert by_hour["01"][-1] == "0"  # nothing at 01 o'clock in Seoul
    channels = table("days-channel")
    assert channels == [
        ["날짜", "실시간 통화", "문자", "전화", "웹 채팅", "합계"],
        ["2026-11-12", "2", "5", "1", "1", "9"],
    ]
    assert table("service-level") == [
        ["날짜", "접수", "15분 안에 답변", "비율"],
        ["2026-11-12", "9", "3", "33.3%"],
    ]
    # kim answered C1, C2, C8; park C5 (phrasebook) and C7; park's warning and held reply no.
    # kim closed C1, C2; park C4, C5; C3 was closed by relay and counts for nobody
    assert table("agents") == [
        ["상담원", "답변한 상담", "종료한 상담"],
        ["kim", "3", "2"],
        ["park", "2", "2"],
    ]
    assert admin.get("/admin/metrics/charts/nothing.csv").status_code == 404
    agent = sign_in(app, "lee")
    assert agent.get("/admin/metrics/charts/agents.csv").status_code == 403


def test_the_api_reports_the_same_definitions(app: Flask) -> None:
    seed_day(services(app).sessions)
    token = create_user(app, "chief", "admin")
    response = app.test_client().get(
        "/api/metrics",
        query_string={"since": "2026-11-12", "until": "2026-11-13"},
        headers={"Authorization": f"Bearer {token}"},
    )
    data = response.get_json()
    assert (data["contacts"], data["replied"], data["unanswered"]) == (9, 5, 4)
    assert (data["replied_within_target"], data["answer_rate"]) == (0.3333, 0.5556)
    assert data["calls"]["answer_rate"] == 0.6667
    assert data["closed_by_topic"]["체류·비자"] == 1
