"""The agent relay view: the waiting queue, a thread, the centre's buttons, the live feed and the
admin review list. Server-rendered pages; htmx swaps fragments, an EventSource keeps them live."""

from __future__ import annotations

from flask import Flask


def register_agent_views(app: Flask) -> None:
    """Register the agent and admin blueprints and the per-app reference data they read."""
    from relay.agent import (
        accounts_admin,
        actions,
        admin,
        floor_views,
        glossary_admin,
        memory_admin,
        phrasebook_admin,
        phrasebook_reply,
        privacy,
        reply_language,
        review,
        review_export,
        review_metrics,
        stream,
        thread,
        waiting,
    )
    from relay.agent.presenters import CHANNEL_LABELS, contact_label, recipient_label
    from relay.agent.tools import AgentTools

    app.extensions["relay_agent"] = AgentTools()
    app.jinja_env.globals["channel_labels"] = CHANNEL_LABELS
    app.add_template_filter(contact_label)
    app.add_template_filter(recipient_label)
    app.add_template_filter(privacy.masked)
    for module in (
        waiting,
        thread,
        actions,
        reply_language,
        phrasebook_reply,
        privacy,
        stream,
        admin,
        memory_admin,
        accounts_admin,
        review,
        review_export,
        review_metrics,
        glossary_admin,
        phrasebook_admin,
    ):
        app.register_blueprint(module.bp)
    floor_views.register_floor(app)
