"""The staff pages speak Korean: walking every staff page of a seeded record finds no English
word or internal identifier outside what residents wrote (tagged with its language or
`dir="auto"`), people's account names, and the codes staff know (SMS, UCS-2, CSV...)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from flask import Flask

from relay.services import services
from tests.relay.agent_helpers import post_form, sign_in
from tests.support.app_fixtures import Webhooks, drain
from tests.support.modelkit import TinyModels
from tests.support.voice_seed import seed_voice_message, seg
from transcripts.models import Message, MessageStatus

#: Words staff read as they are: codes, units and the names of things they use.
ALLOWED = {
    "SMS", "UCS-2", "GSM-7", "CSV", "Ctrl", "Enter", "Esc", "Alt", "Shift", "Tab", "Escape",
    "Twilio", "Playwright", "ID", "PDF",
    "AM", "PM", "KST", "OK", "URL", "Relay", "relay", "Seoul", "HiKorea", "Danuri", "Call",
    "Center", "Whisper", "JSONL", "JSON",
}  # fmt: skip
USERS = {"kim", "lee", "boss"}
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*[A-Za-z0-9]|[A-Za-z]{2,}")
VOID = {"br", "hr", "img", "input", "meta", "link", "source", "wbr", "col", "area", "base"}


class StaffText(HTMLParser):
    """Visible text and titles, leaving out what residents wrote and what is not shown."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # True: this element's text is skipped
        self.words: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        lang = found.get("lang")
        skipped = (
            (self.stack and self.stack[-1])
            or tag in ("script", "style", "code", "textarea", "option" if False else "_")
            or (lang is not None and lang not in ("ko", ""))
            or found.get("dir") == "auto"
            or found.get("translate") == "no"
        )
        # A glossary term's title lists its approved forms in the other languages.
        if not skipped and found.get("title") and "term" not in (found.get("class") or ""):
            self.words.extend(LATIN_WORD.findall(found["title"] or ""))
        if tag not in VOID:
            self.stack.append(bool(skipped))

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]):
            self.words.extend(LATIN_WORD.findall(data))


def english_on(page: str) -> set[str]:
    reader = StaffText()
    reader.feed(page)
    return {w for w in reader.words if w not in ALLOWED and w not in USERS and not w.isdigit()}


def seed(app: Flask, tiny_models: TinyModels) -> list[int]:
    webhooks = Webhooks(app.test_client())
    ids = []
    for text, phone in (
        (tiny_models.phrase("wallet")["en"], "+821055541111"),
        ("Guten Tag, ich habe meinen Ausweis verloren und brauche Hilfe.", "+821055542222"),
        ("안녕하세요, 여권을 잃어버렸어요.", "+821055543333"),
    ):
        assert webhooks.sms(text, from_number=phone).status_code == 200
        drain(app)
        with services(app).sessions() as session:
            last = session.query(Message).order_by(Message.id.desc()).first()
            assert last is not None
            ids.append(last.conversation_id)
    voice, _mid = seed_voice_message(
        services(app).sessions,
        [
            seg(0.0, 2.0, "I lost my card.", "카드를 잃어버렸어요.", avg_logprob=-0.4),
            seg(2.0, 4.0, "Please help.", "도와주세요.", avg_logprob=-1.6),
        ],
    )
    ids.append(voice)
    with services(app).sessions() as session, session.begin():
        failed = session.query(Message).filter_by(conversation_id=ids[0]).one()
        failed.status = MessageStatus.FAILED
        failed.status_reason = "translation failed; the original is shown"
    return ids


def test_staff_pages_show_no_english(app: Flask, tiny_models: TinyModels) -> None:
    ids = seed(app, tiny_models)
    agent = sign_in(app, "kim")
    post_form(agent, "/agent/", f"/agent/conversations/{ids[2]}/claim")
    post_form(agent, "/agent/", f"/agent/conversations/{ids[1]}/claim")
    post_form(
        agent, f"/agent/conversations/{ids[2]}", f"/agent/conversations/{ids[2]}/phrasebook",
        entry_id="centre.hours",
    )  # fmt: skip
    drain(app)
    admin = sign_in(app, "boss", "admin")
    pages = {"/agent/": agent, "/agent/?language=en": agent}
    for cid in ids:
        pages[f"/agent/conversations/{cid}"] = admin
        pages[f"/admin/conversations/{cid}/audit"] = admin
    pages[f"/agent/conversations/{ids[2]}"] = agent
    pages["/agent/phrasebook?q=운영시간&language=ko"] = agent
    for url in ("/admin/conversations", "/admin/memory", "/admin/metrics", "/admin/live"):
        pages[url] = admin
    found = {}
    for url, client in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        words = english_on(response.get_data(as_text=True))
        if words:
            found[url] = sorted(words)
    assert found == {}, "\n".join(f"{url}: {words}" for url, words in found.items())
