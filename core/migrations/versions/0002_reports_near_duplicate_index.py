"""index reports.near_duplicate_of

Finding a report's reprints (every /compare that loads its event) scanned the reports table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 03:10:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reports_near_duplicate_of"), ["near_duplicate_of"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reports_near_duplicate_of"))
