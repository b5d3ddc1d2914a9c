"""since when each resident has waited for an answer, for the queue's order

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 23:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# An open conversation waits since its oldest resident message after the last answer a person
# gave (an agent's reply or a phrasebook answer); one with no such message is not waiting.
_BACKFILL = """
UPDATE conversations SET awaiting_since = (
    SELECT MIN(m.created_at) FROM messages m
    WHERE m.conversation_id = conversations.id
      AND m.direction = 'inbound'
      AND NOT EXISTS (
          SELECT 1 FROM messages a
          WHERE a.conversation_id = conversations.id
            AND a.direction = 'outbound'
            AND a.author IN ('agent', 'phrasebook')
            AND a.created_at >= m.created_at
      )
)
WHERE status = 'open'
"""


def upgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("awaiting_since", sa.DateTime(timezone=True), nullable=True))
    op.execute(_BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("awaiting_since")
