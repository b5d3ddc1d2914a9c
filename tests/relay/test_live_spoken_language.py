"""A live caller who pressed 1 (English) but speaks French, German or Russian: espeak-ng speech
at 8 kHz mu-law streamed over the real websocket as Twilio streams it, real faster-whisper base.
The agent is told in Korean with the probability, the conversation is marked for an
interpreter, the caption is labelled a machine rendering, and the thread offers 3자 통역 연결
at once. An English caller is checked too and left alone.

Synthetic speech proves the plumbing and the rule, not how the check fares on real callers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from languages.spoken import MACHINE_RENDERING
from relay.services import services
from tests.relay.agent_helpers import post_form, sign_in
from tests.relay.test_live_calls import (
    CALL_SID,
    captions,
    event_kinds,
    go_live,
    serving_live,
    wait_for,
)
from tests.support.app_fixtures import AUTH_TOKEN, RecordingHttpClient
from tests.support.media_stream_client import StreamPlayer, mulaw_bytes, silence
from tests.support.speech_fixtures import SpeechClips, synthesise, to_phone_mulaw
from transcripts.models import Conversation

UNSERVED = {
    "fr": (
        "Bonjour, je voudrais savoir quand passe le camion des ordures dans mon quartier.",
        "프랑스어",
    ),
    # espeak-ng's German sits on the line for base: the recorded-message test's sentence
    # scores English 0.44 against German 0.30 as one live utterance (German 0.42 against
    # English 0.39 as a whole recording). A question the check calls German is used here; a
    # centre that sees such misses on real callers has the margin setting and transcribe-eval.
    "de": (
        "Entschuldigung, können Sie mir bitte sagen, wo das Bürgeramt ist? "
        "Ich brauche einen neuen Ausweis.",
        "독일어",
    ),
    "ru": (
        "Здравствуйте, я хотел бы узнать, когда приезжает мусоровоз в нашем районе.",
        "러시아어",
    ),
}


@pytest.fixture
def live(
    app_factory: Any, whisper_base_dir: Path, twilio_http: RecordingHttpClient
) -> Iterator[tuple[Flask, str]]:
    with serving_live(app_factory, whisper_base_dir, twilio_http) as running:
        yield running


def speak(app: Flask, base: str, clip: Path) -> tuple[int, Any]:
    """The caller presses 1, an agent takes the call, the caller speaks `clip`; returns the
    conversation and the agent's signed-in client once the caption is stored."""
    url, parameters = go_live(app, base)
    with services(app).sessions() as session:
        conversation = session.query(Conversation).one().id
    agent = sign_in(app, "agent-han")
    page = f"/agent/conversations/{conversation}"
    post_form(agent, page, f"/agent/conversations/{conversation}/claim")
    player = StreamPlayer(url, AUTH_TOKEN, CALL_SID, parameters=parameters).connect()
    player.start()
    player.play(silence(0.5) + mulaw_bytes(clip) + silence(1.5))
    wait_for(lambda: captions(app), timeout=90)
    player.stop()
    player.close()
    return conversation, agent


@pytest.mark.slow
@pytest.mark.parametrize("language", sorted(UNSERVED))
def test_a_live_caller_in_an_unserved_language_is_offered_an_interpreter_at_once(
    live: tuple[Flask, str], language: str
) -> None:
    app, base = live
    text, korean = UNSERVED[language]
    conversation, agent = speak(app, base, to_phone_mulaw(synthesise(language, text)))
    caption = captions(app)[0]
    assert caption.original_language == "en"  # forced by the menu
    assert (caption.flag or "").startswith(f"{korean}로 들립니다 (확률 "), caption.flag
    heard = caption.spoken_language or {}
    assert heard["spoken"] == language and heard["differs"] is True
    assert heard["probability"] > heard["chosen_probability"]
    with services(app).sessions() as session:
        assert session.get(Conversation, conversation).needs_interpreter  # type: ignore[union-attr]
    assert "message.needs_interpreter" in event_kinds(app)  # what the live feed pushes
    # The fragment the live feed refreshes carries the offer: no reload is needed.
    fragment = agent.get(
        f"/agent/conversations/{conversation}/messages", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert 'id="interpreter-offer"' in fragment
    assert f"{korean}로 들립니다" in fragment and "3자 통역 연결" in fragment
    assert MACHINE_RENDERING in fragment


@pytest.mark.slow
def test_a_live_english_caller_is_checked_and_not_flagged(
    live: tuple[Flask, str], speech_clips: SpeechClips
) -> None:
    app, base = live
    conversation, agent = speak(app, base, speech_clips.english_mulaw)
    caption = captions(app)[0]
    assert (caption.spoken_language or {}).get("spoken") == "en"
    assert not caption.flag
    with services(app).sessions() as session:
        assert not session.get(Conversation, conversation).needs_interpreter  # type: ignore[union-attr]
    page = agent.get(f"/agent/conversations/{conversation}").get_data(as_text=True)
    assert 'id="interpreter-offer"' not in page and MACHINE_RENDERING not in page
