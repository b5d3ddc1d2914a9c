"""An agent retries a resident message whose translation failed, from the thread: once the
missing model is installed the message is translated, with no restart; only the holder (or an
admin) may, and only a failed resident message can be retried."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from relay.services import services
from tests.relay.agent_helpers import post_form, sign_in
from tests.support.app_fixtures import Webhooks, drain
from tests.support.modelkit import TinyModels
from transcripts.models import Conversation, Event, Message, MessageStatus


def _failed_vietnamese(app: Flask, tiny_models: TinyModels) -> tuple[int, int]:
    Webhooks(app.test_client()).sms(tiny_models.phrase("wallet")["vi"])
    drain(app)
    with services(app).sessions() as session:
        message = session.scalars(select(Message)).one()
        assert message.status is MessageStatus.FAILED, message.status_reason
        return message.conversation_id, message.id


def _message(app: Flask, message_id: int) -> Message:
    with services(app).sessions() as session:
        message = session.get(Message, message_id)
        assert message is not None
        return message


def test_the_holder_retries_a_failed_message_once_its_model_is_installed(
    app_factory: Any, relay_models_path: Path, tmp_path: Path, tiny_models: TinyModels
) -> None:
    models = tmp_path / "models"
    models.mkdir()
    (models / "argos").symlink_to(relay_models_path / "argos")  # no M2M model: vi fails
    app = app_factory(MODELS_PATH=str(models))
    cid, message_id = _failed_vietnamese(app, tiny_models)
    thread = f"/agent/conversations/{cid}"
    retry = f"{thread}/messages/{message_id}/retry"

    holder = sign_in(app, "kim")
    assert 'action="' + retry not in holder.get(thread).get_data(as_text=True)  # not claimed
    post_form(holder, thread, f"{thread}/claim")
    assert 'action="' + retry in holder.get(thread).get_data(as_text=True)

    other = sign_in(app, "lee")
    refused = post_form(other, thread, retry)
    assert refused.status_code == 303  # type: ignore[attr-defined]
    assert _message(app, message_id).status is MessageStatus.FAILED

    (models / "m2m").symlink_to(relay_models_path / "m2m")  # installed while relay runs
    done = post_form(holder, thread, retry)
    assert done.status_code == 303  # type: ignore[attr-defined]
    drain(app)
    message = _message(app, message_id)
    assert message.status is MessageStatus.TRANSLATED
    assert message.translated_text == tiny_models.phrase("wallet")["ko"]
    page = holder.get(thread).get_data(as_text=True)
    assert "다시 번역을 요청했습니다." in page
    assert 'action="' + retry not in page  # nothing failed any more

    again = post_form(holder, thread, retry)
    assert again.status_code == 303  # type: ignore[attr-defined]
    assert "실패한 주민 메시지만" in holder.get(thread).get_data(as_text=True)
    with services(app).sessions() as session:
        [event] = session.scalars(select(Event).where(Event.kind == "message.retried")).all()
        assert event.message_id == message_id
        assert event.data["reason"] and "vi" in event.data["reason"]


def test_a_message_of_another_thread_is_not_found(app: Flask, tiny_models: TinyModels) -> None:
    Webhooks(app.test_client()).sms(tiny_models.phrase("wallet")["en"], from_number="+821011112222")
    Webhooks(app.test_client()).sms(tiny_models.phrase("thanks")["en"], from_number="+821033334444")
    drain(app)
    with services(app).sessions() as session:
        first, second = session.scalars(select(Conversation.id).order_by(Conversation.id)).all()
        foreign = session.scalars(select(Message.id).where(Message.conversation_id == second)).one()
    agent = sign_in(app, "kim")
    thread = f"/agent/conversations/{first}"
    post_form(agent, thread, f"{thread}/claim")
    response = post_form(agent, thread, f"{thread}/messages/{foreign}/retry")
    assert response.status_code == 404  # type: ignore[attr-defined]
