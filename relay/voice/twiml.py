"""TwiML documents for the phone line: the language menu, recording a message, spoken replies.

Builders take plain values (URLs, languages, texts) and return XML strings made by the twilio
library's VoiceResponse, so views stay thin and every document can be tested on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from twilio.twiml.voice_response import Dial, Gather, Start, Stop, VoiceResponse

from languages import registry
from relay.voice.prompts import Prompts, Spoken

# Seconds of silence that end a recording: callers pause while thinking in a second language.
RECORD_SILENCE_SECONDS = 10
MENU_TIMEOUT_SECONDS = 6
# Live calls: the one stream name, so <Stop> ends exactly relay's stream; how long each <Pause>
# holds the line before relay looks again whether an agent took the call.
LIVE_STREAM_NAME = "relay-live"
LIVE_WAIT_PAUSE_SECONDS = 5
LIVE_HOLD_PAUSE_SECONDS = 60


class TwimlBuilder:
    """Builds TwiML with absolute URLs under the public base (Twilio signs what it requests)."""

    def __init__(self, prompts: Prompts, url: Callable[[str], str]) -> None:
        self.prompts = prompts
        self.url = url  # path -> absolute URL

    @classmethod
    def for_config(cls, config: Mapping[str, Any]) -> TwimlBuilder:
        """The builder an app's configuration asks for: its prompts, its public base URL."""
        base = config["PUBLIC_BASE_URL"]
        return cls(Prompts(Path(config["VOICE_PROMPTS_PATH"])), lambda path: base + path)

    def _speak(self, parent: VoiceResponse | Gather, spoken: Spoken) -> None:
        if spoken.play_path is not None:
            parent.play(self.url(f"/prompts/{spoken.play_path}"))
            return
        attributes: dict[str, str] = {}
        if spoken.voice:
            attributes["voice"] = spoken.voice
        if spoken.say_language:
            attributes["language"] = spoken.say_language
        parent.say(spoken.say or "", **attributes)

    def menu(self, first_language: str | None, *, invalid_in: str | None = None) -> str:
        """Greeting and the five-language keypad menu; a known caller hears their language first."""
        response = VoiceResponse()
        gather = Gather(
            input="dtmf",
            num_digits=1,
            timeout=MENU_TIMEOUT_SECONDS,
            action=self.url("/twilio/voice/menu"),
            method="POST",
        )
        order = _menu_order(first_language)
        if invalid_in is not None:
            self._speak(gather, self.prompts.in_language("invalid", invalid_in))
        self._speak(gather, self.prompts.in_language("greeting", order[0]))
        for code in order:
            self._speak(gather, self.prompts.menu_option(code))
        response.append(gather)
        # No key pressed: Twilio falls through to here; the menu view counts the attempt.
        response.redirect(self.url("/twilio/voice/menu"), method="POST")
        return str(response)

    def goodbye_no_choice(self, language: str | None) -> str:
        response = VoiceResponse()
        self._speak(response, self.prompts.in_language("goodbye_no_choice", language or "en"))
        response.hangup()
        return str(response)

    def record(self, language: str, max_seconds: int) -> str:
        """The recording notice, then <Record> with its status callback and a length cap."""
        response = VoiceResponse()
        self._record_into(response, language, max_seconds)
        return str(response)

    def _record_into(self, response: VoiceResponse, language: str, max_seconds: int) -> None:
        self._speak(response, self.prompts.in_language("recording_notice", language))
        self._speak(response, self.prompts.in_language("leave_message", language))
        response.record(
            action=self.url("/twilio/voice/recorded"),
            method="POST",
            max_length=max_seconds,
            timeout=RECORD_SILENCE_SECONDS,
            finish_on_key="#",
            play_beep=True,
            recording_status_callback=self.url("/twilio/voice/recording"),
            recording_status_callback_method="POST",
            recording_status_callback_event="completed absent",
        )
        # Reached only when nothing was recorded; the status callback marks the call abandoned.
        response.hangup()

    def thanks(self, language: str | None) -> str:
        response = VoiceResponse()
        self._speak(response, self.prompts.in_language("thanks", language or "en"))
        response.hangup()
        return str(response)

    def reply(self, message_id: int, language: str, translated_text: str) -> str:
        """A call-back: the reply spoken in the caller's language, repeatable, with a way to
        leave another message."""
        response = VoiceResponse()
        gather = Gather(
            input="dtmf",
            num_digits=1,
            timeout=MENU_TIMEOUT_SECONDS,
            action=self.url(f"/twilio/voice/reply/{message_id}/choice"),
            method="POST",
        )
        self._speak(gather, self.prompts.in_language("reply_intro", language))
        self._speak(gather, self.prompts.say(translated_text, language))
        self._speak(gather, self.prompts.in_language("reply_options", language))
        response.append(gather)
        self._speak(response, self.prompts.in_language("goodbye", language))
        response.hangup()
        return str(response)

    def _start_stream(
        self, response: VoiceResponse, stream_url: str, parameters: dict[str, str]
    ) -> None:
        start = Start()
        stream = start.stream(name=LIVE_STREAM_NAME, url=stream_url, track="inbound_track")
        for name, value in parameters.items():
            stream.parameter(name=name, value=value)
        response.append(start)

    def live(self, language: str, stream_url: str, parameters: dict[str, str]) -> str:
        """The caller's audio starts streaming to relay; they hear that an agent is joining
        and that the call is machine-interpreted and recorded, then wait on <Pause> (a
        document that ends hangs up) until the wait URL says whether an agent came."""
        response = VoiceResponse()
        self._start_stream(response, stream_url, parameters)
        self._speak(response, self.prompts.in_language("live_notice", language))
        response.pause(length=LIVE_WAIT_PAUSE_SECONDS)
        response.redirect(self.url("/twilio/voice/live/wait"), method="POST")
        return str(response)

    def live_hold(self, *, agent_here: bool) -> str:
        """Keep the line open while the stream runs: a short pause while waiting for an
        agent (so relay looks again soon), a long one once an agent is on the call."""
        response = VoiceResponse()
        response.pause(length=LIVE_HOLD_PAUSE_SECONDS if agent_here else LIVE_WAIT_PAUSE_SECONDS)
        response.redirect(self.url("/twilio/voice/live/wait"), method="POST")
        return str(response)

    def live_to_message(self, language: str, max_seconds: int) -> str:
        """No agent came in time: stop the stream and offer today's recorded message."""
        response = VoiceResponse()
        stop = Stop()
        stop.stream(name=LIVE_STREAM_NAME)
        response.append(stop)
        self._speak(response, self.prompts.in_language("live_no_agent", language))
        self._record_into(response, language, max_seconds)
        return str(response)

    def live_reply(
        self,
        language: str,
        translated_text: str | None,
        stream_url: str,
        parameters: dict[str, str],
        conference: str | None = None,
    ) -> str:
        """The agent's reply on the live call: the stream first (a REST update replaces the
        call's TwiML, and a bidirectional stream is known to die with it: starting it again
        keeps the captions either way), then the reply in the caller's language, or, without
        a voice for it, the notice that it went by text; then the line is held, or, when the
        caller was in the interpreter conference, they go back into it."""
        response = VoiceResponse()
        self._start_stream(response, stream_url, parameters)
        if translated_text is not None and self.prompts.has_voice(language):
            self._speak(response, self.prompts.say(translated_text, language))
        else:
            self._speak(response, self.prompts.in_language("reply_by_text", language))
        if conference is not None:
            dial = Dial()
            dial.conference(conference, beep=False, end_conference_on_exit=True)
            response.append(dial)
        else:
            response.pause(length=LIVE_HOLD_PAUSE_SECONDS)
        response.redirect(self.url("/twilio/voice/live/wait"), method="POST")
        return str(response)

    def live_conference(self, stream_url: str, parameters: dict[str, str], name: str) -> str:
        """The caller moved into the interpreter conference: the stream starts again first (as
        for a spoken reply, so captions go on whatever the update does to the old one), then
        the conference, which ends when the caller leaves it (the interpreter and the agent
        are not left talking to each other)."""
        response = VoiceResponse()
        self._start_stream(response, stream_url, parameters)
        dial = Dial()
        dial.conference(name, beep=False, end_conference_on_exit=True)
        response.append(dial)
        response.redirect(self.url("/twilio/voice/live/wait"), method="POST")
        return str(response)

    def conference_leg(self, name: str) -> str:
        """What the interpreter line (or the agent's phone) runs once it answers: the caller's
        conference, without a beep that would cut into what the caller says."""
        response = VoiceResponse()
        dial = Dial()
        dial.conference(name, beep=False, end_conference_on_exit=False)
        response.append(dial)
        return str(response)

    def live_goodbye(self, language: str) -> str:
        """The agent closed the conversation during the call: a goodbye in the caller's
        language, then the line is hung up."""
        response = VoiceResponse()
        self._speak(response, self.prompts.in_language("goodbye", language))
        response.hangup()
        return str(response)

    def reject(self) -> str:
        response = VoiceResponse()
        response.reject(reason="rejected")
        return str(response)

    def hangup(self) -> str:
        response = VoiceResponse()
        response.hangup()
        return str(response)


def _menu_order(first: str | None) -> Sequence[str]:
    codes = [language.code for language in registry.RESIDENT_LANGUAGES]
    if first in codes:
        codes.remove(first)
        codes.insert(0, first)
    return codes
