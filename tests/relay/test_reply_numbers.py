"""A reply that would lose a number or a term is named in the preview and never sent unconfirmed.

The composer runs on a translator whose engine mangles placeholders and drops numbers as real
models do (tests/support/mangling.py); the API runs on the real app and its tiny models.
"""

from __future__ import annotations

from flask import Flask

from languages.glossary import Glossary
from languages.sms import Sender
from languages.translation import Translator
from relay.jobs import _review_note
from relay.replies import compose_reply
from tests.relay.test_sms_round_trip import open_thread
from tests.support.app_fixtures import PUBLIC_BASE_URL, Webhooks
from tests.support.mangling import ManglingEngine
from tests.support.modelkit import TinyModels

CENTRE = Sender("120 Call Centre", "120")
ISSUE_EXAMPLE = "외국인종합안내센터 1345로 전화하세요."


def test_the_issue_example_reaches_the_resident_with_its_number() -> None:
    translator = Translator(
        [ManglingEngine(pairs=frozenset({("ko", "vi"), ("vi", "ko")}))], glossary=Glossary.default()
    )
    preview = compose_reply(
        translator, ISSUE_EXAMPLE, "vi", public_base_url=PUBLIC_BASE_URL, sender=CENTRE
    )
    assert "1345" in preview.translated_text
    assert "Trung tâm Thông tin Tổng hợp cho Người nước ngoài" in preview.translated_text
    assert preview.missing_spans == ()
    assert preview.to_json()["retried_spans"] == ["외국인종합안내센터", "1345"]


def test_a_preview_names_what_a_failed_retry_could_not_keep() -> None:
    engine = ManglingEngine(pairs=frozenset({("ko", "vi"), ("vi", "ko")}), fail_after=1)
    translator = Translator([engine], glossary=Glossary.default())
    preview = compose_reply(
        translator, ISSUE_EXAMPLE, "vi", public_base_url=PUBLIC_BASE_URL, sender=CENTRE
    )
    assert preview.to_json()["missing_spans"] == ["외국인종합안내센터", "1345"]


def test_an_agents_edit_that_drops_the_number_is_named() -> None:
    translator = Translator(
        [ManglingEngine(pairs=frozenset({("ko", "vi"), ("vi", "ko")}))], glossary=Glossary.default()
    )
    preview = compose_reply(
        translator,
        ISSUE_EXAMPLE,
        "vi",
        public_base_url=PUBLIC_BASE_URL,
        sender=CENTRE,
        edited_translation="Trung tâm Thông tin Tổng hợp cho Người nước ngoài: vui lòng gọi.",
    )
    assert preview.missing_spans == ("1345",)


def test_sending_a_reply_that_lacks_a_number_needs_confirmation(
    app: Flask, webhooks: Webhooks, auth_headers: dict[str, str], tiny_models: TinyModels
) -> None:
    summary = open_thread(app, webhooks, auth_headers, tiny_models.phrase("wallet")["vi"])
    base = f"/api/conversations/{summary['id']}/replies"
    reply = {
        "text": "010-1234-5678로 전화하세요.",
        "translated_text": "Vui lòng gọi cho chúng tôi.",
    }
    client = webhooks.client

    preview = client.post(f"{base}/preview", json=reply, headers=auth_headers)
    assert preview.status_code == 200
    assert preview.json["missing_spans"] == ["010-1234-5678"]

    refused = client.post(base, json=reply, headers=auth_headers)
    assert refused.status_code == 409
    assert refused.json["missing_spans"] == ["010-1234-5678"]
    assert "010-1234-5678" in refused.json["error"]
    assert (
        client.post(
            base, json={**reply, "confirm_missing": "yes"}, headers=auth_headers
        ).status_code
        == 400
    )

    edited = {**reply, "translated_text": "Vui lòng gọi 010-1234-5678."}
    assert (
        client.post(f"{base}/preview", json=edited, headers=auth_headers).json["missing_spans"]
        == []
    )
    confirmed = client.post(base, json={**reply, "confirm_missing": True}, headers=auth_headers)
    assert confirmed.status_code == 202, confirmed.json
    assert confirmed.json["preview"]["missing_spans"] == ["010-1234-5678"]


def test_registration_and_card_numbers_lost_inbound_raise_a_review_note() -> None:
    engine = ManglingEngine(phrases={}, pairs=frozenset({("en", "ko")}), fail_after=1)
    translation = Translator([engine], glossary=Glossary.default()).translate(
        "My card is 1234-5678-9012-3456 and my number is 900101-5123456.", "en", "ko"
    )
    note = _review_note(translation.missing_spans)
    assert note is not None
    assert "카드번호 …3456" in note and "등록번호 …3456" in note
    assert "900101" not in note  # the note names it without repeating the number
