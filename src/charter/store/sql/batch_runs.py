"""Batch scoring runs for ``SqlRegistryStore`` (filled in by the batch work)."""

from __future__ import annotations

__all__ = ["SqlBatchRunsMixin"]


class SqlBatchRunsMixin:
    """Batch run storage methods."""
