"""Development pages: the outbox of replies held instead of sent, and a resident simulator.

The simulator signs its webhooks with the instance's Twilio auth token exactly as Twilio would and
delivers them through the app's own routing, so the whole round trip (signature check, storage,
queue, translation, reply) runs on one machine with no Twilio account. On only when
RELAY_DEV_PAGES says so (`make run` does): never because an account is missing.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from languages import registry
from relay.agent.presenters import STATUS_LABELS
from relay.delivery import Delivery, delivery
from relay.services import services
from relay.twilio.security import sign
from transcripts import repository
from transcripts.phones import normalise_phone

bp = Blueprint("dev", __name__, url_prefix="/dev")

DEFAULT_RESIDENT = "+821055501234"


@bp.before_request
def _only_when_enabled() -> Any:
    """Off in production; on, for signed-in staff only: the outbox holds every reply and phone
    number, and the simulator writes as any resident. The simulated recordings stay reachable
    by their unguessable token, since the recording job fetches them the way it fetches
    Twilio's."""
    if not current_app.config["DEV_PAGES"]:
        abort(404)
    if request.endpoint != "dev.simulator_audio" and not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    return None


@bp.get("/outbox")
def outbox() -> Any:
    """Every outbound message, newest first, with what exactly was (or would be) sent, and
    whether it left: a held reply says so, in the agent view's words."""
    holding = delivery(current_app.config) is Delivery.OUTBOX
    with services().sessions() as session:
        messages = repository.outbound_messages(session)
        return render_template(
            "dev/outbox.html", messages=messages, labels=STATUS_LABELS, holding=holding
        )


def signed_sms_post(from_number: str, body: str) -> tuple[int, str]:
    """Deliver a simulated inbound SMS to this app's webhook, signed like Twilio; returns status."""
    config = current_app.config
    params = {
        "MessageSid": "SM" + secrets.token_hex(16),
        "SmsSid": "",
        "AccountSid": config["TWILIO_ACCOUNT_SID"] or "AC" + "0" * 32,
        "From": from_number,
        "To": config["TWILIO_NUMBER"] or "+8215880120",
        "Body": body,
        "NumMedia": "0",
    }
    params["SmsSid"] = params["MessageSid"]
    url = f"{config['PUBLIC_BASE_URL']}/twilio/sms"
    signature = sign(url, params, config["TWILIO_AUTH_TOKEN"])
    client = current_app.test_client()
    response = client.post("/twilio/sms", data=params, headers={"X-Twilio-Signature": signature})
    return response.status_code, params["MessageSid"]


@bp.route("/simulator", methods=["GET", "POST"])
def simulator() -> Any:
    """Text the centre as a resident, and read its replies as the resident would."""
    phone = normalise_phone(request.values.get("phone") or DEFAULT_RESIDENT)
    if request.method == "POST":
        body = request.form.get("body") or ""
        status, sid = signed_sms_post(phone, body)
        if status == 200:
            flash(f"보냄 (sent) {sid}", "ok")
        else:
            flash(f"웹훅이 {status}로 응답했습니다 (webhook answered {status})", "error")
        return redirect(url_for("dev.simulator", phone=phone))
    with services().sessions() as session:
        messages = repository.messages_of_phone(session, phone)
        return render_template(
            "dev/simulator.html",
            phone=phone,
            messages=messages,
            languages=registry.RESIDENT_LANGUAGES,
            labels=STATUS_LABELS,
        )


@bp.post("/simulator/call")
def simulator_call() -> Any:
    """Call the centre as a resident: pick a language, upload or generate what you say."""
    from relay.voice import simulator as voice_sim

    phone = normalise_phone(request.form.get("phone") or DEFAULT_RESIDENT)
    chosen = request.form.get("language") or "en"
    digits = {lang.menu_digit: lang.code for lang in registry.RESIDENT_LANGUAGES}
    language = digits.get(chosen, chosen)  # the menu's keypad digit works as well as the code
    try:
        upload = request.files.get("audio")
        if upload is not None and upload.filename:
            token = voice_sim.store_upload(upload)
        else:
            token = voice_sim.synthesise(request.form.get("say") or "", language)
        call = voice_sim.place_call(phone, language, token)
    except (voice_sim.SimulatorError, registry.UnsupportedLanguageError) as error:
        flash(f"통화를 걸 수 없습니다 (call not placed): {error}", "error")
        return redirect(url_for("dev.simulator", phone=phone))
    if all(status in (200, 204) for status in call.statuses):
        flash(f"통화함 (called) {call.call_sid}", "ok")
    else:
        flash(f"웹훅 응답 (webhooks answered) {call.statuses}", "error")
    return redirect(url_for("dev.simulator", phone=phone))


@bp.post("/simulator/live")
def simulator_live() -> Any:
    """Call the centre live as a resident: the simulator plays Twilio's part in the background
    (webhooks, then the caller's audio over the app's own websocket) and this page follows it."""
    from relay.voice import simulator as voice_sim
    from relay.voice.live_simulator import simulator as live_sim

    phone = normalise_phone(request.form.get("phone") or DEFAULT_RESIDENT)
    chosen = request.form.get("language") or "en"
    digits = {lang.menu_digit: lang.code for lang in registry.RESIDENT_LANGUAGES}
    language = digits.get(chosen, chosen)
    try:
        registry.get(language)
        audio = voice_sim.caller_audio(
            language, request.form.get("say") or "", request.files.get("audio")
        )
        sid = live_sim(current_app._get_current_object()).place(phone, language, audio)  # type: ignore[attr-defined]
    except (voice_sim.SimulatorError, registry.UnsupportedLanguageError, ValueError) as error:
        flash(f"통화를 걸 수 없습니다 (call not placed): {error}", "error")
        return redirect(url_for("dev.simulator", phone=phone))
    return redirect(url_for("dev.simulator_live_call", call_sid=sid))


@bp.get("/simulator/live/<call_sid>")
def simulator_live_call(call_sid: str) -> Any:
    """A simulated live call as it goes: each webhook, stream and update, with its TwiML."""
    from relay.voice.live_simulator import describe
    from relay.voice.live_simulator import simulator as live_sim

    view = live_sim(current_app._get_current_object()).view(call_sid)  # type: ignore[attr-defined]
    if view is None:
        abort(404)
    if request.args.get("format") == "json":
        return describe(view)
    return render_template("dev/live_call.html", call=view)


@bp.post("/simulator/live/<call_sid>/hangup")
def simulator_live_hangup(call_sid: str) -> Any:
    """The simulated caller hangs up: the stream stops and the call's status is posted."""
    from relay.voice.live_simulator import simulator as live_sim

    if not live_sim(current_app._get_current_object()).hang_up(call_sid):  # type: ignore[attr-defined]
        abort(404)
    return redirect(url_for("dev.simulator_live_call", call_sid=call_sid))


@bp.get("/audio/<token>")
def simulator_audio(token: str) -> Any:
    """A simulated call's recording, where the recording job downloads it from."""
    from relay.voice import simulator as voice_sim

    path = voice_sim.audio_path(token)
    if path is None:
        abort(404)
    return send_file(path, mimetype="audio/wav", max_age=0)
