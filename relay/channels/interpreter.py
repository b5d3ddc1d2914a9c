"""The three-way interpreter conference of a live call: the caller, the centre's interpreter line
and, when the agent's account has a phone, the agent.

The 120 centres serve a language they cannot handle by bringing a human interpreter onto the
call. On a live call relay does it for real: it dials `RELAY_INTERPRETER_NUMBER` into a
conference named after the call, then moves the caller into that conference by replacing the
call's TwiML through the REST API. The new document starts the caller's Media Stream again
before the `<Dial><Conference>`, as a spoken reply does, so the agent keeps reading captions of
what the caller says; the stream joins the call's state in relay.channels.live.

The order is chosen so a refusal loses nothing: the interpreter is dialled first, and only once
Twilio accepted that leg is the caller moved (a caller moved into an empty conference would
hear hold music instead of the agent). When moving the caller fails, the interpreter's leg is
hung up again and the call goes on as it was. The agent's own phone is dialled last; when that
leg fails the conference still stands and the agent is told.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from relay.channels.live import STREAM_PATH
from relay.services import Services
from relay.twilio.outbound import SendError
from relay.twilio.security import stream_url
from relay.voice.twiml import TwimlBuilder
from transcripts.agent_actions import Escalation
from transcripts.live_calls import LiveCall

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConferenceOutcome:
    """What the agent is told after 3자 통역 연결 on a live call (in Korean), and whether the
    caller is now in the conference."""

    connected: bool
    notice: str


def conference_name(call_sid: str) -> str:
    """One conference per call, so a second press joins the same room."""
    return f"relay-{call_sid}"


def connect_interpreter(
    svc: Services, config: Mapping[str, Any], escalation: Escalation, user_id: int | None
) -> ConferenceOutcome:
    """Dial the interpreter line (and the agent's phone) into a conference with the live
    caller; every refusal is recorded and explained, never raised."""
    live = escalation.live
    assert live is not None
    number = str(config.get("INTERPRETER_NUMBER") or "")
    if not number:
        return ConferenceOutcome(
            False,
            "통역 필요로 표시했습니다. 통역 연결 번호가 설정되지 않아 통역사를 부르지 못했습니다.",
        )
    if live.conference:
        return ConferenceOutcome(True, "이미 3자 통역 통화 중입니다.")
    builder = TwimlBuilder.for_config(config)
    name = conference_name(live.call_sid)
    try:
        interpreter = svc.sender.dial(number, builder.conference_leg(name))
    except SendError as error:
        return _failed(svc, live, user_id, "통역사 전화 연결 실패", error)
    try:
        svc.sender.update_call(live.call_sid, builder.live_conference(*_stream(live), name))
    except SendError as error:
        _hang_up(svc, interpreter.sid)
        return _failed(svc, live, user_id, "주민 통화를 통역 통화로 옮기지 못했습니다", error)
    legs = {"interpreter": interpreter.sid}
    notice = "통역사를 불러 주민과 3자 통화로 연결했습니다. 자막은 계속 나옵니다."
    if escalation.agent_phone:
        try:
            legs["agent"] = svc.sender.dial(
                escalation.agent_phone, builder.conference_leg(name)
            ).sid
            notice += " 상담원 전화도 연결합니다."
        except SendError as error:
            log.warning("agent leg of %s refused: %s", name, error.reason)
            notice += f" 상담원 전화 연결은 실패했습니다 ({twilio_error_ko(error)})."
    svc.record.live.conference_started(live.call_sid, name, legs, user_id)
    return ConferenceOutcome(True, notice)


def _stream(live: LiveCall) -> tuple[str, dict[str, str]]:
    """The stream the caller's new document starts again, joining the call's state."""
    return stream_url(STREAM_PATH), {"call": live.call_sid, "language": live.language}


def twilio_error_ko(error: SendError) -> str:
    """A refusal as the agent reads it: Twilio's error code (looked up in Twilio's console),
    not its English message, which the record keeps."""
    return f"Twilio 오류 {error.code}" if error.code else "Twilio에 연결하지 못했습니다"


def _failed(
    svc: Services, live: LiveCall, user_id: int | None, what: str, error: SendError
) -> ConferenceOutcome:
    log.warning("interpreter conference for %s failed: %s", live.call_sid, error.reason)
    svc.record.live.conference_failed(live.call_sid, f"{what}: {error.reason}", user_id)
    return ConferenceOutcome(False, f"통역 필요로 표시했습니다. {what} ({twilio_error_ko(error)}).")


def _hang_up(svc: Services, call_sid: str) -> None:
    """End a leg that has nobody to talk to; a refusal here only leaves it to time out."""
    try:
        svc.sender.end_call(call_sid)
    except SendError as error:
        log.warning("could not hang up conference leg %s: %s", call_sid, error.reason)
