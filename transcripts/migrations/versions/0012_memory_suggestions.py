"""the translation memory reviewed by admins: agents' suggestions, approvals, use counts

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from transcripts.masking import holds_personal_data

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "memory_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("target", sa.String(length=8), nullable=False),
        sa.Column("normalised_text", sa.Text(), nullable=False),
        sa.Column("source_text", sa.Text(), nullable=False),
        sa.Column("target_text", sa.Text(), nullable=False),
        sa.Column("machine_text", sa.Text(), nullable=True),
        sa.Column("suggested_by_id", sa.Integer(), nullable=True),
        sa.Column("suggested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("times", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_text", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["users.id"],
            name=op.f("fk_memory_suggestions_reviewed_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["suggested_by_id"],
            ["users.id"],
            name=op.f("fk_memory_suggestions_suggested_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memory_suggestions")),
    )
    with op.batch_alter_table("memory_suggestions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_memory_suggestions_key", ["source", "target", "normalised_text"], unique=False
        )
        batch_op.create_index("ix_memory_suggestions_status", ["status", "id"], unique=False)
    with op.batch_alter_table("translation_memory", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approved_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("uses", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_translation_memory_approved_by_id_users"),
            "users",
            ["approved_by_id"],
            ["id"],
        )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_kind", ["kind", "id"], unique=False)
    _review_existing_entries()


def _review_existing_entries() -> None:
    """Entries kept before review existed: an agent's become pending suggestions, an admin's
    (corrections) count as approved by them, and any holding personal data are dropped."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT m.id, m.source, m.target, m.normalised_text, m.source_text, m.target_text,"
            " m.created_by_id, m.created_at, u.role FROM translation_memory m"
            " LEFT JOIN users u ON u.id = m.created_by_id"
        )
    ).all()
    for row in rows:
        if holds_personal_data(row.source_text) or holds_personal_data(row.target_text):
            connection.execute(
                sa.text("DELETE FROM translation_memory WHERE id = :id"), {"id": row.id}
            )
        elif row.role == "agent":
            connection.execute(
                sa.text(
                    "INSERT INTO memory_suggestions (source, target, normalised_text,"
                    " source_text, target_text, suggested_by_id, suggested_at, times, status)"
                    " VALUES (:source, :target, :key, :source_text, :target_text, :user,"
                    " :at, 1, 'pending')"
                ),
                {
                    "source": row.source,
                    "target": row.target,
                    "key": row.normalised_text,
                    "source_text": row.source_text,
                    "target_text": row.target_text,
                    "user": row.created_by_id,
                    "at": row.created_at,
                },
            )
            connection.execute(
                sa.text("DELETE FROM translation_memory WHERE id = :id"), {"id": row.id}
            )
        else:
            connection.execute(
                sa.text(
                    "UPDATE translation_memory SET approved_by_id = created_by_id,"
                    " approved_at = created_at WHERE id = :id"
                ),
                {"id": row.id},
            )


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_kind")
    with op.batch_alter_table("translation_memory", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("fk_translation_memory_approved_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("last_used_at")
        batch_op.drop_column("uses")
        batch_op.drop_column("approved_at")
        batch_op.drop_column("approved_by_id")
    with op.batch_alter_table("memory_suggestions", schema=None) as batch_op:
        batch_op.drop_index("ix_memory_suggestions_status")
        batch_op.drop_index("ix_memory_suggestions_key")
    op.drop_table("memory_suggestions")
