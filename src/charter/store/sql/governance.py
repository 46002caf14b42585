"""Approvals, tokens and webhooks for ``SqlRegistryStore`` (filled in by the governance work)."""

from __future__ import annotations

__all__ = ["SqlGovernanceMixin"]


class SqlGovernanceMixin:
    """Governance storage methods."""
