"""The spoken-language check on a live call: is the caller speaking the menu's language?

A caller who speaks a language relay does not serve presses 1 because no key is theirs, and
Whisper forced to English writes its own English rendering of what they said. On a live call
that must show while the caller is still on the line, so the check runs in the speech lane on
the call's first utterance long enough to judge (MIN_SPEECH_SECONDS: shorter greetings such as
"hello" or "allô" are too thin for the detection), once per call, before that utterance's
caption is saved. The outcome is kept with that message, so a stream that restarts (a reply,
the interpreter conference) or another web node finds the call already checked.

When the speech differs, that message carries the Korean notice, the conversation is marked
for an interpreter (the thread's live strip offers 3자 통역 연결 at once, pushed by the live
feed), and every later caption of the call is labelled a machine rendering too.
"""

from __future__ import annotations

import logging

from languages.audio import Samples
from languages.speech import SpeechError, SpokenLanguageDetector
from languages.spoken import check_from_json, check_spoken_language
from relay.services import Services
from transcripts.voice_messages import HeardLanguage

log = logging.getLogger(__name__)

#: The shortest utterance the check judges; the first longer one of the call is checked.
MIN_SPEECH_SECONDS = 1.5


def check_live_utterance(
    svc: Services,
    message_id: int,
    call_sid: str,
    language: str,
    samples: Samples,
    margin: float,
) -> None:
    """Check the call's first long enough utterance, or carry the call's outcome onto this
    one. A failed check costs the caption nothing: it is logged and the caption goes on."""
    earlier = check_from_json(svc.record.live.spoken_check_of(call_sid))
    if earlier is not None:
        if earlier.differs:  # the later captions are machine renderings too, quietly
            svc.record.voice.record_spoken_language(
                message_id, HeardLanguage(earlier.to_json_dict(), differs=False)
            )
        return
    recognizer = svc.languages.recognizer()
    if len(samples) < MIN_SPEECH_SECONDS * 16_000:
        return
    if not isinstance(recognizer, SpokenLanguageDetector):
        return
    try:
        check = check_spoken_language(recognizer, samples, language, margin)
    except SpeechError as error:
        log.warning("spoken-language check of live message %s failed: %s", message_id, error)
        return
    if check is None:
        return  # no speech in it: a later utterance is checked instead
    log.info(
        "live call %s: menu %s, heard %s (%.2f) in %.2f s%s",
        *(call_sid, check.chosen, check.spoken, check.probability, check.seconds),
        ", flagged" if check.differs else "",
    )
    svc.record.voice.record_spoken_language(
        message_id,
        HeardLanguage(check.to_json_dict(), check.differs, check.notice if check.differs else None),
    )
