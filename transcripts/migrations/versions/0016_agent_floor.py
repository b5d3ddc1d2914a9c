"""agents' availability (and since when) and the languages they serve

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 00:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column(
                "availability",
                sa.Enum(
                    "available",
                    "away",
                    "after_call",
                    name="availability",
                    native_enum=False,
                    length=16,
                ),
                nullable=False,
                server_default="away",
            )
        )
        batch.add_column(sa.Column("availability_since", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("languages", sa.String(64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("languages")
        batch.drop_column("availability_since")
        batch.drop_column("availability")
