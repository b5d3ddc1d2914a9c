"""The public reply page /r/<token>: no caching by shared proxies, no indexing, escaped text,
and an unknown token looks exactly like any other missing page."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select, update

from relay.services import services
from tests.support.app_fixtures import Webhooks
from transcripts.models import Conversation, ConversationStatus, Message

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)> Xin chào"


def _page_token(app: Flask) -> str:
    Webhooks(app.test_client()).sms("hello")
    token = "Tk" + "a" * 20
    with services(app).sessions() as session, session.begin():
        message_id = session.scalars(select(Message.id)).one()
        session.execute(
            update(Message)
            .where(Message.id == message_id)
            .values(
                reply_token=token,
                original_text=HOSTILE,
                translated_text=HOSTILE,
                translated_language="vi",
            )
        )
    return token


def _close_all(app: Flask) -> None:
    with services(app).sessions() as session, session.begin():
        session.execute(update(Conversation).values(status=ConversationStatus.CLOSED))


@pytest.mark.parametrize("conversation", ["open", "closed"])
def test_reply_page_is_private_uncached_unindexed_and_escaped(
    app: Flask, conversation: str
) -> None:
    """An open conversation's link leads to its chat page, a closed one's shows the reply
    alone; both are private, unindexed and escaped."""
    token = _page_token(app)
    if conversation == "closed":
        _close_all(app)
    response = app.test_client().get(f"/r/{token}", follow_redirects=True)
    assert response.status_code == 200
    cache = {d.strip() for d in response.headers.get("Cache-Control", "").split(",")}
    assert {"private", "no-store"} <= cache
    assert "noindex" in response.headers.get("X-Robots-Tag", "")
    assert response.headers.get("Referrer-Policy") == "no-referrer"
    html = response.get_data(as_text=True)
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Xin chào" in html
    # A resident's page: no way into the staff pages from it, and the time is Korea's.
    assert "/login" not in html and "/dev/" not in html and "/agent" not in html
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d KST</time>", html)


def test_unknown_tokens_are_plain_uncached_404s(app: Flask) -> None:
    _page_token(app)
    client = app.test_client()
    answers = [client.get(f"/r/{t}") for t in ("Tk" + "b" * 20, "x", "T" * 65, "Tk%00")]
    assert {a.status_code for a in answers} == {404}
    assert len({a.get_data() for a in answers}) == 1  # nothing tells one miss from another
    for answer in answers:
        assert "no-store" in answer.headers.get("Cache-Control", "")
        assert "noindex" in answer.headers.get("X-Robots-Tag", "")
