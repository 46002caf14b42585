"""Policies: the last firing of each policy of each model (hysteresis, cooldown, idempotence).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 05:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "policy_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("policy_key", sa.String(length=512), nullable=False),
        sa.Column("metric", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("window_start", _TIMESTAMP, nullable=False),
        sa.Column("window_end", _TIMESTAMP, nullable=False),
        sa.Column("fired_at", _TIMESTAMP, nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"], ["models.id"], name=op.f("fk_policy_states_model_id_models")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_states")),
        sa.UniqueConstraint("model_id", "policy_key", name="uq_policy_states_key"),
    )
    op.create_index(op.f("ix_policy_states_model_id"), "policy_states", ["model_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_policy_states_model_id"), table_name="policy_states")
    op.drop_table("policy_states")
