"""Retirement: a decommissioned model keeps its records but is never served or promoted again.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 09:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("models") as batch:
        batch.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("retired_by", sa.String(length=255), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("retire_reason", sa.Text(), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("successor", sa.String(length=255), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("models") as batch:
        batch.drop_column("successor")
        batch.drop_column("retire_reason")
        batch.drop_column("retired_by")
        batch.drop_column("retired_at")
