"""indexes for a resident's history and an agent's own conversations

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 21:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A thread lists the resident's other conversations, and the queue lists the agent's own:
    # without these, both read every conversation ever kept (60 ms at a million, and growing).
    op.create_index("ix_conversations_contact", "conversations", ["contact_id", "id"])
    op.create_index(
        "ix_conversations_claimed", "conversations", ["claimed_by_id", "status", "last_message_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_conversations_claimed", table_name="conversations")
    op.drop_index("ix_conversations_contact", table_name="conversations")
