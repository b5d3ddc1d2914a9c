"""live calls

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # All nullable: calls and messages from before this revision were recorded-message calls.
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("live_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("agent_answered_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("live_ended_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("stream_sid", sa.String(length=64), nullable=True))
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("speech_ended_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("transcript_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("korean_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("korean_at")
        batch_op.drop_column("transcript_at")
        batch_op.drop_column("speech_ended_at")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_column("stream_sid")
        batch_op.drop_column("live_ended_at")
        batch_op.drop_column("agent_answered_at")
        batch_op.drop_column("live_at")
