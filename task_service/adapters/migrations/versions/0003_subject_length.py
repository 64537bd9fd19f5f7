"""Task owners are token subjects (e-mail addresses: up to 254 characters).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.alter_column(
            "user_id", existing_type=sa.String(64), type_=sa.String(255), existing_nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.alter_column(
            "user_id", existing_type=sa.String(255), type_=sa.String(64), existing_nullable=False
        )
