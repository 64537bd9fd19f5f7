"""Retention bookkeeping: when a task became terminal and when its input
and output files were deleted.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from task_service.adapters.db import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("terminal_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("inputs_deleted_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("outputs_deleted_at", UTCDateTime(), nullable=True))
    op.execute(
        "UPDATE tasks SET terminal_at = COALESCE(completed_at, failed_at, cancelled_at, "
        "expired_at) WHERE status IN ('COMPLETED', 'FAILED', 'CANCELLED', 'EXPIRED')"
    )
    op.create_index("ix_tasks_status_updated", "tasks", ["status", "updated_at"])
    op.create_index("ix_tasks_terminal_at", "tasks", ["terminal_at"])


def downgrade() -> None:
    op.drop_index("ix_tasks_terminal_at", table_name="tasks")
    op.drop_index("ix_tasks_status_updated", table_name="tasks")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("outputs_deleted_at")
        batch.drop_column("inputs_deleted_at")
        batch.drop_column("terminal_at")
