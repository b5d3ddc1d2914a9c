"""A conversation as the agent works it: every message with original and Korean side by side,
who or what produced it, delivery status, voice recordings with timed segments, and the reply box
with the phrasebook."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, render_template, request

from languages.quality import quality_of_route
from languages.routes import parse_routes
from relay.agent.access import (
    actor,
    agent_required,
    back_to_thread,
    is_admin,
    me,
    wants_fragment,
)
from relay.agent.live_panel import live_panel
from relay.agent.phrasebook_reply import PHRASEBOOK_LANGUAGES, phrasebook_reply
from relay.agent.presenters import (
    DISPOSITION_LABELS,
    highlight_terms,
    language_label,
    machine_rendering,
    produced_by,
    quality_warnings,
    segment_rows,
    status_label,
)
from relay.agent.privacy import message_mask, revealed_messages
from relay.agent.reasons import staff_reason
from relay.agent.reply_language import reply_language_choices
from relay.agent.tools import agent_tools
from relay.replies import ReplyError
from relay.services import services
from relay.voice.channel import REPLY_CHANNEL_LABELS, ChannelError
from transcripts import listings as queue_reads
from transcripts import repository
from transcripts.live_calls import latest_live_call
from transcripts.models import Channel, ConversationStatus

bp = Blueprint("agent_thread", __name__, url_prefix="/agent")


def _message_views(
    messages: Any, usernames: dict[int, str], revealed: frozenset[int] = frozenset()
) -> list[dict[str, Any]]:
    """Each message as the thread shows it, its personal data masked unless it was revealed
    (relay/agent/privacy.py): a page open on a screen, shared or photographed, then holds no
    registration, phone or card number of a resident."""
    glossary = agent_tools().glossary
    views = []
    for m in messages:
        inbound = m.direction.value == "inbound"
        original_language = m.original_language if inbound else "ko"
        mask = message_mask(m)
        private = mask.holds_personal_data
        hide = private and m.id not in revealed
        shown = mask if hide else _as_is
        views.append(
            {
                "m": m,
                "inbound": inbound,
                "private": hide,
                "revealed": private and not hide,
                "language": language_label(
                    m.original_language if inbound else m.translated_language
                ),
                "original": highlight_terms(glossary, shown(m.original_text), original_language),
                "korean": highlight_terms(glossary, shown(m.translated_text), "ko")
                if inbound
                else None,
                "resident_text": None
                if inbound
                else highlight_terms(glossary, shown(m.translated_text), m.translated_language),
                "machine_original": shown(m.machine_original_text),
                "machine_translation": shown(m.machine_translation),
                "delivered_body": shown(m.delivered_body),
                "back_translation": shown(m.back_translation),
                "by": produced_by(m, usernames),
                # which way a reply went (a call-back, the live call, SMS or the chat page)
                "sent_by": None
                if inbound
                else REPLY_CHANNEL_LABELS.get(m.channel.value, m.channel.value),
                "status_label": status_label(m),
                "reason": staff_reason(m.status_reason, m.status),
                "warnings": quality_warnings(m),
                "segments": segment_rows(m, shown),
                "machine_rendering": machine_rendering(m) if inbound else None,
                "corrected_by": usernames.get(m.corrected_by_id or 0),
                "edited": m.machine_translation is not None
                and m.translated_text is not None
                and m.machine_translation != m.translated_text,
            }
        )
    return views


def _as_is(text: str | None) -> str | None:
    return text


def _thread_context(conversation_id: int) -> dict[str, Any]:
    with services().sessions() as session:
        conversation = repository.get_conversation(session, conversation_id)
        if conversation is None:
            abort(404)
        messages = repository.messages_of(session, conversation_id)
        names = queue_reads.usernames(
            session,
            [
                conversation.claimed_by_id,
                *(m.author_user_id for m in messages),
                *(m.corrected_by_id for m in messages),
            ],
        )
        mine = conversation.claimed_by_id == me()
        live_call = latest_live_call(session, conversation_id)
        return {
            "c": conversation,
            "language": language_label(conversation.language),
            "messages": _message_views(messages, names, revealed_messages()),
            "can_reveal": mine or is_admin(),
            "holder": names.get(conversation.claimed_by_id or 0),
            "mine": mine,
            "review": is_admin(),  # admins may correct translations and transcripts
            "can_act": (mine or is_admin()) and conversation.status is ConversationStatus.OPEN,
            "agents": [a for a in queue_reads.active_agents(session) if a.id != me()],
            "dispositions": DISPOSITION_LABELS,
            "topics": current_app.config["TOPICS"],
            "notes": services().record.notes.of(conversation_id),
            "block_hours": current_app.config["ABUSE_BLOCK_HOURS"],
            "quality_note": _quality_note(conversation.language),
            "earlier": repository.earlier_conversations(session, conversation),
            "last_event_id": repository.latest_event_id(session),
            "live": live_panel(conversation, live_call, messages),
            "reply_languages": reply_language_choices(),
            "flag_reason": staff_reason(conversation.contact.flag_reason),
        }


def _quality_note(language: str | None) -> Any:
    """How far to trust the translation of the resident's language: measured on the route the
    pair goes to now (the configured one, else the best-measured) when the routes were
    evaluated, else the reviewed note."""
    if not language or language == "ko":
        return None
    routed = parse_routes(current_app.config.get("TRANSLATION_ROUTES", ""))
    try:
        return quality_of_route(
            agent_tools().quality,
            services().languages.route_scores(),
            language,
            "ko",
            routed.get((language, "ko")),
        )
    except LookupError:
        return None


@bp.get("/conversations/<int:conversation_id>")
@agent_required
def thread(conversation_id: int) -> Any:
    """The whole thread (any agent may read; only its holder or an admin may act)."""
    context = _thread_context(conversation_id)
    if wants_fragment():
        return render_template("agent/_messages.html", **context)
    return render_template("agent/thread.html", **context)


@bp.get("/conversations/<int:conversation_id>/messages")
@agent_required
def messages_fragment(conversation_id: int) -> Any:
    """The message list alone, for the live refresh."""
    return render_template("agent/_messages.html", **_thread_context(conversation_id))


@bp.get("/conversations/<int:conversation_id>/notes")
@agent_required
def notes_fragment(conversation_id: int) -> Any:
    """The internal notes alone: a colleague's new note reaches every open view of the thread
    through the live feed (a `conversation.noted` event), not only the writer's reload."""
    with services().sessions() as session:
        if repository.get_conversation(session, conversation_id) is None:
            abort(404)
    return render_template("agent/_notes.html", notes=services().record.notes.of(conversation_id))


@bp.get("/conversations/<int:conversation_id>/state")
@agent_required
def state_fragment(conversation_id: int) -> Any:
    """The thread's state line alone (holder, how it ended and its topic), redrawn when the live
    feed says it changed, so a second viewer does not read a closed thread as open."""
    return render_template("agent/_state.html", **_thread_context(conversation_id))


@bp.get("/phrasebook")
@agent_required
def phrasebook_search() -> Any:
    """Phrasebook answers matching a Korean keyword, in Korean and the resident's language."""
    query = (request.args.get("q") or "").strip()[:100]
    language = request.args.get("language") or ""
    entries = agent_tools().phrasebook.search(query, limit=8) if query else []
    return render_template(
        "agent/_phrasebook.html",
        entries=entries,
        language=language if language in PHRASEBOOK_LANGUAGES else None,
        conversation_id=request.args.get("conversation_id", type=int),
        query=query,
    )


@bp.post("/conversations/<int:conversation_id>/phrasebook")
@agent_required
def send_phrasebook(conversation_id: int) -> Any:
    """Send a phrasebook answer: the human-written text in the resident's language, not MT,
    by the channel the preview named (relay/agent/phrasebook_reply.py)."""
    svc = services()
    try:
        reply = phrasebook_reply(
            conversation_id, request.form.get("entry_id") or "", request.form.get("channel")
        )
    except (ReplyError, ChannelError) as error:
        return back_to_thread(conversation_id, str(error), "error")
    message = svc.record.outbound.queue(
        conversation_id, reply.draft, Channel(reply.channel), actor()
    )
    svc.jobs.send_outbound(message.id)
    return back_to_thread(conversation_id, "상용구 답변을 보냈습니다.")
