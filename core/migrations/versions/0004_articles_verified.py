"""articles.verified and articles.quarantined

A page or text a caller submitted is kept apart from what the service fetched itself: it serves
that caller's comparison, never other callers' coverage. Every article stored before is one the
service fetched or was given by its operator. An article stored before the size caps and over
them is quarantined at startup: kept, never processed or compared again.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 12:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("verified", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("quarantined", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("quarantined")
        batch_op.drop_column("verified")
