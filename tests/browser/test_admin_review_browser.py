"""Admin review in a real browser: the segment being heard is highlighted while a recording
plays, and a correction made from the thread shows at once."""

from __future__ import annotations

import wave
from pathlib import Path
from typing import Any

import pytest

from relay.services import services
from tests.browser.conftest import LiveRelay, sign_in
from tests.support.voice_seed import seed_voice_message, seg

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _recording(relay: LiveRelay, seconds: float = 4.0) -> str:
    """A quiet WAV in the app's recordings folder; returns its path relative to the instance."""
    folder = Path(relay.app.config["INSTANCE_PATH"]) / "recordings"
    folder.mkdir(parents=True, exist_ok=True)
    with wave.open(str(folder / "review.wav"), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * int(8000 * seconds))
    return "recordings/review.wav"


def _voice_thread(relay: LiveRelay) -> int:
    segments = [
        seg(0.0, 2.0, "I lost my wallet.", "지갑을 잃어버렸어요."),
        seg(2.0, 4.0, "On the buzz.", "버즈에서."),
    ]
    sessions = services(relay.app).sessions
    audio = _recording(relay)
    return seed_voice_message(
        sessions, segments, phone="+821088887777", audio_path=audio, audio_seconds=4.0
    )[0]


def test_playing_segment_is_highlighted_and_a_correction_shows(
    chromium: Any, live_relay: LiveRelay
) -> None:
    cid = _voice_thread(live_relay)
    admin = sign_in(chromium, live_relay, live_relay.user("chief", "admin"))
    admin.goto(f"{live_relay.url}/agent/conversations/{cid}")
    second = admin.locator("button.segment").nth(1)
    first = admin.locator("button.segment").nth(0)
    second.click()
    admin.wait_for_function(
        "document.querySelectorAll('button.segment')[1].classList.contains('playing')",
        timeout=5000,
    )
    assert second.get_attribute("aria-current") == "true"
    assert "playing" not in (first.get_attribute("class") or "")
    first.click()
    admin.wait_for_function(
        "document.querySelectorAll('button.segment')[0].classList.contains('playing')",
        timeout=5000,
    )
    assert "playing" not in (second.get_attribute("class") or "")

    admin.locator("details.correct summary").click()
    fix = admin.locator("form.segment-fix").nth(1)
    fix.locator('input[name="text"]').fill("On the bus.")
    fix.locator('input[name="korean"]').fill("버스에서.")
    # A live refresh of the message list while the admin types keeps the form as it is.
    admin.evaluate("document.body.dispatchEvent(new CustomEvent('relay:thread'))")
    admin.wait_for_timeout(600)
    assert fix.locator('input[name="korean"]').input_value() == "버스에서."
    assert admin.locator("details.correct").get_attribute("open") is not None
    fix.locator("button[type=submit]").click()
    admin.wait_for_selector(".flash.ok")
    messages = admin.locator("#messages").inner_text()
    assert "버스에서." in messages and "chief 수정" in messages
