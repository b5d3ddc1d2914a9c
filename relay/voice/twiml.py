"""TwiML documents for the phone line: the language menu, recording a message, spoken replies.

Builders take plain values (URLs, languages, texts) and return XML strings made by the twilio
library's VoiceResponse, so views stay thin and every document can be tested on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from twilio.twiml.voice_response import Gather, VoiceResponse

from languages import registry
from relay.voice.prompts import Prompts, Spoken

# Seconds of silence that end a recording: callers pause while thinking in a second language.
RECORD_SILENCE_SECONDS = 10
MENU_TIMEOUT_SECONDS = 6


class TwimlBuilder:
    """Builds TwiML with absolute URLs under the public base (Twilio signs what it requests)."""

    def __init__(self, prompts: Prompts, url: Callable[[str], str]) -> None:
        self.prompts = prompts
        self.url = url  # path -> absolute URL

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
        return str(response)

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
