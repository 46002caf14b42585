"""Governance: approvals, tokens and webhooks (tables arrive with the governance work).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 03:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Reserved in the chain so the governance and batch revisions can be written in parallel."""


def downgrade() -> None:
    """Nothing to undo yet."""
