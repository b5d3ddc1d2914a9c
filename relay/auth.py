"""Sign-in: Flask-Login sessions for people, bearer tokens for API clients, roles for both.

Passwords are hashed with werkzeug's scrypt; API tokens are stored as SHA-256 hashes. The login form
is CSRF-protected; the API accepts a bearer token (no CSRF needed) or a session plus CSRF header.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response

from relay.services import services
from transcripts.accounts import hash_token
from transcripts.models import Role
from transcripts.repository import user_by_name, user_by_token_hash

bp = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class SignedInUser(UserMixin):  # type: ignore[misc]
    """The person (or API client) behind a request, detached from the database session."""

    id: int
    username: str
    role: Role
    via_token: bool = False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


def hash_password(password: str) -> str:
    """A salted, slow hash suitable for storing."""
    return generate_password_hash(password, method="scrypt")


def _load_user(user_id: str) -> SignedInUser | None:
    if not user_id.isdigit():
        return None
    from transcripts.models import User

    with services().sessions() as session:
        user = session.get(User, int(user_id))
        if user is None or not user.active:
            return None
        return SignedInUser(user.id, user.username, user.role)


def _load_user_from_request(req: Any) -> SignedInUser | None:
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    with services().sessions() as session:
        user = user_by_token_hash(session, hash_token(token.strip()))
        if user is None:
            return None
        return SignedInUser(user.id, user.username, user.role, via_token=True)


def init_auth(app: Flask) -> None:
    """Attach Flask-Login to the app."""
    manager = LoginManager()
    manager.login_view = "auth.login"
    manager.login_message = "로그인이 필요합니다. (Please sign in.)"
    manager.user_loader(_load_user)
    manager.request_loader(_load_user_from_request)
    manager.init_app(app)
    app.register_blueprint(bp)


def role_required(*roles: Role) -> Callable[[F], F]:
    """Require a signed-in user with one of `roles` (401 for API clients, redirect for people)."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                if request.path.startswith("/api/"):
                    return {"error": "authentication required (bearer token or session)"}, 401
                return redirect(url_for("auth.login", next=request.path))
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    """Username and password sign-in."""
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()
        password = request.form.get("password") or ""
        with services().sessions() as session:
            user = user_by_name(session, username)
            valid = (
                user is not None
                and user.active
                and check_password_hash(user.password_hash, password)
            )
            signed_in = SignedInUser(user.id, user.username, user.role) if valid and user else None
        if signed_in is None:
            flash(
                "아이디 또는 비밀번호가 올바르지 않습니다. (Wrong username or password.)", "error"
            )
            return render_template("login.html", username=username), 401  # type: ignore[return-value]
        login_user(signed_in)
        target = request.args.get("next") or ""
        if not target.startswith("/") or target.startswith("//"):
            target = url_for("index")
        return redirect(target)
    return render_template("login.html", username="")


@bp.post("/logout")
def logout() -> Response:
    """End the session."""
    logout_user()
    return redirect(url_for("auth.login"))
