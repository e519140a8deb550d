"""outlets.added_at: outlets a newsroom added through the API

The registry file lists the outlets the service ships with and is read at every start; an outlet
added through `POST /outlets` lives only in the store, so startup must know which rows those
are. Rows stored before are the registry's.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 19:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outlets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("added_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outlets", schema=None) as batch_op:
        batch_op.drop_column("added_at")
