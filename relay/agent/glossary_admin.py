"""Admins edit the glossary on the web: list and search the terms, add, change and delete one,
read who changed what. The rules for a term are languages.book_rules'; the change, its history
and its audit event are one use case of transcripts.books; every process sees the change at its
next translation (relay/books.py)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from languages import registry
from languages.book_rules import check_term, split_forms, term_content
from languages.glossary import GLOSSARY_LANGUAGES, Glossary, GlossaryEntry
from relay.agent.access import actor, admin_required
from relay.books import glossary_seed
from relay.services import services
from transcripts.books import BookEntryExistsError

bp = Blueprint("glossary_admin", __name__, url_prefix="/admin/glossary")

MAX_FIELD_CHARS = 2000  # longer than any rule allows, so the rules can say what is wrong
LANGUAGES = [registry.get(code) for code in GLOSSARY_LANGUAGES]


def _glossary() -> Glossary:
    return services().languages.books.glossary()


def _matches(entry: GlossaryEntry, needle: str) -> bool:
    haystack = [form for forms in entry.forms.values() for form in forms] + [entry.note]
    return any(needle in value.casefold() for value in haystack)


@bp.get("")
@admin_required
def terms() -> Any:
    """Every term in every language, or those holding the searched text in any of them."""
    query = (request.args.get("q") or "")[:200]
    needle = query.strip().casefold()
    entries = [e for e in _glossary().entries if not needle or _matches(e, needle)]
    edited = services().record.books.edition("glossary").entries is not None
    return render_template(
        "admin/glossary.html", entries=entries, query=query, languages=LANGUAGES, edited=edited
    )


@bp.get("/edit")
@admin_required
def edit() -> Any:
    """The form for one term (`?term=` its Korean), or an empty one for a new term."""
    key = request.args.get("term")
    form: dict[str, str] = {code: "" for code in GLOSSARY_LANGUAGES} | {"note": ""}
    if key is not None:
        entry = next((e for e in _glossary().entries if e.key == key), None)
        if entry is None:
            flash("그 용어는 용어집에 없습니다.", "error")
            return redirect(url_for("glossary_admin.terms"), code=303)
        form |= {code: " | ".join(forms) for code, forms in entry.forms.items()}
        form["note"] = entry.note
    return _form_page(form, key, ())


def _form_page(
    form: dict[str, str], key: str | None, problems: tuple[str, ...], status: int = 200
) -> Any:
    page = render_template(
        "admin/glossary_edit.html", form=form, key=key, problems=problems, languages=LANGUAGES
    )
    return page, status


@bp.post("")
@admin_required
def save() -> Any:
    """Add a term or save a changed one (the form's hidden `previous` names it)."""
    form = {
        name: (request.form.get(name) or "")[:MAX_FIELD_CHARS]
        for name in (*GLOSSARY_LANGUAGES, "note")
    }
    previous = request.form.get("previous") or None
    forms = {code: split_forms(form[code]) for code in GLOSSARY_LANGUAGES}
    checked = check_term(forms, form["note"], _glossary(), previous_key=previous)
    if not checked.ok:
        return _form_page(form, previous, checked.problems, 422)
    key = forms["ko"][0]
    try:
        services().record.books.save(
            "glossary",
            actor(),
            key,
            term_content(forms, form["note"]),
            glossary_seed(),
            previous_key=previous,
        )
    except BookEntryExistsError:
        problem = f"한국어 용어 '{key}'은(는) 이미 용어집에 있습니다."
        return _form_page(form, previous, (problem,), 422)
    flash(f"용어 '{key}'을(를) 저장했습니다. 다음 번역부터 쓰입니다.", "ok")
    return redirect(url_for("glossary_admin.terms", q=key), code=303)


@bp.post("/delete")
@admin_required
def delete() -> Any:
    """Delete one term (kept in the history)."""
    key = (request.form.get("term") or "")[:MAX_FIELD_CHARS]
    services().record.books.delete("glossary", actor(), key, glossary_seed())
    flash(f"용어 '{key}'을(를) 지웠습니다.", "ok")
    return redirect(url_for("glossary_admin.terms"), code=303)


@bp.get("/history")
@admin_required
def history() -> Any:
    """Who changed which term when, before and after (of one term with `?term=`)."""
    key = request.args.get("term") or None
    changes = services().record.books.history("glossary", key)
    return render_template(
        "admin/book_history.html",
        changes=changes,
        key=key,
        heading=key,
        label_of=lambda change: change.key,
        topic_label=str,
        title="용어집 변경 기록",
        back=url_for("glossary_admin.terms"),
        history_url="glossary_admin.history",
        language_names={lang.code: lang.korean_name for lang in registry.ALL_LANGUAGES},
        param="term",
    )
