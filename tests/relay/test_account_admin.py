"""Admins manage accounts on /admin/accounts: create, disable, re-enable, reset passwords and set
roles, each audited; agents are refused; an admin cannot lock the centre (or themselves) out;
and a disabled account's open session and API token stop working at once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from relay.services import services
from tests.relay.agent_helpers import PASSWORD, csrf_from, post_form, sign_in, stored_user
from tests.support.app_fixtures import create_user
from transcripts.models import Event, Role, User
from transcripts.repository import user_by_name

PAGE = "/admin/accounts"
KOREAN = re.compile(r"[\uac00-\ud7a3]")


def _events(app: Flask) -> list[Event]:
    with services(app).sessions() as session:
        found = session.scalars(
            select(Event).where(Event.kind.like("account.%")).order_by(Event.id)
        ).all()
        for event in found:
            session.expunge(event)
        return list(found)


def _can_sign_in(app: Flask, name: str, password: str) -> bool:
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"username": name, "password": password, "csrf_token": token}
    )
    return response.status_code == 302


def _signed_in(client: FlaskClient) -> bool:
    status = client.get("/agent/").status_code
    assert status in (200, 302), status
    return status == 200


def _token_works(app: Flask, token: str) -> bool:
    headers = {"Authorization": f"Bearer {token}"}
    status = app.test_client().get("/api/conversations", headers=headers).status_code
    assert status in (200, 401), status
    return status == 200


def _shown_password(page: str) -> str:
    match = re.search(r'class="one-time-password"><code>([^<]+)</code>', page)
    assert match, page
    return match.group(1)


def test_the_page_lists_accounts_in_korean_with_the_last_sign_in_in_centre_time(
    app: Flask,
) -> None:
    create_user(app, "never", "agent", PASSWORD)
    with services(app).sessions() as session, session.begin():
        never = user_by_name(session, "never")
        assert never is not None
        never.created_at = datetime(2026, 11, 1, 20, 30, tzinfo=UTC)  # 2 Nov, 05:30 in Seoul
    admin = sign_in(app, "chief", "admin")
    page = admin.get(PAGE).get_data(as_text=True)
    assert "계정 관리" in page
    assert "never" in page and "chief" in page
    assert "로그인 기록 없음" in page  # "never" has not signed in
    assert "사용 중" in page and "상담원" in page and "관리자" in page
    # The admin's own sign-in, in Korea's time (UTC+9), not the server's UTC.
    signed = stored_user(app, "chief").last_sign_in_at
    assert signed is not None
    assert "2026-11-02 05:30" in page  # another day: with its date, in Korea's time
    assert f"{signed + timedelta(hours=9):%H:%M}" in page
    assert f"{signed:%H:%M}" not in page
    for code in ("agent</td>", "admin</td>", "True", "False", "None"):
        assert code not in page


def test_agents_are_refused_every_page_and_action(app: Flask) -> None:
    create_user(app, "target", "agent", PASSWORD)
    target = stored_user(app, "target").id
    agent = sign_in(app, "kim")
    assert agent.get(PAGE).status_code == 403
    token = csrf_from(agent.get("/agent/").get_data(as_text=True))
    for action, data in (
        (PAGE, {"username": "sneaky", "role": "admin", "password": "long enough pass"}),
        (f"{PAGE}/{target}/disable", {}),
        (f"{PAGE}/{target}/enable", {}),
        (f"{PAGE}/{target}/password", {}),
        (f"{PAGE}/{target}/role", {"role": "admin"}),
        (f"{PAGE}/{stored_user(app, 'kim').id}/role", {"role": "admin"}),
    ):
        assert agent.post(action, data={"csrf_token": token, **data}).status_code == 403
    with services(app).sessions() as session:
        assert user_by_name(session, "sneaky") is None
        assert user_by_name(session, "kim").role is Role.AGENT  # type: ignore[union-attr]
    assert stored_user(app, "target").active
    assert _events(app) == []
    # Signed out: sent to sign in, nothing shown.
    assert app.test_client().get(PAGE).status_code == 302


def test_an_admin_creates_an_account_with_a_chosen_password(app: Flask) -> None:
    admin = sign_in(app, "chief", "admin")
    response = post_form(
        admin, PAGE, PAGE, username="park", role="agent", password="park's own passphrase"
    )
    assert response.status_code == 303  # type: ignore[attr-defined]
    page = admin.get(PAGE).get_data(as_text=True)
    assert "상담원 계정을 만들었습니다: park" in page
    assert stored_user(app, "park").role is Role.AGENT
    assert _can_sign_in(app, "park", "park's own passphrase")
    [event] = _events(app)
    assert event.kind == "account.created"
    assert event.data["user_id"] == stored_user(app, "chief").id
    assert "passphrase" not in str(event.data)
    assert "계정 만듦" in page and "역할: 상담원" in page  # the history, in Korean


def test_a_generated_password_is_shown_once_and_works(app: Flask) -> None:
    admin = sign_in(app, "chief", "admin")
    response = post_form(admin, PAGE, PAGE, username="lee", role="admin", password="")
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response.headers["Cache-Control"] == "no-store"  # type: ignore[attr-defined]
    page = response.get_data(as_text=True)  # type: ignore[attr-defined]
    password = _shown_password(page)
    assert len(password) >= 16
    assert stored_user(app, "lee").role is Role.ADMIN
    assert _can_sign_in(app, "lee", password)
    assert password not in admin.get(PAGE).get_data(as_text=True)  # never again


def test_weak_passwords_and_bad_names_are_refused_as_the_command_line_refuses_them(
    app: Flask,
) -> None:
    admin = sign_in(app, "chief", "admin")
    for data, message in (
        ({"username": "short", "password": "seven77"}, "비밀번호는 8자 이상이어야 합니다."),
        ({"username": "samesame", "password": "SameSame"}, "비밀번호가 아이디와 같으면"),
        ({"username": "two words", "password": "long enough pass"}, "아이디는 공백 없이"),
        ({"username": "chief", "password": "long enough pass"}, "이미 있는 아이디입니다: chief"),
    ):
        post_form(admin, PAGE, PAGE, role="agent", **data)
        page = admin.get(PAGE).get_data(as_text=True)
        assert message in page, data
    with services(app).sessions() as session:
        names = set(session.scalars(select(User.username)))
    assert names == {"chief"}
    result = app.test_cli_runner().invoke(args=["users", "create", "short"], input="seven77\n")
    assert result.exit_code != 0 and "at least 8 characters" in result.output


def test_disabling_ends_the_open_session_and_api_token_at_once(app: Flask) -> None:
    token = create_user(app, "kim", "agent", PASSWORD)
    agent = sign_in(app, "kim", create=False)
    assert _signed_in(agent) and _token_works(app, token)
    admin = sign_in(app, "chief", "admin")
    kim = stored_user(app, "kim").id

    post_form(admin, PAGE, f"{PAGE}/{kim}/disable")

    assert not _signed_in(agent)  # the very next request of the open session
    assert not _token_works(app, token)
    assert not _can_sign_in(app, "kim", PASSWORD)
    page = admin.get(PAGE).get_data(as_text=True)
    assert "계정을 사용 중지했습니다" in page and "계정 사용 중지" in page

    post_form(admin, PAGE, f"{PAGE}/{kim}/enable")
    assert _can_sign_in(app, "kim", PASSWORD)
    assert not _token_works(app, token)  # a token is issued anew, not revived
    assert [e.kind for e in _events(app)] == ["account.disabled", "account.enabled"]
    assert "계정 다시 사용" in admin.get(PAGE).get_data(as_text=True)


def test_resetting_a_password_shows_a_new_one_once_and_ends_the_users_sessions(
    app: Flask,
) -> None:
    token = create_user(app, "kim", "agent", PASSWORD)
    agent = sign_in(app, "kim", create=False)
    admin = sign_in(app, "chief", "admin")

    response = post_form(admin, PAGE, f"{PAGE}/{stored_user(app, 'kim').id}/password")

    page = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert "비밀번호를 재설정했습니다" in page
    password = _shown_password(page)
    assert not _signed_in(agent) and not _token_works(app, token)
    assert not _can_sign_in(app, "kim", PASSWORD)
    assert _can_sign_in(app, "kim", password)
    [event] = _events(app)
    assert event.kind == "account.password_reset" and password not in str(event.data)
    assert _signed_in(admin)  # the admin's own session goes on


def test_roles_change_and_the_admin_page_opens_at_the_next_request(app: Flask) -> None:
    agent = sign_in(app, "kim")
    admin = sign_in(app, "chief", "admin")
    kim = stored_user(app, "kim").id
    assert agent.get(PAGE).status_code == 403

    post_form(admin, PAGE, f"{PAGE}/{kim}/role", role="admin")
    assert agent.get(PAGE).status_code == 200  # same session, new role
    post_form(admin, PAGE, f"{PAGE}/{kim}/role", role="agent")
    assert agent.get(PAGE).status_code == 403

    page = admin.get(PAGE).get_data(as_text=True)
    assert "역할 변경" in page and "이전 역할: 상담원 · 새 역할: 관리자" in page
    assert [e.data["to_role"] for e in _events(app)] == ["admin", "agent"]


def test_an_admin_cannot_disable_or_demote_themselves_or_the_last_admin(app: Flask) -> None:
    chief = sign_in(app, "chief", "admin")
    me = stored_user(app, "chief").id
    own_row = chief.get(PAGE).get_data(as_text=True).split(f'id="account-{me}"')[1]
    own_row = own_row.split("</tr>")[0]
    assert "/disable" not in own_row and "/role" not in own_row  # not even offered
    post_form(chief, PAGE, f"{PAGE}/{me}/disable")
    assert "자기 계정은 사용 중지할 수 없습니다" in chief.get(PAGE).get_data(as_text=True)
    post_form(chief, PAGE, f"{PAGE}/{me}/role", role="agent")
    assert "자기 계정은 관리자에서 내릴 수 없습니다" in chief.get(PAGE).get_data(as_text=True)
    assert stored_user(app, "chief").active and stored_user(app, "chief").role is Role.ADMIN

    # With a second admin, one may demote the other, but not the one left after that.
    deputy = sign_in(app, "deputy", "admin")
    post_form(chief, PAGE, f"{PAGE}/{stored_user(app, 'deputy').id}/role", role="agent")
    assert stored_user(app, "deputy").role is Role.AGENT
    assert deputy.get(PAGE).status_code == 403

    # The last admin, already disabled by the command line's doing or not, stays admin: here
    # the only other admin is disabled, so chief is the last active one.
    create_user(app, "old", "admin", PASSWORD)
    post_form(chief, PAGE, f"{PAGE}/{stored_user(app, 'old').id}/disable")
    assert not stored_user(app, "old").active
    from transcripts.account_admin import AccountAdminError
    from transcripts.policy import Actor

    old_actor = Actor(user_id=stored_user(app, "old").id, is_admin=True)
    use_cases = services(app).record.account_admin
    try:
        use_cases.set_role(old_actor, me, Role.AGENT)
    except AccountAdminError as error:
        assert "마지막 관리자" in (error.korean or "")
    else:
        raise AssertionError("the last active admin was demoted")
    assert stored_user(app, "chief").role is Role.ADMIN
    assert [e.kind for e in _events(app)] == ["account.role_changed", "account.disabled"]


def test_the_login_page_tells_staff_to_ask_their_admin_and_shows_no_command(app: Flask) -> None:
    page = app.test_client().get("/login").get_data(as_text=True)
    assert "관리자에게 문의하세요" in page
    for leak in ("flask", "users create", "wsgi", ".venv", "--role"):
        assert leak not in page


def test_a_hostile_username_is_shown_as_text_everywhere(app: Flask) -> None:
    hostile = "<script>alert(1)</script>"
    admin = sign_in(app, "chief", "admin")
    shown = post_form(admin, PAGE, PAGE, username=hostile, role="agent", password="")
    once = shown.get_data(as_text=True)  # type: ignore[attr-defined]
    page = admin.get(PAGE).get_data(as_text=True)
    for html in (once, page):
        assert hostile not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
