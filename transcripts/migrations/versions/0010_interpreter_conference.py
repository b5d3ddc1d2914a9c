"""the interpreter conference of a live call, and the agent's own phone

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # All nullable: no account had a phone and no call had a conference before this revision.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agent_phone", sa.String(length=32), nullable=True))
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("conference_name", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("conference_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_column("conference_at")
        batch_op.drop_column("conference_name")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("agent_phone")
