"""a blocked contact's message is "blocked", not "failed"

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 23:30:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Messages held because their contact was blocked were stored as failed with this reason.
    op.execute(
        "UPDATE messages SET status = 'blocked', "
        "status_reason = '차단된 번호의 메시지: 보관만 하고 번역하지 않았습니다' "
        "WHERE status = 'failed' AND status_reason LIKE '차단된 번호의 메시지%'"
    )


def downgrade() -> None:
    op.execute("UPDATE messages SET status = 'failed' WHERE status = 'blocked'")
