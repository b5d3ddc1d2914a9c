"""The JSON API: conversations and their messages, reply previews and replies.

Authenticated by bearer token (`flask users token NAME`) or by a signed-in session with a CSRF
header. Errors are JSON objects with an `error` string and the matching HTTP status.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, request, send_file, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from languages.memory import normalise
from languages.registry import KOREAN, RESIDENT_CODES
from relay.auth import actor, role_required
from relay.channels.interpreter import connect_interpreter
from relay.channels.live_end import end_live_call
from relay.ids import MAX_ID
from relay.recordings import audio_mimetype, stored_recording
from relay.replies import ReplyError, centre_sender, compose_reply
from relay.services import services
from relay.voice.channel import REPLY_CHANNEL_LABELS, ChannelError, choose_channel
from transcripts import repository
from transcripts.agent_actions import ClaimOutcome
from transcripts.models import (
    Channel,
    Conversation,
    ConversationStatus,
    Disposition,
    Message,
    Role,
)
from transcripts.outbound import MemoryNote
from transcripts.policy import require_actor, require_open

bp = Blueprint("api", __name__, url_prefix="/api")
AGENTS = (Role.AGENT, Role.ADMIN)
MAX_OFFSET = 2**62  # past every row, and still an integer the database can compare
#: The languages an agent can answer in: the five, and Korean as it is (no translation).
REPLY_LANGUAGES = RESIDENT_CODES | {KOREAN.code}


@bp.before_request
def _csrf_for_sessions() -> None:
    """Bearer-token clients need no CSRF token; a browser session does."""
    if (
        request.method in ("POST", "PUT", "PATCH", "DELETE")
        and current_user.is_authenticated
        and not getattr(current_user, "via_token", False)
    ):
        csrf: CSRFProtect = current_app.extensions["csrf"]
        csrf.protect()


@bp.errorhandler(CSRFError)
def _csrf_error(error: CSRFError) -> tuple[dict[str, str], int]:
    return {
        "error": "보안 확인(CSRF)에 실패했습니다. 페이지를 새로 고친 뒤 다시 하세요.",
        "detail": error.description,
    }, 400


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def message_json(message: Message) -> dict[str, Any]:
    """A message as the API shows it: original, translation and how each came about."""
    return {
        "id": message.id,
        "direction": message.direction.value,
        "channel": message.channel.value,
        "author": message.author.value,
        "status": message.status.value,
        "status_reason": message.status_reason,
        "flag": message.flag,
        "original_text": message.original_text,
        "original_language": message.original_language,
        "language_probability": message.language_probability,
        "translated_text": message.translated_text,
        "translated_language": message.translated_language,
        "machine_translation": message.machine_translation,
        "back_translation": message.back_translation,
        "translation": {
            "engine": message.translation_engine,
            "model": message.translation_model,
            "pivot": message.translation_pivot,
            "translation_ms": message.translation_ms,
            "detection_ms": message.detection_ms,
        },
        "sms": {
            "delivered_body": message.delivered_body,
            "encoding": message.sms_encoding,
            "segments": message.sms_segments,
            "undeliverable": list(message.undeliverable_chars or ""),
        },
        "provider_sid": message.provider_sid,
        "call_id": message.call_id,
        "audio_url": url_for("api.message_audio", message_id=message.id)
        if message.audio_path
        else None,
        "audio_seconds": message.audio_seconds,
        "segments": message.segments,
        "spoken_language": message.spoken_language,
        "error_code": message.error_code,
        "attempts": message.attempts,
        "created_at": _iso(message.created_at),
        "updated_at": _iso(message.updated_at),
    }


def conversation_json(conversation: Conversation, last: Message | None = None) -> dict[str, Any]:
    """A conversation's summary."""
    data: dict[str, Any] = {
        "id": conversation.id,
        "phone": conversation.contact.phone,
        "channel": conversation.channel.value,
        "status": conversation.status.value,
        "language": conversation.language,
        "needs_interpreter": conversation.needs_interpreter,
        "claimed_by_id": conversation.claimed_by_id,
        "created_at": _iso(conversation.created_at),
        "last_message_at": _iso(conversation.last_message_at),
        "closed_at": _iso(conversation.closed_at),
        "topic": conversation.topic,
    }
    if last is not None:
        data["last_message"] = message_json(last)
    return data


def _error(message: str, status: int) -> tuple[dict[str, str], int]:
    return {"error": message}, status


@bp.get("/conversations")
@role_required(*AGENTS)
def list_conversations() -> Any:
    """Conversations by last activity; `status`, `limit` (≤ 200) and `offset` narrow it."""
    status_arg = request.args.get("status")
    try:
        status = ConversationStatus(status_arg) if status_arg else None
        limit = min(max(int(request.args.get("limit", 50)), 1), 200)
        offset = min(max(int(request.args.get("offset", 0)), 0), MAX_OFFSET)
    except ValueError:
        return _error("상태는 open 또는 closed, limit와 offset은 정수여야 합니다.", 400)
    with services().sessions() as session:
        page = repository.list_conversations(session, status=status, limit=limit, offset=offset)
        last = repository.last_messages(session, [c.id for c in page.conversations])
        return {
            "conversations": [conversation_json(c, last.get(c.id)) for c in page.conversations],
            "total": page.total,
            "next_offset": page.next_offset,
        }


@bp.get("/conversations/<int:conversation_id>")
@role_required(*AGENTS)
def get_conversation(conversation_id: int) -> Any:
    """One conversation with all its messages."""
    with services().sessions() as session:
        conversation = repository.get_conversation(session, conversation_id)
        if conversation is None:
            return _error(f"{conversation_id}번 대화가 없습니다.", 404)
        data = conversation_json(conversation)
        data["messages"] = [
            message_json(m) for m in repository.messages_of(session, conversation_id)
        ]
        return data


def _storable(value: str | None) -> bool:
    """JSON may escape half a surrogate pair ("\\ud800"), which no database can store as text."""
    return value is None or not any("\ud800" <= char <= "\udfff" for char in value)


def _reply_request(conversation_id: int) -> Any:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return _error('JSON 객체로 보내세요: {"text": "한국어 답변"}', 400)
    text = payload.get("text")
    if not isinstance(text, str) or not text.strip():
        return _error("답변(text)을 한국어로 쓰세요.", 400)
    edited = payload.get("translated_text")
    for field in ("translated_text", "language", "channel"):
        if payload.get(field) is not None and not isinstance(payload[field], str):
            return _error(f"{field} 값은 문자열이어야 합니다.", 400)
    if payload.get("confirm_missing") is not None and not isinstance(
        payload["confirm_missing"], bool
    ):
        return _error("confirm_missing 값은 true 또는 false여야 합니다.", 400)
    if any(not _storable(value) for value in (text, edited)):
        return _error("text와 translated_text에 쓸 수 없는 문자가 있습니다.", 400)
    with services().record.uow.read() as session:
        conversation = require_open(require_actor(session, conversation_id, actor()))
        language = payload.get("language") or conversation.language
        if language not in REPLY_LANGUAGES:
            return _error(
                "답변할 언어를 아직 모릅니다. 대화 화면에서 답변 언어를 고르세요 "
                "(en, zh, ja, vi, mn 또는 한국어 ko).",
                422,
            )
        try:
            channel = choose_channel(
                session,
                conversation,
                payload.get("channel"),
                current_app.config["VOICE_DEFAULT_REPLY_CHANNEL"],
                language,
            )
        except ChannelError as error:
            return _error(str(error), 422)
    request.environ["relay.reply_channel"] = channel
    try:
        return compose_reply(
            services().languages.translator(),
            text,
            language,
            public_base_url=current_app.config["PUBLIC_BASE_URL"],
            sender=centre_sender(current_app.config),
            edited_translation=edited,
            channel=channel,
        )
    except ReplyError as error:
        return _error(str(error), 400)


@bp.post("/conversations/<int:conversation_id>/replies/preview")
@role_required(*AGENTS)
def preview_reply(conversation_id: int) -> Any:
    """How a Korean reply will read for the resident, without sending it."""
    result = _reply_request(conversation_id)
    if isinstance(result, tuple):
        return result
    channel = request.environ["relay.reply_channel"]
    return {**result.to_json(), "channel": channel, "channel_label": REPLY_CHANNEL_LABELS[channel]}


@bp.post("/conversations/<int:conversation_id>/replies")
@role_required(*AGENTS)
def send_reply(conversation_id: int) -> Any:
    """Translate, store and queue a reply for sending; answers 202 with the message.

    An agent's own translation (edited in the preview) is kept in the translation memory in
    the same transaction as the reply. A reply whose text lacks a number, link or term of the
    Korean is refused with 409 naming them, unless `confirm_missing` is true."""
    result = _reply_request(conversation_id)
    if isinstance(result, tuple):
        return result
    confirmed = (request.get_json(silent=True) or {}).get("confirm_missing") is True
    if result.missing_spans and not confirmed:
        # A resident must never get a wrong phone number or amount unnoticed: the agent edits
        # the text, or confirms they checked it.
        return {
            "error": "번역에 빠진 숫자·용어가 있습니다: "
            + ", ".join(result.missing_spans)
            + ". 번역을 고치거나, 확인했다면 confirm_missing: true로 다시 보내세요.",
            "missing_spans": list(result.missing_spans),
        }, 409
    svc = services()
    channel = request.environ["relay.reply_channel"]
    edited = result.translated_text != result.machine_translation
    message = svc.record.outbound.queue(
        conversation_id,
        result.draft(current_user.id),
        Channel(channel),
        actor(),
        remember=MemoryNote(normalise) if edited else None,
    )
    svc.jobs.send_outbound(message.id)
    with svc.sessions() as session:
        stored = repository.get_message(session, message.id)
        assert stored is not None
        preview = {
            **result.to_json(),
            "channel": channel,
            "channel_label": REPLY_CHANNEL_LABELS[channel],
        }
        return {"message": message_json(stored), "preview": preview}, 202


def _json_object(example: str) -> dict[str, Any] | tuple[dict[str, str], int]:
    """The request's JSON object (an empty body is an empty object), or a 400 naming it."""
    payload = request.get_json(silent=True)
    if payload is None:
        return {}
    if not isinstance(payload, dict):
        return _error(f"JSON 객체로 보내세요: {example}", 400)
    return payload


@bp.post("/conversations/<int:conversation_id>/claim")
@role_required(*AGENTS)
def claim_conversation(conversation_id: int) -> Any:
    """Take a waiting conversation; 409 naming the holder when another agent was faster."""
    result = services().record.agents.claim(conversation_id, actor())
    if result.outcome is ClaimOutcome.CLOSED:
        return _error(f"{conversation_id}번 대화는 종료되었습니다.", 409)
    if not result.won:
        return _error(
            f"{conversation_id}번 대화는 {result.claimed_by_name} 상담원이 맡았습니다.", 409
        )
    return get_conversation(conversation_id)


@bp.post("/conversations/<int:conversation_id>/transfer")
@role_required(*AGENTS)
def transfer_conversation(conversation_id: int) -> Any:
    """Hand one's conversation to another agent: `{"to_user_id": 7}`."""
    payload = _json_object('{"to_user_id": 7}')
    if isinstance(payload, tuple):
        return payload
    target = payload.get("to_user_id")
    if not isinstance(target, int) or isinstance(target, bool) or not 0 < target <= MAX_ID:
        return _error("to_user_id(이관할 상담원 번호)는 양의 정수여야 합니다.", 400)
    services().record.agents.transfer(conversation_id, actor(), target)
    return get_conversation(conversation_id)


@bp.post("/conversations/<int:conversation_id>/escalate")
@role_required(*AGENTS)
def escalate_conversation(conversation_id: int) -> Any:
    """Mark the conversation for a three-way human interpreter; on a live call, dial the
    interpreter line into a conference with the caller (its outcome is in the call's events)."""
    svc = services()
    escalation = svc.record.agents.escalate(conversation_id, actor())
    if escalation.live is not None:
        connect_interpreter(svc, current_app.config, escalation, actor().user_id)
    return get_conversation(conversation_id)


@bp.post("/conversations/<int:conversation_id>/close")
@role_required(*AGENTS)
def close_conversation(conversation_id: int) -> Any:
    """Close a conversation with a disposition (default: resolved at first contact)."""
    payload = _json_object('{"disposition": "resolved"}')
    if isinstance(payload, tuple):
        return payload
    try:
        disposition = Disposition(payload.get("disposition", Disposition.RESOLVED.value))
    except (ValueError, TypeError):
        choices = ", ".join(d.value for d in Disposition)
        return _error(f"disposition(종료 사유)은 다음 중 하나여야 합니다: {choices}", 400)
    topic = payload.get("topic")
    topics = current_app.config["TOPICS"]
    if topic is not None and topic not in topics:
        return _error(f"topic(민원 유형)은 다음 중 하나여야 합니다: {', '.join(topics)}", 400)
    svc = services()
    live = svc.record.agents.close(conversation_id, actor(), disposition, topic)
    if live is not None:  # the caller is still on the line: goodbye, then hang up
        end_live_call(svc, current_app.config, live, actor().user_id)
    return get_conversation(conversation_id)


@bp.post("/messages/<int:message_id>/retry")
@role_required(*AGENTS)
def retry_message(message_id: int) -> Any:
    """Work on a failed inbound message again (e.g. after installing a model)."""
    svc = services()
    svc.record.agents.retry(message_id, actor())
    svc.jobs.translate_inbound(message_id)
    return {"status": "queued"}, 202


@bp.get("/messages/<int:message_id>/audio")
@role_required(*AGENTS)
def message_audio(message_id: int) -> Any:
    """The recording of a voice message, for the agent's player (supports range requests)."""
    with services().sessions() as session:
        message = repository.get_message(session, message_id)
        relative = message.audio_path if message is not None else None
    if not relative:
        return _error(f"{message_id}번 메시지에는 저장된 녹음이 없습니다.", 404)
    path = stored_recording(Path(current_app.config["INSTANCE_PATH"]), relative)
    if path is None:
        return _error(f"{message_id}번 메시지의 녹음 파일이 저장소에 없습니다.", 404)
    return send_file(path, mimetype=audio_mimetype(path), conditional=True, max_age=0)
