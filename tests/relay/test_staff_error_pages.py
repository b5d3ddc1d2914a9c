"""Staff pages answer HTTP errors with a Korean page, not Flask's English default."""

from __future__ import annotations

from flask import Flask

from tests.relay.agent_helpers import sign_in


def _korean_page(body: str) -> None:
    assert '<html lang="ko">' in body and "요청을 처리하지 못했습니다" in body
    for english in ("Not Found", "Forbidden", "Internal Server Error", "Method Not Allowed"):
        assert english not in body


def test_a_missing_conversation_and_an_unknown_address_answer_in_korean(app: Flask) -> None:
    agent = sign_in(app, "kim")
    missing = agent.get("/agent/conversations/999999")
    assert missing.status_code == 404
    _korean_page(missing.get_data(as_text=True))
    unknown = agent.get("/agent/no-such-page")
    assert unknown.status_code == 404
    _korean_page(unknown.get_data(as_text=True))


def test_an_agent_on_an_admin_page_and_a_wrong_method_answer_in_korean(app: Flask) -> None:
    agent = sign_in(app, "kim")
    forbidden = agent.get("/admin/accounts")
    assert forbidden.status_code == 403
    _korean_page(forbidden.get_data(as_text=True))
    wrong = agent.put("/agent/")
    assert wrong.status_code == 405 and "GET" in wrong.headers.get("Allow", "")
    _korean_page(wrong.get_data(as_text=True))


def test_a_server_error_answers_in_korean(app: Flask) -> None:
    @app.get("/agent/broken-for-this-test")
    def broken() -> str:
        raise RuntimeError("a bug")

    app.testing = False  # as served: the error becomes a 500 page, not a raised exception
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = sign_in(app, "kim").get("/agent/broken-for-this-test")
    assert response.status_code == 500
    _korean_page(response.get_data(as_text=True))
