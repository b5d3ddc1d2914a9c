"""Admins edit the phrasebook on the web: list and search the answers, add, change and delete
one, read who changed what. An answer is sent to residents as written, so the rules
(languages.book_rules) also warn about punctuation a Korean handset cannot show; agents' picker
uses the saved answer at its next search (relay/books.py)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from languages import registry
from languages.book_rules import answer_content, check_answer, split_keywords
from languages.phrasebook import LANGUAGE_ORDER, Phrasebook, PhrasebookEntry, normalise
from relay.agent.access import actor, admin_required
from relay.books import phrasebook_seed
from relay.services import services
from transcripts.books import BookEntryExistsError

bp = Blueprint("phrasebook_admin", __name__, url_prefix="/admin/phrasebook")

MAX_FIELD_CHARS = 4000  # longer than any rule allows, so the rules can say what is wrong
LANGUAGES = [registry.get(code) for code in LANGUAGE_ORDER]


def _phrasebook() -> Phrasebook:
    return services().languages.books.phrasebook()


def _matches(entry: PhrasebookEntry, needle: str) -> bool:
    values = [entry.id, entry.topic, *entry.keywords, *entry.texts.values()]
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
        "admin/phrasebook.html", entries=entries, query=query, languages=LANGUAGES, edited=edited
    )


@bp.get("/edit")
@admin_required
def edit() -> Any:
    """The form for one answer (`?id=`), or an empty one for a new answer."""
    entry_id = request.args.get("id")
    form: dict[str, str] = {code: "" for code in LANGUAGE_ORDER}
    form |= {"id": "", "topic": "", "keywords": ""}
    if entry_id is not None:
        entry = next((e for e in _phrasebook().entries() if e.id == entry_id), None)
        if entry is None:
            flash("그 답변은 상용구집에 없습니다.", "error")
            return redirect(url_for("phrasebook_admin.answers"), code=303)
        form |= dict(entry.texts)
        form |= {"id": entry.id, "topic": entry.topic, "keywords": ", ".join(entry.keywords)}
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
    names = (*LANGUAGE_ORDER, "id", "topic", "keywords")
    form = {name: (request.form.get(name) or "")[:MAX_FIELD_CHARS] for name in names}
    editing = request.form.get("editing") or None
    if editing is not None:
        form["id"] = editing
    entry_id = form["id"].strip()
    keywords = split_keywords(form["keywords"])
    texts = {code: form[code] for code in LANGUAGE_ORDER}
    existing = [entry.id for entry in _phrasebook().entries()]
    checked = check_answer(
        entry_id, form["topic"], keywords, texts, existing, editing=editing is not None
    )
    if not checked.ok:
        return _form_page(form, editing, checked.problems, 422)
    try:
        services().record.books.save(
            "phrasebook",
            actor(),
            entry_id,
            answer_content(form["topic"], keywords, texts),
            phrasebook_seed(),
            previous_key=editing,
        )
    except BookEntryExistsError:
        problem = f"식별자 '{entry_id}'은(는) 이미 쓰이고 있습니다."
        return _form_page(form, editing, (problem,), 422)
    for warning in checked.warnings:
        flash(warning, "warning")
    flash(f"답변 '{entry_id}'을(를) 저장했습니다. 상담원의 다음 검색부터 쓰입니다.", "ok")
    return redirect(url_for("phrasebook_admin.answers", q=entry_id), code=303)


@bp.post("/delete")
@admin_required
def delete() -> Any:
    """Delete one answer (kept in the history)."""
    entry_id = (request.form.get("id") or "")[:MAX_FIELD_CHARS]
    services().record.books.delete("phrasebook", actor(), entry_id, phrasebook_seed())
    flash(f"답변 '{entry_id}'을(를) 지웠습니다.", "ok")
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
        title="상용구 변경 기록",
        back=url_for("phrasebook_admin.answers"),
        history_url="phrasebook_admin.history",
        language_names={lang.code: lang.korean_name for lang in registry.ALL_LANGUAGES},
        param="id",
    )
