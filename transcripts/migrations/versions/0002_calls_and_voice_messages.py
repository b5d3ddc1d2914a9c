"""calls and voice messages

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 00:57:45.258132
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column(
            "direction",
            sa.Enum("inbound", "outbound", name="direction", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "ringing",
                "in_progress",
                "completed",
                "abandoned",
                "busy",
                "no_answer",
                "failed",
                "canceled",
                name="callstatus",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("from_number", sa.String(length=64), nullable=True),
        sa.Column("to_number", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("menu_attempts", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_calls_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_calls_conversation_id_conversations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
        sa.UniqueConstraint("call_sid", name=op.f("uq_calls_call_sid")),
    )
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.create_index("ix_calls_conversation", ["conversation_id", "id"], unique=False)

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("call_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("recording_sid", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("recording_url", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("audio_path", sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column("audio_seconds", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("segments", sa.JSON(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_messages_recording_sid"), ["recording_sid"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_messages_call_id_calls"), "calls", ["call_id"], ["id"]
        )


def downgrade() -> None:

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_messages_call_id_calls"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_messages_recording_sid"), type_="unique")
        batch_op.drop_column("segments")
        batch_op.drop_column("audio_seconds")
        batch_op.drop_column("audio_path")
        batch_op.drop_column("recording_url")
        batch_op.drop_column("recording_sid")
        batch_op.drop_column("call_id")

    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index("ix_calls_conversation")

    op.drop_table("calls")
