"""Batch scoring runs: one row per run id per model, with counts and the deadline outcome.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 03:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "batch_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", _TIMESTAMP, nullable=False),
        sa.Column("started_by", sa.String(length=255), nullable=False),
        sa.Column("finished_at", _TIMESTAMP, nullable=True),
        sa.Column("rows_in", sa.BigInteger(), nullable=False),
        sa.Column("rows_scored", sa.BigInteger(), nullable=False),
        sa.Column("rows_rejected", sa.BigInteger(), nullable=False),
        sa.Column("deadline_at", _TIMESTAMP, nullable=True),
        sa.Column("met_deadline", sa.Boolean(), nullable=True),
        sa.Column("engine", sa.String(length=16), nullable=False),
        sa.Column("input_uri", sa.Text(), nullable=False),
        sa.Column("output_uri", sa.Text(), nullable=False),
        sa.Column("reject_uri", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"], ["models.id"], name=op.f("fk_batch_runs_model_id_models")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_runs")),
        sa.UniqueConstraint("model_id", "run_id", name=op.f("uq_batch_runs_model_id")),
    )
    op.create_index(
        "ix_batch_runs_model_id_started_at", "batch_runs", ["model_id", "started_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_batch_runs_model_id_started_at", table_name="batch_runs")
    op.drop_table("batch_runs")
