"""The live feed's per-process limit: feeds beyond AGENT_SSE_MAX_STREAMS are refused at once with
503 and Retry-After, and every slot comes back when its response is closed."""

from __future__ import annotations

from typing import Any

from relay.agent.stream import FeedSlots, _HeldFeed
from tests.relay.agent_helpers import sign_in


def test_a_feed_beyond_the_limit_is_refused_until_one_closes(app_factory: Any) -> None:
    app = app_factory(AGENT_SSE_MAX_STREAMS=1, AGENT_SSE_POLL_SECONDS=0.05)
    agent = sign_in(app, "kim")
    admin = sign_in(app, "root", "admin")  # /healthz details are an admin's

    def feeds() -> Any:
        return admin.get("/healthz").json["checks"]["live_feeds"]  # type: ignore[index]

    first = agent.get("/agent/events")
    assert first.status_code == 200 and first.mimetype == "text/event-stream"
    assert next(first.iter_encoded()).startswith(b"retry:")  # the stream is being served
    assert feeds() == {"open": 1, "limit": 1, "chat_open": 0, "chat_limit": 0}

    refused = agent.get("/agent/events")
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "10"
    assert "다시 연결합니다" in refused.get_data(as_text=True)

    first.close()  # what the server does when the browser goes away
    assert feeds()["open"] == 0
    again = agent.get("/agent/events")
    assert again.status_code == 200
    again.close()


def test_no_limit_by_default_for_servers_with_a_thread_per_request(app_factory: Any) -> None:
    app = app_factory(AGENT_SSE_POLL_SECONDS=0.05)
    agent = sign_in(app, "kim")
    feeds = [agent.get("/agent/events") for _ in range(5)]
    try:
        assert [feed.status_code for feed in feeds] == [200] * 5
    finally:
        for feed in feeds:
            feed.close()


def test_a_feed_closed_before_its_first_frame_gives_its_slot_back() -> None:
    slots = FeedSlots(2)
    assert slots.try_take() and slots.try_take() and not slots.try_take()

    def frames() -> Any:
        yield "never sent"

    held = _HeldFeed(frames(), slots.release)
    held.close()
    held.close()  # a second close (server and middleware both) releases only once
    assert slots.open == 1 and slots.try_take()


def test_residents_open_chat_pages_never_take_an_agents_feed(app_factory: Any) -> None:
    """Chat pages have a pool of their own (CHAT_SSE_MAX_STREAMS): a full one refuses the next
    page in the resident's language, while agents' feeds still open."""
    from tests.relay.test_web_chat import start_chat

    app = app_factory(AGENT_SSE_MAX_STREAMS=1, CHAT_SSE_MAX_STREAMS=1, AGENT_SSE_POLL_SECONDS=0.05)
    first, second = app.test_client(), app.test_client()
    start_chat(first, "Xin chào")
    start_chat(second, "Tôi bị mất ví")
    page = first.get("/chat/c/events")
    assert page.status_code == 200 and next(page.iter_encoded()).startswith(b"retry:")
    refused = second.get("/chat/c/events", headers={"Accept-Language": "vi"})
    assert refused.status_code == 503 and "Đang kết nối lại" in refused.get_data(as_text=True)
    feed = sign_in(app, "kim").get("/agent/events")
    assert feed.status_code == 200  # the agent's feed is not the residents' to take
    feed.close()
    page.close()
