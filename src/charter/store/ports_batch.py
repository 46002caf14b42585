"""The batch part of the registry port: batch scoring runs and their deadlines.

A run is recorded when it starts and again when it ends, so a killed run stays visible as
``running`` and monitoring and policies can read missed deadlines from ``list_batch_runs``.
Re-starting a run id that already exists resets that row (the same run id replaces, never
duplicates).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

__all__ = [
    "BATCH_STATUSES",
    "BatchRunPort",
    "BatchRunRecord",
    "BatchRunStatus",
    "FinishedBatchRun",
    "NewBatchRun",
]

BatchRunStatus = Literal["running", "succeeded", "failed"]
BATCH_STATUSES: tuple[BatchRunStatus, ...] = ("running", "succeeded", "failed")


@dataclass(frozen=True)
class NewBatchRun:
    """A run about to score: which version, where from, where to, and by when."""

    model_name: str
    version: int
    run_id: str
    started_at: datetime
    started_by: str
    engine: str
    input_uri: str
    output_uri: str
    reject_uri: str
    deadline_at: datetime | None = None


@dataclass(frozen=True)
class FinishedBatchRun:
    """How a run ended: its counts, whether it met its deadline, and why it failed."""

    status: Literal["succeeded", "failed"]
    finished_at: datetime
    rows_in: int
    rows_scored: int
    rows_rejected: int
    met_deadline: bool | None = None
    error: str = ""


@dataclass(frozen=True)
class BatchRunRecord:
    """A stored batch run."""

    model_name: str
    version: int
    run_id: str
    status: BatchRunStatus
    started_at: datetime
    started_by: str
    engine: str
    input_uri: str
    output_uri: str
    reject_uri: str
    finished_at: datetime | None = None
    rows_in: int = 0
    rows_scored: int = 0
    rows_rejected: int = 0
    deadline_at: datetime | None = None
    met_deadline: bool | None = None
    error: str = ""

    @property
    def missed_deadline(self) -> bool:
        """True only when a deadline applied and the run finished after it (or failed)."""
        return self.met_deadline is False


class BatchRunPort(abc.ABC):
    """Storage batch scoring needs to record runs, rows, rejects and deadlines."""

    @abc.abstractmethod
    def start_batch_run(self, run: NewBatchRun) -> BatchRunRecord:
        """Record a run as ``running`` (resetting an earlier run with the same id) and audit it."""

    @abc.abstractmethod
    def finish_batch_run(self, name: str, run_id: str, outcome: FinishedBatchRun) -> BatchRunRecord:
        """Record how a run ended, with a ``batch.finished`` or ``batch.failed`` event."""

    @abc.abstractmethod
    def get_batch_run(self, name: str, run_id: str) -> BatchRunRecord:
        """Raise ``NotFoundError`` naming the model and run id when absent."""

    @abc.abstractmethod
    def list_batch_runs(self, name: str, since: datetime | None = None) -> list[BatchRunRecord]:
        """Runs of ``name`` started at or after ``since``, oldest first."""
