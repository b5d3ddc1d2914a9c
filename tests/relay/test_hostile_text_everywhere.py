"""Hostile text stays inert wherever it enters and wherever it is shown.

A check of the suite found that planting `|safe` on a voice transcript, a segment's Korean or a
machine translation kept beside a correction went unnoticed: the escaping test only seeded an
SMS. Here the same hostile strings go in through every way text enters relay today, each by
the path the real text takes (signed webhooks, the record's use cases as the recogniser and
translator call them, the admin forms, the API, the accounts command), and every staff page,
the resident's reply page, both exports and the API responses are read back.

Web chat messages (and an agent's web reply) come in through the resident's chat page and are
read back there too, live-call captions as the live channel stores them, and glossary terms and
phrasebook answers through the admins' editors (a text the editor refuses is read back on the
refusal page instead). A new way in joins by adding one seeding function to `ENTRY_POINTS`: it
puts the text in and says on which pages, exports and API documents it must come back exactly.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from relay.auth import hash_password
from relay.services import services
from tests.relay.agent_helpers import PASSWORD, csrf_from, post_form, sign_in
from tests.support.app_fixtures import Webhooks, drain
from tests.support.inert_html import BIDI_CONTROLS, parse
from tests.support.recording_server import TwilioCall
from tests.support.voice_seed import seg
from transcripts.db import utcnow
from transcripts.export import FORMULA_STARTS
from transcripts.inbound import InboundTranslation
from transcripts.live_calls import LiveCaption, UtteranceAudio
from transcripts.models import Message, MessageStatus, Role
from transcripts.voice_messages import VoiceTranscript

#: What templates would print if they ever evaluated resident text.
#: Numbers no page prints otherwise (4936 turned up inside a timestamp's microseconds).
EVALUATED = ("1337000", "97539753")
HOSTILE = {
    "script": '<script>alert("x")</script></textarea></title><script>alert(9)</script>',
    "img": "<img src=x onerror=alert(1)>",
    "svg": "<svg onload=alert(2)><circle r=9></circle></svg>",
    "breakout": "\"'><b onmouseover=alert(3)>hover</b>",
    "htmx": '<a hx-get="/logout" hx-trigger="load">x</a>" hx-get="/logout" hx-trigger="load',
    "rtl": "\u202eexe.gnp\u202c then \u202bشكرا\u202c and an open \u202e override",
    "zero-width": "pass\u200bport\u200c card\u200d\ufeffnumber\u2060 here",
    "long": ("Hello, I need help with my paperwork today. " * 120)[:4970]
    + "<img src=x onerror=alert(5)>",
    "emoji": "🙂👨‍👩‍👧‍👦🇰🇷 help 🆘" * 10,
    "template": "{{ 1337*1000 }} {% print 9753*10001 %} {% raw %}{{ config }}{% endraw %} ${7*7}",
    "formula": '=HYPERLINK("http://x.example/","<svg onload=alert(6)>")',
}
UNDELIVERABLE = " ơ"  # a Vietnamese letter Korean handsets cannot show: the reply goes by link
BENIGN_KO = "외국인등록증 재발급 안내입니다"


@dataclass
class Scene:
    """One app with a hostile-named admin signed in, and what each entry point expects back."""

    app: Flask
    admin: FlaskClient
    token: str
    webhooks: Webhooks
    pages: dict[str, list[str]] = field(default_factory=dict)  # URL → exact texts on it
    responses: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # POST answers
    api: dict[int, list[str]] = field(default_factory=dict)  # conversation → exact texts
    exported: list[str] = field(default_factory=list)  # exact texts in the JSON Lines export
    # URL → texts the page isolates (dir="auto"), so a direction override ends with them.
    isolated: dict[str, list[str]] = field(default_factory=dict)
    # Pages read with a resident's own cookie (the chat page): (client, URL, exact texts).
    resident_pages: list[tuple[FlaskClient, str, list[str]]] = field(default_factory=list)
    _phones: Iterator[int] = field(default_factory=lambda: iter(range(10_000, 99_999)))

    def show(self, url: str, *texts: str) -> None:
        self.pages.setdefault(url, []).extend(texts)

    def phone(self) -> str:
        return f"+82105555{next(self._phones):05d}"

    def thread(self, cid: int, *texts: str) -> None:
        """A conversation's pages, API document and export, each holding `texts` exactly."""
        self.show(f"/agent/conversations/{cid}", *texts)
        self.show(f"/agent/conversations/{cid}/messages", *texts)
        self.show(f"/admin/conversations/{cid}/audit")
        self.api.setdefault(cid, []).extend(texts)


# -- how text enters: each puts it in by the real path ---------------------------------------


def _sms(scene: Scene, body: str) -> tuple[int, int, str]:
    phone = scene.phone()
    assert scene.webhooks.sms(body, from_number=phone).status_code == 200
    with services(scene.app).sessions() as session:
        message = session.scalars(select(Message).order_by(Message.id.desc())).first()
        assert message is not None
        return message.conversation_id, message.id, phone


def _translated(scene: Scene, message_id: int, korean: str, note: str | None = None) -> None:
    """Store Korean for an SMS as the translation job does."""
    record = services(scene.app).record.inbound
    assert record.begin_work(message_id) is not None
    result = InboundTranslation("en", 0.99, korean, "argos", "tiny", None, 5.0, 1.0, note)
    record.save_translation(message_id, result)


def _call(scene: Scene) -> tuple[int, int]:
    """A call through the signed voice webhooks up to its stored recording; the caller's
    simulator page shows it."""
    phone = scene.phone()
    scene.show(f"/dev/simulator?phone={quote(phone)}")
    call = TwilioCall(scene.webhooks, from_number=phone)
    call.start()
    call.press("1")
    assert call.recording_ready("http://127.0.0.1:9/never-fetched", 5).status_code == 204
    # The test plays the recogniser (_transcribed): the download job it queued must never run
    # later and write its own failure over what the test stored.
    services(scene.app).huey.flush()
    with services(scene.app).sessions() as session:
        message = session.scalars(select(Message).order_by(Message.id.desc())).first()
        assert message is not None
        return message.conversation_id, message.id


def _transcribed(
    scene: Scene, message_id: int, segments: list[dict[str, Any]], **saved: Any
) -> None:
    """Store a transcript as the recording job does: the segments and their joins."""
    korean = " ".join(s["translated_text"] for s in segments)
    result = VoiceTranscript(
        language="en",
        probability=0.9,
        text=" ".join(s["text"] for s in segments),
        korean_text=korean or None,
        segments=segments,
        engine="argos",
        model="tiny",
        pivot=None,
        translation_ms=5.0,
        recognition_ms=900.0,
    )
    services(scene.app).record.voice.save_voice_transcript(message_id, result, **saved)


def _correct(scene: Scene, cid: int, action: str, **form: str) -> None:
    response = post_form(scene.admin, f"/agent/conversations/{cid}", action, **form)
    assert response.status_code == 303  # type: ignore[attr-defined]


def _reply(scene: Scene, cid: int, **payload: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {scene.token}"}
    client = scene.app.test_client()
    client.post(f"/api/conversations/{cid}/claim", headers=headers)
    # The tiny models drop numbers and terms of the hostile Korean: the agent confirms, as
    # the reply box asks them to, so the text still goes where the test needs it.
    confirmed = {**payload, "confirm_missing": True}
    response = client.post(f"/api/conversations/{cid}/replies", json=confirmed, headers=headers)
    assert response.status_code == 202, response.get_data(as_text=True)
    drain(scene.app)  # sent (held), as it is by the time a resident can follow its link
    return response.get_json()  # type: ignore[no-any-return]


def sms_body(scene: Scene, text: str) -> None:
    cid, mid, phone = _sms(scene, text)
    _translated(scene, mid, BENIGN_KO)
    scene.thread(cid, text)
    scene.isolated.setdefault(f"/agent/conversations/{cid}", []).append(text)
    scene.show(f"/dev/simulator?phone={quote(phone)}", text)
    scene.exported.append(text)


def sms_korean_and_flag(scene: Scene, text: str) -> None:
    """The translator's Korean and review note; closed, it heads the resident's next thread."""
    cid, mid, phone = _sms(scene, "I lost my wallet on the bus.")
    _translated(scene, mid, text, note=text)
    scene.thread(cid, text)
    scene.exported.append(text)
    headers = {"Authorization": f"Bearer {scene.token}"}
    client = scene.app.test_client()
    client.post(f"/api/conversations/{cid}/claim", headers=headers)
    closed = client.post(
        f"/api/conversations/{cid}/close", json={"disposition": "resolved"}, headers=headers
    )
    assert closed.status_code == 200, closed.get_data(as_text=True)
    assert scene.webhooks.sms("Hello again.", from_number=phone).status_code == 200
    scene.show(f"/agent/conversations/{cid + 1}")


def voice_transcript(scene: Scene, text: str) -> None:
    cid, mid = _call(scene)
    _transcribed(scene, mid, [seg(0.0, 2.0, text, BENIGN_KO)])
    scene.thread(cid, text)
    scene.isolated.setdefault(f"/agent/conversations/{cid}", []).append(text)
    scene.exported.append(text)


def voice_korean(scene: Scene, text: str) -> None:
    cid, mid = _call(scene)
    _transcribed(scene, mid, [seg(0.0, 2.0, "Hello.", text)])
    scene.thread(cid, text)
    scene.exported.append(text)


def voice_failure_notes(scene: Scene, text: str) -> None:
    """A recording whose work failed, with the reason and a flag the job wrote."""
    cid, mid = _call(scene)
    _transcribed(
        scene, mid, [seg(0.0, 2.0, "Hello.", "")], status=MessageStatus.FAILED, reason=text
    )
    services(scene.app).record.voice.flag_message(mid, text)
    scene.thread(cid, text)


def admin_corrections(scene: Scene, text: str) -> None:
    """An admin's transcript, translation and segment corrections through the forms."""
    cid, mid = _call(scene)
    _transcribed(scene, mid, [seg(0.0, 1.0, "Hello.", "안녕하세요"), seg(1.0, 2.0, "Bye.", "안녕")])
    segment = f"/admin/messages/{mid}/segments/1/correct"
    _correct(scene, cid, segment, text=text, korean=text)
    _correct(scene, cid, f"/admin/messages/{mid}/correct", field="original", text=text)
    _correct(scene, cid, f"/admin/messages/{mid}/correct", field="translation", text=text)
    scene.thread(cid, text)
    scene.exported.append(text)


def machine_text_beside_correction(scene: Scene, text: str) -> None:
    """The machines' hostile transcript and Korean, kept beside an admin's correction."""
    cid, mid = _call(scene)
    _transcribed(scene, mid, [seg(0.0, 2.0, text, text)])
    segment = f"/admin/messages/{mid}/segments/0/correct"
    _correct(scene, cid, segment, text="Hello.", korean="안녕하세요")
    scene.thread(cid, text)
    scene.exported.append(text)


def agent_reply(scene: Scene, text: str) -> None:
    """An agent's Korean reply, machine-translated, through the API."""
    cid, mid, _ = _sms(scene, "Hello.")
    _translated(scene, mid, "안녕하세요")
    korean = text[:1600].strip()
    sent = _reply(scene, cid, text=korean)
    assert sent["message"]["original_text"] == korean
    scene.thread(cid, korean)
    scene.show("/dev/outbox", korean)


def agent_edited_translation(scene: Scene, text: str) -> None:
    """An agent's own translation: once as the SMS itself, once behind the reply page's link."""
    cid, mid, phone = _sms(scene, "Hello.")
    _translated(scene, mid, "안녕하세요")
    as_sms = _reply(scene, cid, text=BENIGN_KO, translated_text=text)
    linked = _reply(scene, cid, text=BENIGN_KO, translated_text=text + UNDELIVERABLE)
    assert as_sms["message"]["translated_text"] == text
    assert linked["preview"]["uses_link"], "characters SMS cannot carry go by link"
    with services(scene.app).sessions() as session:
        token = session.get(Message, linked["message"]["id"]).reply_token  # type: ignore[union-attr]
    scene.thread(cid, text, text + UNDELIVERABLE)
    scene.show(f"/r/{token}", text + UNDELIVERABLE)
    carried = [text] if as_sms["message"]["sms"]["delivered_body"] == text else []
    scene.show("/dev/outbox", text, *carried)
    scene.show(f"/dev/simulator?phone={quote(phone)}", *carried)
    scene.exported.append(text)


def agent_spoken_reply(scene: Scene, text: str) -> None:
    """An agent's own translation, read to the caller on a call-back."""
    cid, mid = _call(scene)
    _transcribed(scene, mid, [seg(0.0, 2.0, "Hello.", "안녕하세요")])
    sent = _reply(scene, cid, text=BENIGN_KO, translated_text=text, channel="voice")
    assert sent["message"]["channel"] == "voice"
    scene.thread(cid, text)
    with services(scene.app).sessions() as session:
        phone = session.get(Message, mid).conversation.contact.phone  # type: ignore[union-attr]
    scene.show(f"/dev/simulator?phone={quote(phone)}", text)


def back_translation_from_memory(scene: Scene, text: str) -> None:
    """An admin's Korean for a sentence is remembered, and comes back as the back-translation
    of a reply that uses the same sentence."""
    sentence = "Please bring your residence card to the office."
    cid, mid, _ = _sms(scene, sentence)
    _translated(scene, mid, BENIGN_KO)
    _correct(scene, cid, f"/admin/messages/{mid}/correct", field="translation", text=text)
    sent = _reply(scene, cid, text=BENIGN_KO, translated_text=sentence)
    assert sent["message"]["back_translation"] == text.strip()
    scene.thread(cid, text)


def account_names(scene: Scene, text: str) -> None:
    """An agent with a hostile name (the admin has one too) holds a conversation."""
    name = ("agent " + text)[:64].strip()
    record = services(scene.app).record.accounts
    record.create(name, Role.AGENT, hash_password(PASSWORD))
    cid, mid, _ = _sms(scene, "Hello.")
    _translated(scene, mid, "안녕하세요")
    headers = {"Authorization": f"Bearer {record.issue_token(name)}"}
    response = scene.app.test_client().post(f"/api/conversations/{cid}/claim", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    scene.thread(cid)
    scene.show(f"/agent/conversations/{cid}", name)
    scene.show("/admin/conversations", name)


def admin_search_query(scene: Scene, text: str) -> None:
    scene.show(f"/admin/conversations?q={quote(text)}", text.strip())


def phrasebook_query(scene: Scene, text: str) -> None:
    query = quote(text)
    scene.show(f"/agent/phrasebook?q={query}&language=en", text[:100].strip())


def sign_in_name(scene: Scene, text: str) -> None:
    """A failed sign-in shows the name typed back in the form."""
    client = scene.app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    form = {"username": text, "password": "wrong password", "csrf_token": token}
    page = client.post("/login", data=form).get_data(as_text=True)
    scene.responses["failed sign-in"] = (page, [text[:4000].strip()])


def _latest_message(scene: Scene) -> Message:
    with services(scene.app).sessions() as session:
        message = session.scalars(select(Message).order_by(Message.id.desc())).first()
        assert message is not None
        return message


def chat_messages(scene: Scene, text: str) -> None:
    """A resident's chat, started and continued on the chat page, and an agent's own
    translation sent back to that page."""
    said = text[:2000].strip()
    resident = scene.app.test_client()
    token = csrf_from(resident.get("/chat?lang=en").get_data(as_text=True))
    form = {"csrf_token": token, "language": "en", "text": said}
    assert resident.post("/chat", data=form).status_code == 303
    first = _latest_message(scene)
    _translated(scene, first.id, BENIGN_KO)
    token = csrf_from(resident.get("/chat/c").get_data(as_text=True))
    written = resident.post("/chat/c/messages", data={"csrf_token": token, "text": said})
    assert written.status_code in (200, 303), written.get_data(as_text=True)
    _translated(scene, _latest_message(scene).id, BENIGN_KO)
    cid = first.conversation_id
    sent = _reply(scene, cid, text=BENIGN_KO, translated_text=text, channel="web")
    assert sent["message"]["channel"] == "web"
    scene.thread(cid, said, text)
    scene.isolated.setdefault(f"/agent/conversations/{cid}", []).append(said)
    scene.resident_pages.append((resident, "/chat/c", [said, text]))
    scene.exported.extend([said, text])


def live_caption(scene: Scene, text: str) -> None:
    """A live call's utterance, stored by the stream and captioned as its speech lane does."""
    phone = scene.phone()
    call = TwilioCall(scene.webhooks, from_number=phone)
    call.start()
    call.press("1")
    services(scene.app).huey.flush()
    live = services(scene.app).record.live
    assert live.go_live(call.sid) is not None
    heard = UtteranceAudio("recordings/never-written.wav", 3.0, 5.0, 2.0, "silence", utcnow())
    message_id = live.store_utterance(call.sid, heard)
    now = utcnow()
    segments = [seg(0.0, 2.0, text, text)]
    caption = LiveCaption("en", text, text, segments, "argos", "tiny", 900.0, 5.0, now, now)
    live.save_caption(message_id, caption, offset=3.0)
    cid = _latest_message(scene).conversation_id
    scene.thread(cid, text)
    scene.exported.append(text)


def glossary_term(scene: Scene, text: str) -> None:
    """A term an admin adds in the glossary editor; the thread marks it with its translations."""
    form, note = text[:100].strip(), text[:500].strip()
    saved = post_form(
        scene.admin, "/admin/glossary/edit", "/admin/glossary", ko="무지개센터", en=form, note=note
    )
    status = saved.status_code  # type: ignore[attr-defined]
    if status == 422:  # refused (it looks like a placeholder): the form shows it back
        scene.responses["refused glossary term"] = (saved.get_data(as_text=True), [form, note])  # type: ignore[attr-defined]
        return
    assert status == 303, saved.get_data(as_text=True)  # type: ignore[attr-defined]
    scene.show(f"/admin/glossary?q={quote('무지개센터')}", form, note)
    scene.show(f"/admin/glossary/edit?term={quote('무지개센터')}", form, note)
    scene.show(f"/admin/glossary/history?term={quote('무지개센터')}", form, note)
    scene.show("/admin/glossary/history", form, note)
    cid, mid, _ = _sms(scene, "Where is the rainbow centre?")
    _translated(scene, mid, "무지개센터는 어디인가요?")
    scene.show(f"/agent/conversations/{cid}", form)
    # A Korean term as hostile as the rest names its entry: the list, its links, its history.
    named = post_form(scene.admin, "/admin/glossary/edit", "/admin/glossary", ko=form, en="x")
    if named.status_code == 303:  # type: ignore[attr-defined]
        scene.show("/admin/glossary", form)
        scene.show(f"/admin/glossary/history?term={quote(form)}", form)
    # Too long and without a Korean term: the reasons quote the start of what was typed.
    refused = post_form(scene.admin, "/admin/glossary/edit", "/admin/glossary", en=text + "x" * 100)
    assert refused.status_code == 422  # type: ignore[attr-defined]
    page = refused.get_data(as_text=True)  # type: ignore[attr-defined]
    scene.responses["refused glossary term, too long"] = (page, [(text + "x" * 100)[:2000]])


def phrasebook_answer(scene: Scene, text: str) -> None:
    """An answer an admin writes in the phrasebook editor, found by an agent's search and
    sent to a resident."""
    answer, topic = text[:1000].strip(), text[:40].strip()
    texts = dict.fromkeys(("ko", "en", "zh", "ja", "vi", "mn"), answer)
    saved = post_form(
        scene.admin,
        "/admin/phrasebook/edit",
        "/admin/phrasebook",
        topic=topic,
        keywords="무지개상용구",
        **texts,
    )
    status = saved.status_code  # type: ignore[attr-defined]
    if status == 422:  # refused (template fields): the form shows it back
        scene.responses["refused answer"] = (saved.get_data(as_text=True), [answer, topic])  # type: ignore[attr-defined]
        return
    assert status == 303, saved.get_data(as_text=True)  # type: ignore[attr-defined]
    entries = services(scene.app).record.books.edition("phrasebook").entries or ()
    [entry_id] = [e.key for e in entries if e.content["keywords"] == ["무지개상용구"]]
    scene.show(f"/admin/phrasebook?q={quote('무지개상용구')}", answer, topic)
    scene.show(f"/admin/phrasebook/history?id={entry_id}", answer, topic)
    scene.show(f"/admin/phrasebook/edit?id={entry_id}", answer, topic)
    scene.show(f"/agent/phrasebook?q={quote('무지개상용구')}&language=en", answer)
    cid, mid, _ = _sms(scene, "Hello.")
    _translated(scene, mid, "안녕하세요")
    thread = f"/agent/conversations/{cid}"
    sent = post_form(scene.admin, thread, f"{thread}/phrasebook", entry_id=entry_id)
    assert sent.status_code == 303  # type: ignore[attr-defined]
    drain(scene.app)
    scene.thread(cid, answer)
    scene.exported.append(answer)


#: Every way text enters relay. A new channel adds its seeding function here.
ENTRY_POINTS: list[Callable[[Scene, str], None]] = [
    sms_body,
    sms_korean_and_flag,
    voice_transcript,
    voice_korean,
    voice_failure_notes,
    admin_corrections,
    machine_text_beside_correction,
    agent_reply,
    agent_edited_translation,
    agent_spoken_reply,
    back_translation_from_memory,
    account_names,
    admin_search_query,
    phrasebook_query,
    sign_in_name,
    chat_messages,
    live_caption,
    glossary_term,
    phrasebook_answer,
]
STAFF_PAGES = [
    "/agent/",
    "/agent/queue",
    "/admin/conversations",
    "/admin/metrics",
    "/dev/outbox",
    "/admin/glossary",
    "/admin/phrasebook",
]


# -- the checks ---------------------------------------------------------------------------------


def assert_inert_html(
    where: str, html: str, expected: list[str], isolated: list[str] | None = None
) -> None:
    page = parse(html)
    for text in isolated or []:
        if BIDI_CONTROLS & set(text):
            assert any(text in t for t, inside in page.texts if inside), (
                f"{where}: a direction override in seeded text is not isolated"
            )
    assert page.injected() == [], f"{where}: seeded text became markup"
    for evaluated in EVALUATED:
        assert evaluated not in page.text, f"{where}: a template evaluated seeded text"
    for text in expected:
        assert text in page.text, f"{where}: the seeded text is not shown as text"


def json_strings(document: Any) -> Iterator[str]:
    if isinstance(document, str):
        yield document
    elif isinstance(document, dict):
        for value in document.values():
            yield from json_strings(value)
    elif isinstance(document, list):
        for value in document:
            yield from json_strings(value)


def export(scene: Scene, fmt: str, masked: bool) -> str:
    form = {"format": fmt, **({"masked": "1"} if masked else {})}
    response = post_form(scene.admin, "/admin/conversations", "/admin/conversations/export", **form)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "html" not in response.content_type  # type: ignore[attr-defined]
    return response.get_data(as_text=True)  # type: ignore[attr-defined,no-any-return]


def assert_exports_inert(scene: Scene) -> None:
    for masked in (False, True):
        cells = [
            cell for row in csv.reader(io.StringIO(export(scene, "csv", masked))) for cell in row
        ]
        assert not [c for c in cells if c.startswith(FORMULA_STARTS)], "a formula cell in the CSV"
    lines = export(scene, "jsonl", masked=False).splitlines()
    values = {value for line in lines for value in json_strings(json.loads(line))}
    for text in scene.exported:
        assert text in values, "the JSON Lines export does not give the text back exactly"


@pytest.fixture(params=list(HOSTILE), ids=list(HOSTILE))
def scene(request: pytest.FixtureRequest, app: Flask) -> Scene:
    """An app where every entry point has taken in one hostile string; the admin who corrects
    and replies is named after it (created by `flask users create`, as a centre does)."""
    text = HOSTILE[request.param]
    name = text[:64].strip()
    created = app.test_cli_runner().invoke(
        args=["users", "create", name, "--role", "admin"], input=f"{PASSWORD}\n"
    )
    assert created.exit_code == 0, created.output
    admin = sign_in(app, name, create=False)
    built = Scene(
        app, admin, services(app).record.accounts.issue_token(name), Webhooks(app.test_client())
    )
    built.show("/agent/", name)
    for enter in ENTRY_POINTS:
        enter(built, text)
    return built


@pytest.mark.slow
def test_hostile_text_is_inert_on_every_page_export_and_api(scene: Scene) -> None:
    for url in [*STAFF_PAGES, *scene.pages]:
        # A reply link of an open conversation leads on to its chat page: read that one.
        response = scene.admin.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert_inert_html(url, html, scene.pages.get(url, []), scene.isolated.get(url))
    for where, (html, expected) in scene.responses.items():
        assert_inert_html(where, html, expected)
    for resident, url, expected in scene.resident_pages:
        response = resident.get(url)
        assert response.status_code == 200, url
        assert_inert_html(f"resident {url}", response.get_data(as_text=True), expected)
    assert_exports_inert(scene)
    headers = {"Authorization": f"Bearer {scene.token}"}
    client = scene.app.test_client()
    listed = client.get("/api/conversations", query_string={"limit": 200}, headers=headers)
    assert listed.status_code == 200 and listed.is_json
    for cid, texts in scene.api.items():
        document = client.get(f"/api/conversations/{cid}", headers=headers)
        assert document.is_json
        values = set(json_strings(document.get_json()))
        for text in texts:
            assert text in values, f"API conversation {cid} does not give the text back exactly"
