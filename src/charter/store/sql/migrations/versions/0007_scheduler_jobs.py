"""Scheduler: one row per job slot `charter run` claimed (monitoring window, batch slot).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "scheduler_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=32), nullable=False),
        sa.Column("slot", _TIMESTAMP, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", _TIMESTAMP, nullable=False),
        sa.Column("lease_until", _TIMESTAMP, nullable=False),
        sa.Column("finished_at", _TIMESTAMP, nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"], ["models.id"], name=op.f("fk_scheduler_jobs_model_id_models")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduler_jobs")),
        sa.UniqueConstraint("model_id", "job", "slot", name="uq_scheduler_jobs_slot"),
    )
    op.create_index(
        op.f("ix_scheduler_jobs_model_id"), "scheduler_jobs", ["model_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_scheduler_jobs_model_id"), table_name="scheduler_jobs")
    op.drop_table("scheduler_jobs")
