"""Batch scoring runs (tables arrive with the batch work).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 03:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Reserved in the chain so the governance and batch revisions can be written in parallel."""


def downgrade() -> None:
    """Nothing to undo yet."""
