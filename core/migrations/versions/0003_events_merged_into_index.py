"""index events.merged_into

Following merges into an event (every comparison reads its members) scanned the events table.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 05:20:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_merged_into"), ["merged_into"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_merged_into"))
