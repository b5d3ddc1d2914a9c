"""The admin, outbox, error and sign-in pages in Chromium, on a laptop (1366x768) and a phone
(390x844): Korean reads as Korean words kept whole, nothing is wider than the screen, no English
or internal name shows, and an error answers each reader in their own language with a way on.

The page tests (tests/relay) check the markup; these check what a person sees once the browser
has laid it out, which is where letter-by-letter wrapping and sideways scrolling show."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from relay.services import services
from tests.browser.conftest import (
    DEVELOPER,
    PASSWORD,
    LiveRelay,
    resident_texts,
    running_relay,
    sign_in,
    user_id,
)
from tests.browser.screens import SCREENS, Screen, fits_the_screen, lines_of, screenshot
from tests.relay.test_staff_pages_in_korean import LATIN_WORD, english_on
from tests.relay.test_web_chat import NOT_FOUND
from tests.support.modelkit import TinyModels
from tests.support.voice_seed import seed_voice_message, seg
from transcripts.models import Conversation, Disposition, Message
from transcripts.policy import Actor

pytestmark = [pytest.mark.browser, pytest.mark.slow]
#: A link someone pastes: long and unbroken, it must wrap rather than widen the page.
LINK = (
    "https://www.hikorea.go.kr/board/BoardNtcDetailR.pt?BBS_SEQ=1&BBS_GB_CD=BS10&NTCCTT_SEQ=1062"
    "&page=1&searchType=title&searchKeyword=%EC%99%B8%EA%B5%AD%EC%9D%B8%EB%93%B1%EB%A1%9D%EC%A6%9D"
)
#: A correction an admin writes: a long Korean word (to see it kept whole) and the link.
CORRECTED = f"지갑을 버스에서 잃어버렸어요. 외국인등록증도 지갑 안에 있었어요. 신고 주소: {LINK}"
WHOLE_WORD = "외국인등록증도"
CALLER = "I lost my card."  # what a caller said, kept in a corrected segment's tooltip
ESCAPED = re.compile(r"\\u[0-9a-fA-F]{4}")
HANGUL = re.compile("[\uac00-\ud7a3]")


def _visitor(chromium: Any, screen: Screen, locale: str = "ko-KR") -> Any:
    """A browser nobody signed in on (a resident, or staff before signing in)."""
    return chromium.new_context(locale=locale, viewport=screen).new_page()


def _no_english(page: Any, *residents_wrote: str) -> None:
    """No English word or internal name on the page, but an account's name and what a
    person wrote (a corrected segment keeps the machine's words in its tooltip; a link)."""
    words = english_on(page.content()) - {DEVELOPER}
    words -= {word for text in residents_wrote for word in LATIN_WORD.findall(text)}
    assert not words, f"{page.url}: {sorted(words)}"


def _last_message(relay: LiveRelay) -> Message:
    with services(relay.app).sessions() as session:
        message = session.scalars(select(Message).order_by(Message.id.desc())).first()
        assert message is not None
        session.expunge(message)
        return message


def _worked_conversation(chromium: Any, relay: LiveRelay, tiny_models: TinyModels) -> int:
    """A resident's text, claimed by kim, its Korean corrected by the admin boss, handed to
    lee and closed: a trail with people, Korean details and most kinds of event."""
    resident_texts(chromium, relay, tiny_models.phrase("wallet")["en"], "+821055530001")
    message = _last_message(relay)
    record = services(relay.app).record
    kim, lee = relay.user("kim"), relay.user("lee")
    boss = Actor(user_id(relay, relay.user("boss", "admin")), is_admin=True)
    record.agents.claim(message.conversation_id, Actor(user_id(relay, kim)))
    record.corrections.correct_translation(message.id, CORRECTED, boss.user_id)
    record.agents.transfer(message.conversation_id, boss, user_id(relay, lee))
    record.agents.close(message.conversation_id, boss, Disposition.RESOLVED, "외국인등록")
    return message.conversation_id


@pytest.fixture
def outbox_relay(app_factory: Any) -> Iterator[LiveRelay]:
    """A relay that texts each resident a receipt, held in the development outbox."""
    with running_relay(app_factory, SMS_ACKNOWLEDGEMENT=True) as relay:
        yield relay


@pytest.mark.parametrize("viewport", SCREENS)
def test_the_audit_trail_reads_in_korean_with_words_kept_whole(
    chromium: Any, live_relay: LiveRelay, tiny_models: TinyModels, viewport: Screen, tmp_path: Path
) -> None:
    cid = _worked_conversation(chromium, live_relay, tiny_models)
    admin = sign_in(chromium, live_relay, "boss", screen=viewport)
    admin.goto(f"{live_relay.url}/admin/conversations/{cid}/audit")
    screenshot(admin, f"audit-{viewport['width']}.png", tmp_path, full_page=True)

    text = admin.inner_text("main")
    assert CORRECTED in text and not ESCAPED.search(text)
    kinds = admin.eval_on_selector_all(
        "table.audit tbody td:nth-child(2)", "cells => cells.map(c => c.innerText)"
    )
    assert {"상담원이 맡음", "관리자 수정", "이관", "대화 종료"} <= set(kinds)
    assert all(HANGUL.search(kind) for kind in kinds), kinds
    assert "kim" in text and "lee" in text and "첫 상담에서 해결" in text
    for word in (WHOLE_WORD, "잃어버렸어요.", "상담원이", "첫"):
        assert lines_of(admin, "table.audit tbody", word) == 1, word
    _no_english(admin, LINK)
    fits_the_screen(admin, viewport["width"])


@pytest.mark.parametrize("viewport", SCREENS)
def test_the_outbox_reads_in_korean_with_words_kept_whole(
    chromium: Any,
    outbox_relay: LiveRelay,
    tiny_models: TinyModels,
    viewport: Screen,
    tmp_path: Path,
) -> None:
    developer = resident_texts(chromium, outbox_relay, tiny_models.phrase("wallet")["en"])
    developer.set_viewport_size(viewport)
    developer.goto(f"{outbox_relay.url}/dev/outbox")
    screenshot(developer, f"outbox-{viewport['width']}.png", tmp_path, full_page=True)

    table = developer.inner_text("table.outbox")
    assert "문자" in table and "보관됨 (발송 안 함)" in table and "+8210" not in table
    korean = developer.locator("table.outbox tbody td:nth-child(4)").first.inner_text()
    sent = developer.locator("table.outbox tbody td:nth-child(6)").first.inner_text()
    for word in (*korean.split(), *sent.split(), "보관됨"):
        assert lines_of(developer, "table.outbox tbody", word) == 1, word
    # What goes to the resident is theirs to read; the setting is named so developers find it.
    _no_english(developer, sent, "RELAY_OUTBOX")
    fits_the_screen(developer, viewport["width"])


@pytest.mark.parametrize("viewport", SCREENS)
def test_staff_error_pages_are_korean_with_a_way_back(
    chromium: Any, live_relay: LiveRelay, viewport: Screen, tmp_path: Path
) -> None:
    agent = sign_in(chromium, live_relay, live_relay.user("kim"), screen=viewport)
    for url, status, reason in (
        ("/agent/conversations/999999", 404, "찾는 대화나 메시지가 없습니다."),
        ("/agent/no-such-page", 404, "찾는 화면이 없습니다. 주소를 확인해 주세요."),
        ("/admin/conversations", 403, "이 작업을 할 권한이 없습니다."),
    ):
        response = agent.goto(f"{live_relay.url}{url}")
        assert response.status == status, url
        screenshot(agent, f"error-{status}-{viewport['width']}.png", tmp_path, full_page=True)
        assert agent.evaluate("document.documentElement.lang") == "ko"
        assert agent.inner_text("h1") == "요청을 처리하지 못했습니다"
        assert reason in agent.inner_text("main")
        for english in ("Not Found", "Forbidden", "The requested URL"):
            assert english not in agent.content()
        _no_english(agent)
        fits_the_screen(agent, viewport["width"])
        back = agent.get_by_role("link", name="처음으로 돌아가기")
        assert back.is_visible()
        back.click()
        agent.wait_for_url(f"{live_relay.url}/")
        assert agent.get_by_role("link", name="상담 대기열로 가기").is_visible()
        _no_english(agent)


@pytest.mark.parametrize("viewport", SCREENS)
def test_a_bad_reply_link_answers_in_the_residents_language(
    chromium: Any, live_relay: LiveRelay, viewport: Screen, tmp_path: Path
) -> None:
    for locale, token, expected in (
        ("vi-VN", "this-link-is-not-one", ["vi"]),
        ("mn-MN", "T" * 65, ["mn"]),  # longer than any link the relay sends
        ("de-DE", "this-link-is-not-one", list(NOT_FOUND)),  # none of the five: all five
    ):
        resident = _visitor(chromium, viewport, locale)
        response = resident.goto(f"{live_relay.url}/r/{token}")
        assert response.status == 404
        screenshot(
            resident, f"reply-link-{locale}-{viewport['width']}.png", tmp_path, full_page=True
        )
        shown = resident.eval_on_selector_all("section.note", "notes => notes.map(n => n.lang)")
        assert sorted(shown) == sorted(expected)
        text = resident.inner_text("main")
        for code in expected:
            assert NOT_FOUND[code] in text, code
        assert "Not Found" not in resident.content() and "요청을 처리하지" not in text
        assert "112" in resident.inner_text("header") and "119" in resident.inner_text("header")
        fits_the_screen(resident, viewport["width"])
        if len(expected) == 1:  # the way on: a new chat, in the same language
            resident.locator("section.note a.button").click()
            resident.wait_for_load_state()
            assert resident.evaluate("document.documentElement.lang") == expected[0]
            fits_the_screen(resident, viewport["width"])
        resident.context.close()


@pytest.mark.parametrize("viewport", SCREENS)
def test_the_login_page_fits_and_names_no_command(
    chromium: Any, live_relay: LiveRelay, viewport: Screen, tmp_path: Path
) -> None:
    name = live_relay.user("kim")
    staff = _visitor(chromium, viewport)
    staff.goto(f"{live_relay.url}/login")
    screenshot(staff, f"login-{viewport['width']}.png", tmp_path, full_page=True)
    page = staff.content()
    for command in ("flask", "users create", "--role", "wsgi", ".venv"):
        assert command not in page, command
    assert "관리자에게 문의" in staff.inner_text("main")
    _no_english(staff)
    fits_the_screen(staff, viewport["width"])
    for field in ('input[name="username"]', 'input[name="password"]', 'button[type="submit"]'):
        box = staff.locator(field).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], field
    staff.fill('input[name="username"]', name)
    staff.fill('input[name="password"]', PASSWORD)
    staff.click('button[type="submit"]')
    staff.wait_for_url(f"{live_relay.url}/agent/")
    staff.context.close()


@pytest.mark.parametrize("viewport", SCREENS)
def test_the_admin_review_pages_fit_and_speak_korean(
    chromium: Any, live_relay: LiveRelay, tiny_models: TinyModels, viewport: Screen, tmp_path: Path
) -> None:
    closed = _worked_conversation(chromium, live_relay, tiny_models)
    resident_texts(
        chromium,
        live_relay,
        "Guten Tag, ich habe meinen Ausweis verloren und brauche Hilfe.",
        "+821055530002",
    )
    resident_texts(chromium, live_relay, "안녕하세요, 여권을 잃어버렸어요.", "+821055530003")
    voice, _ = seed_voice_message(
        services(live_relay.app).sessions,
        [seg(0.0, 2.0, CALLER, "카드를 잃어버렸어요.", avg_logprob=-1.6)],
        phone="+821055530004",
    )
    admin = sign_in(chromium, live_relay, "boss", screen=viewport)
    admin.goto(f"{live_relay.url}/admin/conversations")
    screenshot(admin, f"review-list-{viewport['width']}.png", tmp_path, full_page=True)
    with services(live_relay.app).sessions() as session:
        assert session.query(Conversation).count() == 4
    listed = admin.inner_text("main")
    assert "종료 · 첫 상담에서 해결" in listed and "resolved" not in listed
    german = admin.locator("table.review tbody tr", has_text="brauche Hilfe").inner_text()
    assert "언어 미확인" in german and "?" not in german  # not a bare question mark
    for word in ("진행", "첫", "외국인등록증도", "brauche", "*********0004"):
        assert lines_of(admin, "table.review tbody", word) == 1, word
    _no_english(admin)
    fits_the_screen(admin, viewport["width"])

    for cid in (closed, voice):
        admin.goto(f"{live_relay.url}/agent/conversations/{cid}")
        screenshot(admin, f"review-thread-{cid}-{viewport['width']}.png", tmp_path, full_page=True)
        _no_english(admin, LINK)
        fits_the_screen(admin, viewport["width"])

    admin.goto(f"{live_relay.url}/admin/memory")  # the correction, remembered for next time
    screenshot(admin, f"memory-{viewport['width']}.png", tmp_path, full_page=True)
    for word in (WHOLE_WORD, "wallet", "영어"):
        assert lines_of(admin, "table.memory-entries tbody", word) == 1, word
    _no_english(admin)
    fits_the_screen(admin, viewport["width"])

    admin.goto(f"{live_relay.url}/admin/metrics")
    screenshot(admin, f"metrics-{viewport['width']}.png", tmp_path, full_page=True)
    figures = admin.eval_on_selector_all(
        "table.figures td.n", "cells => cells.map(c => c.innerText)"
    )
    assert any("%" in figure for figure in figures), figures
    for figure in filter(None, (f.strip() for f in figures)):
        assert lines_of(admin, "table.figures", figure) == 1, figure
    _no_english(admin)
    fits_the_screen(admin, viewport["width"])

    admin.goto(f"{live_relay.url}/agent/conversations/{voice}")
    admin.locator("details.correct summary").click()  # the voice thread: correct a segment
    fix = admin.locator("form.segment-fix").first
    fix.locator('input[name="korean"]').fill("카드를 잃어버렸어요. 도와주세요.")
    fix.locator("button[type=submit]").click()
    admin.wait_for_selector(".flash.ok")
    assert admin.inner_text(".flash.ok").startswith("수정을 저장했습니다.")
    _no_english(admin, CALLER)
    admin.goto(f"{live_relay.url}/admin/conversations/{voice}/audit")
    screenshot(admin, f"review-audit-{viewport['width']}.png", tmp_path, full_page=True)
    assert "음성 구간 1의 한국어 번역" in admin.inner_text("table.audit")
    _no_english(admin)
    fits_the_screen(admin, viewport["width"])
