"""Ending a live call when the agent closes its conversation: a goodbye in the caller's
language, then the call hung up through the REST API.

The call's TwiML is replaced by the goodbye followed by `<Hangup>`, and a job asks Twilio to
set the call `completed` once the goodbye has had time to be said: the document alone would
leave a caller on the line if Twilio never ran it (an update racing the wait URL's redirect),
and hanging up at once would cut the goodbye. The record already says the live part ended (in
the closing transaction); what happened on the line is kept as an event for the agent.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from relay.channels.interpreter import twilio_error_ko
from relay.services import Services
from relay.twilio.outbound import SendError
from relay.voice.twiml import TwimlBuilder
from transcripts.live_calls import LiveCall

log = logging.getLogger(__name__)

#: About how long the goodbye takes to say, before relay hangs up whatever the line does.
GOODBYE_SECONDS = 8


def end_live_call(
    svc: Services, config: Mapping[str, Any], live: LiveCall, user_id: int | None
) -> str:
    """Say goodbye on the call and hang it up; returns the agent's notice in Korean."""
    builder = TwimlBuilder.for_config(config)
    try:
        svc.sender.update_call(live.call_sid, builder.live_goodbye(live.language))
    except SendError as error:
        log.warning("goodbye on %s refused: %s; hanging up now", live.call_sid, error.reason)
        return _hang_up_now(svc, live, user_id, twilio_error_ko(error))
    svc.jobs.end_call.schedule(args=(live.call_sid,), delay=GOODBYE_SECONDS)
    svc.record.live.hung_up_by_agent(live.call_sid, "끝인사 후 통화 종료", user_id)
    return "통화 중인 주민에게 끝인사를 전하고 전화를 끊습니다."


def _hang_up_now(svc: Services, live: LiveCall, user_id: int | None, why: str) -> str:
    try:
        svc.sender.end_call(live.call_sid)
    except SendError as error:
        svc.record.live.hung_up_by_agent(
            live.call_sid, f"통화 종료 요청 거절: {twilio_error_ko(error)}", user_id
        )
        return f"통화를 끊지 못했습니다. 주민이 이미 끊었을 수 있습니다 ({twilio_error_ko(error)})."
    svc.record.live.hung_up_by_agent(live.call_sid, f"끝인사 없이 바로 종료 ({why})", user_id)
    return "끝인사를 전하지 못해 통화를 바로 끊었습니다."


def end_call_job(svc: Services, call_sid: str) -> None:
    """The goodbye has been said: hang the call up. A call the caller (or the `<Hangup>`)
    already ended is refused by Twilio, which is the outcome wanted."""
    try:
        svc.sender.end_call(call_sid)
    except SendError as error:
        log.info("call %s not hung up by relay: %s", call_sid, error.reason)
