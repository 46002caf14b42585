"""The work of one partition on a Dask worker: read, score, and write its own part files.

Everything here pickles: the task carries the plan (model, charter), the partition and the paths
in the run's work folder, and the result only counts. Part files go to storage the client and the
workers share (the output's folder or an fsspec URL), and only the client moves them into place.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from dataclasses import dataclass

import fsspec
import pyarrow as pa

from charter.batch.files import OutputFormat, TableFileWriter
from charter.batch.scorer import ScoringPlan, score_batch
from charter.batch.sources import Partition, read_partition

__all__ = ["PartitionResult", "PartitionTask", "count_rows", "run_partition"]

TOP_REASONS = 5


@dataclass(frozen=True)
class PartitionTask:
    """Score one partition into part files under ``work`` (a URL the workers can reach)."""

    plan: ScoringPlan
    partition: Partition
    batch_rows: int
    work: str
    kind: OutputFormat
    scores_schema: pa.Schema
    rejects_schema: pa.Schema


@dataclass(frozen=True)
class PartitionResult:
    """What a partition did: counts, its part files, and its most common reject reasons."""

    index: int
    rows_in: int
    rows_scored: int
    rows_rejected: int
    scores_file: str
    rejects_file: str
    log_file: str
    rows_logged: int
    reasons: tuple[tuple[str, int], ...]


def reason_keys(reasons: pa.Array) -> Counter[str]:
    """Count rejects by ``field: rule`` text (the part before any offending value)."""
    counts: Counter[str] = Counter()
    for text in reasons.to_pylist():
        for part in str(text).split("; "):
            counts[part.split(",")[0][:80]] += 1
    return counts


def run_partition(task: PartitionTask) -> PartitionResult:
    """Score ``task.partition``; write its scores, rejects and log lines as part files."""
    index = task.partition.index
    name = f"part-{index:05d}"
    fs, work = fsspec.core.url_to_fs(task.work)
    scores_path = posixpath.join(work, "scores", f"{name}.{task.kind}")
    rejects_path = posixpath.join(work, "rejects", f"{name}.{task.kind}")
    log_path = posixpath.join(work, "predlog", f"{name}.jsonl")
    for folder in ("scores", "rejects", "predlog"):
        fs.makedirs(posixpath.join(work, folder), exist_ok=True)
    scores = TableFileWriter(fs, scores_path, task.kind, task.scores_schema)
    rejects = TableFileWriter(fs, rejects_path, task.kind, task.rejects_schema)
    rows_in = logged = 0
    reasons: Counter[str] = Counter()
    offset = task.partition.offset or 0
    with fs.open(log_path, "wb") as log:
        for batch in read_partition(task.partition, batch_rows=task.batch_rows):
            done = score_batch(task.plan, batch, offset + rows_in)
            rows_in += done.rows_in
            scores.write(done.scores)
            if done.rows_rejected:
                rejects.write(done.rejects)
                reasons.update(reason_keys(done.rejects.column("reason")))
            if done.rows_logged:
                log.write(done.log)
                logged += done.rows_logged
    scores.close()
    rejects.close()
    return PartitionResult(
        index=index,
        rows_in=rows_in,
        rows_scored=scores.rows,
        rows_rejected=rejects.rows,
        scores_file=fs.unstrip_protocol(scores_path),
        rejects_file=fs.unstrip_protocol(rejects_path),
        log_file=fs.unstrip_protocol(log_path),
        rows_logged=logged,
        reasons=tuple(reasons.most_common(TOP_REASONS)),
    )


def count_rows(partition: Partition) -> int:
    """Rows in a partition whose size its metadata does not say (CSV, JSON Lines)."""
    if partition.rows is not None:
        return partition.rows
    return sum(b.num_rows for b in read_partition(partition, batch_rows=1 << 16))
