"""Admins edit the phrasebook on the web: list and search the answers, add, change and delete
one, read who changed what. An answer is sent to residents as written, so the rules
(languages.book_rules) also warn about punctuation a Korean handset cannot show; agents' picker
uses the saved answer at its next search (relay/books.py)."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from languages import registry
from languages.book_rules import answer_content, check_answer, split_keywords
from languages.phrasebook import LANGUAGE_ORDER, Phrasebook, PhrasebookEntry, normalise
from relay.agent.access import actor, admin_required
from relay.books import phrasebook_seed
from relay.services import services
from relay.voice.prompts import RECORDING_NOTICE_ID
from transcripts.books import BookEntryExistsError, Change

bp = Blueprint("phrasebook_admin", __name__, url_prefix="/admin/phrasebook")

#: The shipped book's topics as staff read them; a topic an admin types is kept as typed.
TOPIC_LABELS = {
    "courtesy": "인사·응대",
    "centre": "120 콜센터",
    "community_centre": "주민센터",
    "residence": "체류·외국인등록",
    "immigration": "출입국",
    "health_insurance": "건강보험",
    "relief": "지원금",
    "emergency": "긴급",
    "interpretation": "통역",
    "lost_and_found": "분실물",
    "waste": "쓰레기",
    "housing": "주거",
    "fines": "과태료·벌금",
    "transport": "교통",
    "public_health": "보건소",
    "weather": "날씨",
    "disaster": "재난",
    "school": "학교",
    "labour": "노동",
    "global_center": "글로벌센터",
    "driving": "운전면허",
    "tax": "세금",
}
_TOPIC_CODES = {label: code for code, label in TOPIC_LABELS.items()}


def topic_label(topic: str) -> str:
    """A topic as staff read it: the Korean name of a shipped topic, else as an admin typed it."""
    return TOPIC_LABELS.get(topic, topic)


def _new_answer_id() -> str:
    """A stable id for an answer added on the web, never shown: saved replies name it."""
    return f"custom.{secrets.token_hex(4)}"


MAX_FIELD_CHARS = 4000  # longer than any rule allows, so the rules can say what is wrong
LANGUAGES = [registry.get(code) for code in LANGUAGE_ORDER]


def _phrasebook() -> Phrasebook:
    return services().languages.books.phrasebook()


def _matches(entry: PhrasebookEntry, needle: str) -> bool:
    values = [topic_label(entry.topic), *entry.keywords, *entry.texts.values()]
    return any(needle in normalise(value) for value in values)


@bp.get("")
@admin_required
def answers() -> Any:
    """Every answer in every language, or those holding the searched text in any of them."""
    query = (request.args.get("q") or "")[:200]
    needle = normalise(query)
    entries = [e for e in _phrasebook().entries() if not needle or _matches(e, needle)]
    edited = services().record.books.edition("phrasebook").entries is not None
    return render_template(
        "admin/phrasebook.html",
        entries=entries,
        query=query,
        languages=LANGUAGES,
        edited=edited,
        topic_label=topic_label,
    )


@bp.get("/edit")
@admin_required
def edit() -> Any:
    """The form for one answer (`?id=`), or an empty one for a new answer."""
    entry_id = request.args.get("id")
    form: dict[str, str] = {code: "" for code in LANGUAGE_ORDER}
    form |= {"topic": "", "keywords": ""}
    if entry_id is not None:
        entry = next((e for e in _phrasebook().entries() if e.id == entry_id), None)
        if entry is None:
            flash("그 답변은 상용구집에 없습니다.", "error")
            return redirect(url_for("phrasebook_admin.answers"), code=303)
        form |= dict(entry.texts)
        form |= {"topic": topic_label(entry.topic), "keywords": ", ".join(entry.keywords)}
    return _form_page(form, entry_id, ())


def _form_page(
    form: dict[str, str],
    editing: str | None,
    problems: tuple[str, ...],
    status: int = 200,
) -> Any:
    page = render_template(
        "admin/phrasebook_edit.html",
        form=form,
        editing=editing,
        problems=problems,
        languages=LANGUAGES,
    )
    return page, status


@bp.post("")
@admin_required
def save() -> Any:
    """Add an answer or save a changed one; an answer keeps its id (saved conversations name
    it), so `editing` is the id of the answer being changed."""
    names = (*LANGUAGE_ORDER, "topic", "keywords")
    form = {name: (request.form.get(name) or "")[:MAX_FIELD_CHARS] for name in names}
    editing = (request.form.get("editing") or "")[:200] or None
    entry_id = editing or _new_answer_id()
    keywords = split_keywords(form["keywords"])
    texts = {code: form[code] for code in LANGUAGE_ORDER}
    topic = _TOPIC_CODES.get(form["topic"].strip(), form["topic"].strip())
    existing = [entry.id for entry in _phrasebook().entries()]
    checked = check_answer(entry_id, topic, keywords, texts, existing, editing=editing is not None)
    if not checked.ok:
        return _form_page(form, editing, checked.problems, 422)
    try:
        services().record.books.save(
            "phrasebook",
            actor(),
            entry_id,
            answer_content(topic, keywords, texts),
            phrasebook_seed(),
            previous_key=editing,
        )
    except BookEntryExistsError:
        problem = "같은 답변이 방금 저장되었습니다. 목록에서 확인해 주세요."
        return _form_page(form, editing, (problem,), 422)
    for warning in checked.warnings:
        flash(warning, "warning")
    flash("답변을 저장했습니다. 상담원의 다음 검색부터 쓰입니다.", "ok")
    return redirect(url_for("phrasebook_admin.answers", q=keywords[0]), code=303)


@bp.post("/delete")
@admin_required
def delete() -> Any:
    """Delete one answer (kept in the history)."""
    entry_id = (request.form.get("id") or "")[:MAX_FIELD_CHARS]
    if entry_id == RECORDING_NOTICE_ID:
        flash("이 답변은 전화 녹음 전 안내로 쓰여 지울 수 없습니다. 내용을 고쳐 주세요.", "error")
        return redirect(url_for("phrasebook_admin.answers"), code=303)
    services().record.books.delete("phrasebook", actor(), entry_id, phrasebook_seed())
    flash("답변을 지웠습니다. 변경 기록에 남아 있습니다.", "ok")
    return redirect(url_for("phrasebook_admin.answers"), code=303)


@bp.get("/history")
@admin_required
def history() -> Any:
    """Who changed which answer when, before and after (of one answer with `?id=`)."""
    entry_id = request.args.get("id") or None
    changes = services().record.books.history("phrasebook", entry_id)
    return render_template(
        "admin/book_history.html",
        changes=changes,
        key=entry_id,
        heading=_answer_label(changes[0]) if entry_id and changes else None,
        label_of=_answer_label,
        topic_label=topic_label,
        title="상용구 변경 기록",
        back=url_for("phrasebook_admin.answers"),
        history_url="phrasebook_admin.history",
        language_names={lang.code: lang.korean_name for lang in registry.ALL_LANGUAGES},
        param="id",
    )


def _answer_label(change: Change) -> str:
    """An answer named by the start of its Korean text (its id is internal)."""
    content = change.after or change.before or {}
    korean = str(content.get("texts", {}).get("ko") or "")
    return korean if len(korean) <= 40 else korean[:40] + "…"
