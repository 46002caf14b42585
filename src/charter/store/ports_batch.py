"""The batch part of the registry port: batch scoring runs and their deadlines."""

from __future__ import annotations

import abc

__all__ = ["BatchRunPort"]


class BatchRunPort(abc.ABC):  # noqa: B024 - methods arrive with the batch work
    """Storage batch scoring needs to record runs, rows, rejects and deadlines."""
