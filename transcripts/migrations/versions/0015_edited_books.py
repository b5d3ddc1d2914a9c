"""the glossary and phrasebook as edited by admins, with their history

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Empty tables: until an admin first edits a book, the file shipped with relay is in effect.
    op.create_table(
        "book_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("book", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_book_entries_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_book_entries")),
        sa.UniqueConstraint("book", "key", name=op.f("uq_book_entries_book_key")),
    )
    op.create_table(
        "book_versions",
        sa.Column("book", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("book", name=op.f("pk_book_versions")),
    )
    op.create_table(
        "book_edits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("book", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_book_edits_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_book_edits")),
    )
    with op.batch_alter_table("book_edits", schema=None) as batch_op:
        batch_op.create_index("ix_book_edits_book_key", ["book", "key", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("book_edits", schema=None) as batch_op:
        batch_op.drop_index("ix_book_edits_book_key")
    op.drop_table("book_edits")
    op.drop_table("book_versions")
    op.drop_table("book_entries")
