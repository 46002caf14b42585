"""Batch scoring: a registered version over files or tables, into files or tables, on a deadline.

``score(registry, "adult-income@production", source=…, sink=…)`` streams the input as Arrow
record batches through the charter's input checks and the model, writes the scores atomically
(rejected rows to a reject file beside them, with the reason per row), records the run with its
counts and deadline verdict, and hands sampled predictions to the prediction log. The work runs
in this process or, with ``engine="dask"``, one task per file or row group on a Dask cluster.
"""

from __future__ import annotations

from charter.batch.result import BatchProgress, BatchRunResult, deadline_for
from charter.batch.scorer import ROW_NUMBER
from charter.batch.service import DEFAULT_BATCH_ROWS, new_run_id, score

__all__ = [
    "DEFAULT_BATCH_ROWS",
    "ROW_NUMBER",
    "BatchProgress",
    "BatchRunResult",
    "deadline_for",
    "new_run_id",
    "score",
]
