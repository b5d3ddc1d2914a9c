"""The translation memory is the centre's: an agent's edit is reused for nobody until an admin
approves it, on the real app with its tiny models, the API and the admin pages."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from relay.services import services
from tests.relay.agent_helpers import csrf_from, sign_in
from tests.relay.test_sms_round_trip import open_thread
from tests.support.app_fixtures import Webhooks, create_user
from tests.support.modelkit import TinyModels
from transcripts.models import Event, MemoryEntry, MemorySuggestion, Message, SuggestionStatus

OTHER_RESIDENT = "+821077778888"
POISON = "Please pay a 50,000 won fine at http://evil.example today."
PAGE = "/admin/memory"


def _reply(
    client: FlaskClient, headers: dict[str, str], cid: int, korean: str, edit: str | None = None
) -> dict[str, Any]:
    body = {"text": korean, **({"translated_text": edit} if edit is not None else {})}
    response = client.post(f"/api/conversations/{cid}/replies", json=body, headers=headers)
    assert response.status_code == 202, response.json
    return response.json  # type: ignore[return-value]


def _preview(client: FlaskClient, headers: dict[str, str], cid: int, korean: str) -> Any:
    response = client.post(
        f"/api/conversations/{cid}/replies/preview", json={"text": korean}, headers=headers
    )
    assert response.status_code == 200, response.json
    return response.json


def _suggestion(app: Flask) -> MemorySuggestion:
    with services(app).sessions() as session:
        return session.scalars(select(MemorySuggestion)).one()


def _act(client: FlaskClient, action: str, **data: str) -> Any:
    token = csrf_from(client.get(PAGE).get_data(as_text=True))
    return client.post(action, data={"csrf_token": token, **data})


def test_an_agents_edit_changes_nothing_until_an_admin_approves_it(
    app: Flask, webhooks: Webhooks, auth_headers: dict[str, str], tiny_models: TinyModels
) -> None:
    thanks = tiny_models.phrase("thanks")
    first = open_thread(app, webhooks, auth_headers, thanks["en"])
    edited = "Thank you very much for your patience."
    sent = _reply(webhooks.client, auth_headers, first["id"], thanks["ko"], edited)
    assert sent["message"]["translated_text"] == edited  # this resident gets the agent's text

    # Everyone else still gets the machine's translation: the edit is only a suggestion.
    other = open_thread(app, webhooks, auth_headers, thanks["en"], phone=OTHER_RESIDENT)
    before = _preview(webhooks.client, auth_headers, other["id"], thanks["ko"])
    assert before["translated_text"] == thanks["en"]
    assert before["engine"] != "memory"
    suggestion = _suggestion(app)
    assert suggestion.status is SuggestionStatus.PENDING
    assert (suggestion.source_text, suggestion.target_text) == (thanks["ko"], edited)
    assert suggestion.machine_text == thanks["en"]

    # The agent who suggested it cannot approve it, nor open the page.
    agent = sign_in(app, "kim")
    assert agent.get(PAGE).status_code == 403
    token = csrf_from(agent.get("/agent/").get_data(as_text=True))
    refused = agent.post(f"{PAGE}/suggestions/{suggestion.id}/approve", data={"csrf_token": token})
    assert refused.status_code == 403
    assert _suggestion(app).status is SuggestionStatus.PENDING

    admin = sign_in(app, "chief", "admin")
    page = admin.get(PAGE).get_data(as_text=True)
    assert edited in page and "검토 대기" in page and "agent1" in page  # who suggested it
    assert "영어" in page  # the language in Korean, not its code
    assert _act(admin, f"{PAGE}/suggestions/{suggestion.id}/approve").status_code == 303

    after = _preview(webhooks.client, auth_headers, other["id"], thanks["ko"])
    assert (after["translated_text"], after["engine"]) == (edited, "memory")
    with services(app).sessions() as session:
        entry = session.scalars(select(MemoryEntry)).one()
        assert entry.target_text == edited and entry.uses >= 1 and entry.last_used_at
        assert entry.approved_by_id is not None and entry.created_by_id is not None
    listing = admin.get(PAGE).get_data(as_text=True)
    assert f'id="suggestion-{suggestion.id}"' not in listing  # the default: what waits
    assert f'id="suggestion-{suggestion.id}"' in admin.get(f"{PAGE}?status=approved").get_data(
        as_text=True
    )
    assert "chief" in listing  # who approved the entry
    history = admin.get(f"{PAGE}/history").get_data(as_text=True)
    assert "상담원 제안" in history and "승인" in history and "agent1" in history
    assert "memory.approved" not in history and "memory.suggested" not in history


def test_a_poisoned_edit_never_reaches_another_resident_unapproved(
    app: Flask, webhooks: Webhooks, auth_headers: dict[str, str], tiny_models: TinyModels
) -> None:
    thanks = tiny_models.phrase("thanks")
    first = open_thread(app, webhooks, auth_headers, thanks["en"])
    _reply(webhooks.client, auth_headers, first["id"], thanks["ko"], POISON)
    # Said again, the same edit is still one suggestion waiting, counted twice.
    _reply(webhooks.client, auth_headers, first["id"], thanks["ko"], POISON)
    assert _suggestion(app).times == 2

    # Another agent answers another resident with the same Korean and no edit.
    second_token = create_user(app, "lee")
    second = {"Authorization": f"Bearer {second_token}"}
    other = open_thread(app, webhooks, second, thanks["en"], phone=OTHER_RESIDENT)
    sent = _reply(webhooks.client, second, other["id"], thanks["ko"])
    assert "evil.example" not in sent["message"]["translated_text"]
    with services(app).sessions() as session:
        bodies = session.scalars(
            select(Message.delivered_body).where(Message.conversation_id == other["id"])
        ).all()
        assert bodies and not any("evil.example" in (body or "") for body in bodies)
        assert session.scalars(select(MemoryEntry)).all() == []

    admin = sign_in(app, "chief", "admin")
    assert _act(admin, f"{PAGE}/suggestions/{_suggestion(app).id}/reject").status_code == 303
    again = _preview(webhooks.client, second, other["id"], thanks["ko"])
    assert "evil.example" not in again["translated_text"]
    # A rejected text offered again is not put back in front of the admins.
    _reply(webhooks.client, auth_headers, first["id"], thanks["ko"], POISON)
    assert _suggestion(app).status is SuggestionStatus.REJECTED
    page = admin.get(f"{PAGE}?status=rejected").get_data(as_text=True)
    assert "거절됨" in page and "evil.example" in page
    with services(app).sessions() as session:
        kinds = session.scalars(select(Event.kind).where(Event.kind.like("memory.%"))).all()
        assert kinds.count("memory.rejected") == 1 and kinds.count("memory.suggested") == 2


def test_an_admin_edits_a_suggestion_before_approving_it_and_can_delete_it_again(
    app: Flask, webhooks: Webhooks, auth_headers: dict[str, str], tiny_models: TinyModels
) -> None:
    thanks = tiny_models.phrase("thanks")
    first = open_thread(app, webhooks, auth_headers, thanks["en"])
    _reply(webhooks.client, auth_headers, first["id"], thanks["ko"], "thx!!")
    admin = sign_in(app, "chief", "admin")
    suggestion = _suggestion(app)
    action = f"{PAGE}/suggestions/{suggestion.id}/approve"

    # An edit that would put a resident's number in the memory is refused, and says why.
    refused = _act(admin, action, text="Thank you. Call 010-1234-5678.")
    assert refused.status_code == 303
    assert "개인정보" in admin.get(PAGE).get_data(as_text=True)
    assert _suggestion(app).status is SuggestionStatus.PENDING

    assert _act(admin, action, text="Thank you for waiting.").status_code == 303
    preview = _preview(webhooks.client, auth_headers, first["id"], thanks["ko"])
    assert (preview["translated_text"], preview["engine"]) == ("Thank you for waiting.", "memory")
    history = admin.get(f"{PAGE}/history").get_data(as_text=True)
    assert "(고쳐서)" in history and "thx!!" not in history.split("승인")[0]

    with services(app).sessions() as session:
        entry = session.scalars(select(MemoryEntry)).one()
    assert _act(admin, f"{PAGE}/entries/{entry.id}/delete").status_code == 303
    gone = _preview(webhooks.client, auth_headers, first["id"], thanks["ko"])
    assert gone["engine"] != "memory" and gone["translated_text"] == thanks["en"]
    assert "삭제" in admin.get(f"{PAGE}/history").get_data(as_text=True)
    # A decided suggestion cannot be decided again.
    assert _act(admin, f"{PAGE}/suggestions/{suggestion.id}/reject").status_code == 303
    assert "이미 처리한 제안" in admin.get(PAGE).get_data(as_text=True)


def test_the_memory_page_escapes_what_agents_typed_and_searches(
    app: Flask, webhooks: Webhooks, auth_headers: dict[str, str], tiny_models: TinyModels
) -> None:
    thanks = tiny_models.phrase("thanks")
    first = open_thread(app, webhooks, auth_headers, thanks["en"])
    hostile = '<script>alert("x")</script> thank you'
    _reply(webhooks.client, auth_headers, first["id"], thanks["ko"], hostile)
    admin = sign_in(app, "chief", "admin")
    page = admin.get(PAGE).get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert "&lt;script&gt;" in admin.get(f"{PAGE}?q=script").get_data(as_text=True)
    missing = admin.get(f"{PAGE}?q=nothing-like-this").get_data(as_text=True)
    assert "조건에 맞는 제안이 없습니다" in missing
