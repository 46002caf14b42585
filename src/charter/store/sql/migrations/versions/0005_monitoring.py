"""Monitoring: per-window figures (one row per model, version, window start and metric) and labels.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 04:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "monitoring_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("window_start", _TIMESTAMP, nullable=False),
        sa.Column("window_end", _TIMESTAMP, nullable=False),
        sa.Column("metric", sa.String(length=255), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("computed_at", _TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"], ["models.id"], name=op.f("fk_monitoring_points_model_id_models")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_points")),
        sa.UniqueConstraint(
            "model_id", "version", "window_start", "metric", name="uq_monitoring_points_key"
        ),
    )
    op.create_index(
        op.f("ix_monitoring_points_model_id"), "monitoring_points", ["model_id"], unique=False
    )
    op.create_table(
        "labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=255), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("received_at", _TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"], ["models.id"], name=op.f("fk_labels_model_id_models")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_labels")),
        sa.UniqueConstraint("model_id", "request_id", name="uq_labels_model_id"),
    )
    op.create_index(op.f("ix_labels_model_id"), "labels", ["model_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_labels_model_id"), table_name="labels")
    op.drop_table("labels")
    op.drop_index(op.f("ix_monitoring_points_model_id"), table_name="monitoring_points")
    op.drop_table("monitoring_points")
