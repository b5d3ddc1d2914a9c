"""the spoken-language check kept with each recorded message

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Which language Whisper heard, beside the one the caller chose: the evidence behind the
    # "another language" notice and the interpreter mark (null for texts and older messages).
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("spoken_language", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("spoken_language")
