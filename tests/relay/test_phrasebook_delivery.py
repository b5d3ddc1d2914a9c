"""Every phrasebook answer reaches the resident whole: English and Korean ones in the SMS itself,
and no answer goes as a link because of its punctuation (an en dash once sent an English answer
as a link). Letters Korean handsets lack (Vietnamese tones, simplified Chinese) still send a
link to the page with the whole text."""

from __future__ import annotations

import unicodedata

import pytest

from languages import sms
from languages.phrasebook import LANGUAGE_ORDER, Phrasebook
from relay.replies import for_sms

SENDER = sms.Sender("Seoul 120", "02-120")
BOOK = Phrasebook()
CASES = [(entry.id, code) for entry in BOOK.entries() for code in LANGUAGE_ORDER]


@pytest.mark.parametrize(("entry_id", "language"), CASES)
def test_every_answer_is_delivered_whole(entry_id: str, language: str) -> None:
    text = BOOK.get(entry_id).text(language)
    carried = for_sms(text, language, "https://relay.example", SENDER)
    punctuation = [c for c in carried.undeliverable if not unicodedata.category(c).startswith("L")]
    assert punctuation == [], f"{entry_id} ({language}) goes as a link for {punctuation}"
    if language in ("en", "ko"):
        assert carried.token is None, f"{entry_id} ({language}) would go as a link"
    if carried.token is None:
        assert carried.body == sms.travelling(text)  # the whole answer, in the SMS itself
        assert not sms.analyse(carried.body).undeliverable
    else:
        assert carried.token in carried.body  # the link to the page with the whole answer


def test_dashes_and_guillemets_travel_as_marks_handsets_have() -> None:
    text = "Open 09:00\u201318:00 \u2014 \u00abcall\u00bb \u30fb ok"
    assert sms.undeliverable_in_korea(text)
    carried = for_sms(text, "en", "https://relay.example", SENDER)
    assert carried.token is None
    assert carried.body == 'Open 09:00-18:00 - "call" \u00b7 ok'
