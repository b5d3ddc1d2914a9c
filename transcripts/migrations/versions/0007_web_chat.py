"""web chat: the channel's secrets (hashed), its rate limits, and read state of replies

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Channel is stored as a plain string (no database enum), so "web" needs no change there.
    op.create_table(
        "chat_secrets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_chat_secrets_conversation_id_conversations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_secrets")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_chat_secrets_secret_hash")),
    )
    with op.batch_alter_table("chat_secrets", schema=None) as batch_op:
        batch_op.create_index("ix_chat_secrets_conversation", ["conversation_id"], unique=False)
    op.create_table(
        "chat_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_hits")),
    )
    with op.batch_alter_table("chat_hits", schema=None) as batch_op:
        batch_op.create_index("ix_chat_hits_key_time", ["key", "at"], unique=False)
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("callback_phone", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("chat_revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("agent_typing_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("read_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("nudged_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("nudged_at")
        batch_op.drop_column("read_at")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("agent_typing_at")
        batch_op.drop_column("chat_revoked_at")
        batch_op.drop_column("callback_phone")
    with op.batch_alter_table("chat_hits", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_hits_key_time")
    op.drop_table("chat_hits")
    with op.batch_alter_table("chat_secrets", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_secrets_conversation")
    op.drop_table("chat_secrets")
