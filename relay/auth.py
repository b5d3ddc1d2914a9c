"""Sign-in: Flask-Login sessions for people, bearer tokens for API clients, roles for both.

Passwords are hashed with werkzeug's scrypt; API tokens are stored as SHA-256 hashes. The login form
is CSRF-protected; the API accepts a bearer token (no CSRF needed) or a session plus CSRF header.
Failed sign-ins are counted per username and address in a store that belongs to the app (not the
module), so guessing a password is slowed without any process-wide state.

A session (and a remember-me cookie) names the account and its session epoch, "<id>:<epoch>".
Signing out, a password change and disabling the account raise the epoch
(transcripts/accounts.py), so every cookie made before stops working at once, including one
copied off the machine; a disabled account is refused on the next request, by session or token.

CSRF tokens live as long as the signed-in session (WTF_CSRF_TIME_LIMIT None), as Django's and
Rails' do, rather than Flask-WTF's one hour: an agent keeps a thread open through a shift, and
every button on it failed after an hour. The token's secret is in the session, so it already
ends with it: a new one at every sign-in, none after sign-out, and a session ended by an epoch
change has no signed-in user to act for. A timed token adds little beside that (whoever can read
a page's token can read a refreshed one) and refreshing it from the page would mean a second
token source to keep in step with the htmx headers and every form.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response

from relay.services import services
from transcripts.accounts import hash_token
from transcripts.login_failures import LoginFailures
from transcripts.models import Role
from transcripts.policy import Actor
from transcripts.repository import user_by_name, user_by_token_hash

bp = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class SignedInUser(UserMixin):
    """The person (or API client) behind a request, detached from the database session."""

    id: int
    username: str
    role: Role
    via_token: bool = False
    epoch: int = 0

    def get_id(self) -> str:
        """What the session and the remember-me cookie keep: the id and the session epoch."""
        return f"{self.id}:{self.epoch}"

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


def hash_password(password: str) -> str:
    """A salted, slow hash suitable for storing."""
    return generate_password_hash(password, method="scrypt")


@functools.cache
def _decoy_password_hash() -> str:
    """A hash of a password nobody knows, made as hash_password makes every stored one (same
    method and cost). Sign-in checks against it when the username is unknown or disabled, so the
    answer takes as long as for a real account and its timing does not tell which names exist.
    Made once per process, on the first such sign-in."""
    return hash_password(secrets.token_urlsafe(32))


def _digits(value: str) -> bool:
    return value.isascii() and value.isdigit() and len(value) <= 18


def _load_user(session_id: str) -> SignedInUser | None:
    """The person a session or remember-me cookie names, if the account is still active and its
    session epoch is still the one the cookie was made with (a cookie from before this scheme
    carries no epoch and is refused: its owner signs in again)."""
    user_id, separator, epoch = session_id.partition(":")
    if not (separator and _digits(user_id) and _digits(epoch)):
        return None
    from transcripts.models import User

    with services().sessions() as db:
        user = db.get(User, int(user_id))
        if user is None or not user.active or user.session_epoch != int(epoch):
            return None
        return SignedInUser(user.id, user.username, user.role, epoch=user.session_epoch)


def _load_user_from_request(req: Any) -> SignedInUser | None:
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    with services().sessions() as db:
        user = user_by_token_hash(db, hash_token(token.strip()))  # active accounts only
        if user is None:
            return None
        return SignedInUser(user.id, user.username, user.role, via_token=True)


@dataclass(frozen=True)
class LoginThrottle:
    """Failed sign-ins per (username, address); after `max_failures` within `lock_seconds` the
    pair must wait. Counted in the database, so every web process sees the same count."""

    failures: LoginFailures
    max_failures: int
    lock_seconds: float

    @property
    def _window(self) -> timedelta:
        return timedelta(seconds=self.lock_seconds)

    def retry_after(self, username: str, address: str) -> int:
        """Seconds until this pair may try again (0: now)."""
        return self.failures.retry_after(username, address, self.max_failures, self._window)

    def failed(self, username: str, address: str) -> None:
        self.failures.failed(username, address, self._window)

    def succeeded(self, username: str, address: str) -> None:
        self.failures.succeeded(username, address)


def login_throttle(app: Flask | None = None) -> LoginThrottle:
    target = app if app is not None else current_app
    found: LoginThrottle = target.extensions["relay_login_throttle"]
    return found


def init_auth(app: Flask) -> None:
    """Attach Flask-Login to the app."""
    app.extensions["relay_login_throttle"] = LoginThrottle(
        failures=app.extensions["relay"].record.sign_ins,
        max_failures=int(app.config["LOGIN_MAX_FAILURES"]),
        lock_seconds=float(app.config["LOGIN_LOCK_SECONDS"]),
    )
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


def me() -> int:
    """The signed-in person's user id."""
    return int(current_user.id)


def is_admin() -> bool:
    return bool(current_user.is_authenticated and current_user.role is Role.ADMIN)


def actor() -> Actor:
    """The signed-in person, as the record's rules see them (transcripts.policy)."""
    return Actor(user_id=me(), is_admin=is_admin())


def local_target(target: str | None) -> str | None:
    """The sign-in's ``next`` if it is a path on this site, else None.

    Browsers drop tabs and newlines from URLs and read a backslash as a slash, so
    ``/\\evil.example`` and ``/<tab>/evil.example`` lead off-site just like
    ``//evil.example``; any of those characters refuses the target outright.
    """
    if not target or not target.startswith("/"):
        return None
    if "\\" in target or any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return None
    if target.startswith("//"):
        return None
    return target


def _start_fresh_session() -> None:
    """Sign in on an empty session, so Flask-WTF makes a new CSRF secret for it.

    The session before sign-in is whatever the browser brought, possibly planted (a cookie set on
    a shared computer, or through a sibling site): its CSRF secret may be known to someone else,
    who could then forge the signed-in agent's posts. Nothing from before sign-in is needed after
    it. The token this request may already have made is forgotten too.
    """
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int, dict[str, str]]:
    """Username and password sign-in, slowed after repeated failures."""
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()
        password = request.form.get("password") or ""
        address = request.remote_addr or "-"
        throttle = login_throttle()
        wait = throttle.retry_after(username, address)
        if wait:
            flash(
                f"로그인 시도가 너무 많습니다. {wait}초 후에 다시 시도하세요. "
                "(Too many attempts; try again later.)",
                "error",
            )
            page = render_template("login.html", username=username)
            return page, 429, {"Retry-After": str(wait)}
        with services().sessions() as db:
            found = user_by_name(db, username)
            account = found if found is not None and found.active else None
            stored = account.password_hash if account else _decoy_password_hash()
            matches = check_password_hash(stored, password)  # one scrypt check, whoever it is
            signed_in = (
                SignedInUser(
                    account.id, account.username, account.role, epoch=account.session_epoch
                )
                if account and matches
                else None
            )
        if signed_in is None:
            throttle.failed(username, address)
            flash(
                "아이디 또는 비밀번호가 올바르지 않습니다. (Wrong username or password.)", "error"
            )
            return render_template("login.html", username=username), 401, {}
        throttle.succeeded(username, address)
        services().record.accounts.signed_in(signed_in.id, datetime.now(UTC))
        _start_fresh_session()
        login_user(signed_in)
        return redirect(local_target(request.args.get("next")) or url_for("agent_queue.queue"))
    return render_template("login.html", username="")


@bp.post("/logout")
def logout() -> Response:
    """Sign out of every browser at once: the epoch is raised, so this session, a copy of its
    cookie and any remember-me cookie all stop working (the API token is kept; see
    Accounts.end_sessions)."""
    if current_user.is_authenticated:  # every session ends, and the agent is away
        services().record.floor.sign_out(int(current_user.id))
    session.clear()  # before logout_user, which marks a remember-me cookie for deletion
    logout_user()
    return redirect(url_for("auth.login"))
