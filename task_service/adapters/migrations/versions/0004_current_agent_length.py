"""``current_agent`` holds every agent of the shared pass, comma-separated:
the five profile agents (79 characters) did not fit in 64, and PostgreSQL
refused the progress update (SQLite never checks lengths). 512 holds every
agent of either tool.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.alter_column(
            "current_agent",
            existing_type=sa.String(64),
            type_=sa.String(512),
            existing_nullable=True,
        )


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.alter_column(
            "current_agent",
            existing_type=sa.String(512),
            type_=sa.String(64),
            existing_nullable=True,
        )
