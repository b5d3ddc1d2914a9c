"""The accounts page for admins: who can sign in, as what, and when they last did; making,
disabling, re-enabling accounts, resetting passwords, changing roles and the languages an agent
serves (the same use case as the supervisor's live view: `relay.agent.agent_languages`).

The rules (admins only, never oneself or the last admin, audit) live in
`transcripts.account_admin`; these views parse a form, call one use case and say in Korean what
happened. A generated password is shown once, on the answer to the post itself: it is never put
in the session cookie (a flash message would be) nor in a page that can be cached.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from relay.agent.access import actor, admin_required, me
from relay.agent.agent_languages import chosen_languages, languages_said, save_agent_languages
from relay.agent.audit_view import accounts_named, audit_rows
from relay.agent.floor_labels import AGENT_LANGUAGES
from relay.auth import hash_password
from relay.ids import MAX_ID
from relay.passwords import generated_password, password_problem
from relay.services import services
from transcripts import account_admin
from transcripts.errors import RecordError
from transcripts.memory_listings import usernames
from transcripts.models import Role

bp = Blueprint("admin_accounts", __name__, url_prefix="/admin/accounts")

ROLE_LABELS = {Role.AGENT: "상담원", Role.ADMIN: "관리자"}


@bp.get("")
@admin_required
def accounts() -> Any:
    """Every account and the latest changes to them."""
    with services().sessions() as session:
        rows = account_admin.account_rows(session)
        events = account_admin.account_history(session)
        names = usernames(session, accounts_named(events))
        history = audit_rows(events, names)
    return render_template(
        "admin/accounts.html",
        rows=rows,
        history=history,
        roles=ROLE_LABELS,
        languages=AGENT_LANGUAGES,
        me=me(),
    )


@bp.post("")
@admin_required
def create() -> Any:
    """A new account with the admin's password, or a generated one shown once."""
    username = (request.form.get("username") or "").strip()
    role = _role(request.form.get("role"))
    chosen = request.form.get("password") or ""
    languages = chosen_languages(request.form.getlist("languages"))
    password = chosen or generated_password()
    problem = password_problem(password, username)
    if problem is not None:
        return _back(problem.korean, "error")
    try:
        account_admin_use_cases().create(
            actor(), username, role, hash_password(password), languages
        )
    except RecordError as error:
        return _back(error.korean or "계정을 만들 수 없습니다.", "error")
    if chosen:
        return _back(f"{ROLE_LABELS[role]} 계정을 만들었습니다: {username}")
    return _shown_once(username, password, created=True)


@bp.post("/<int:account_id>/disable")
@admin_required
def disable(account_id: int) -> Any:
    """Refuse the account at once: its open sessions and API token stop working."""
    try:
        account_admin_use_cases().disable(actor(), account_id)
    except RecordError as error:
        return _back(error.korean or "처리할 수 없습니다.", "error")
    return _back("계정을 사용 중지했습니다. 로그인된 곳과 API 토큰도 모두 끊겼습니다.")


@bp.post("/<int:account_id>/enable")
@admin_required
def enable(account_id: int) -> Any:
    """Let a disabled account sign in again."""
    try:
        account_admin_use_cases().enable(actor(), account_id)
    except RecordError as error:
        return _back(error.korean or "처리할 수 없습니다.", "error")
    return _back("계정을 다시 쓸 수 있게 했습니다.")


@bp.post("/<int:account_id>/password")
@admin_required
def reset_password(account_id: int) -> Any:
    """A new generated password, shown once; every session of the account ends."""
    password = generated_password()
    try:
        name = account_admin_use_cases().reset_password(
            actor(), account_id, hash_password(password)
        )
    except RecordError as error:
        return _back(error.korean or "처리할 수 없습니다.", "error")
    return _shown_once(name, password, created=False)


@bp.post("/<int:account_id>/role")
@admin_required
def set_role(account_id: int) -> Any:
    """Make the account an agent or an admin."""
    role = _role(request.form.get("role"))
    try:
        account_admin_use_cases().set_role(actor(), account_id, role)
    except RecordError as error:
        return _back(error.korean or "처리할 수 없습니다.", "error")
    return _back(f"역할을 {ROLE_LABELS[role]}(으)로 정했습니다.")


@bp.post("/<int:account_id>/languages")
@admin_required
def set_languages(account_id: int) -> Any:
    """The languages the account serves: the live view's use case, audited the same way."""
    if not 0 < account_id <= MAX_ID:
        return _back("없는 계정입니다.", "error")
    try:
        kept = save_agent_languages(account_id, request.form.getlist("languages"))
    except RecordError as error:
        return _back(error.korean or "처리할 수 없습니다.", "error")
    return _back(f"상담 언어를 저장했습니다: {languages_said(kept)}")


def account_admin_use_cases() -> account_admin.AccountAdmin:
    return services().record.account_admin


def _role(raw: str | None) -> Role:
    """The form's role; anything but "admin" makes an agent, the account with least power."""
    return Role.ADMIN if raw == Role.ADMIN.value else Role.AGENT


def _shown_once(username: str, password: str, *, created: bool) -> Any:
    page = render_template(
        "admin/account_password.html", username=username, password=password, created=created
    )
    return page, 200, {"Cache-Control": "no-store"}


def _back(message: str, category: str = "ok") -> Any:
    flash(message, category)
    return redirect(url_for("admin_accounts.accounts"), code=303)
