"""message corrections

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("machine_original_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("corrected_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_messages_corrected_by_id_users"), "users", ["corrected_by_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_messages_corrected_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("corrected_at")
        batch_op.drop_column("corrected_by_id")
        batch_op.drop_column("machine_original_text")
