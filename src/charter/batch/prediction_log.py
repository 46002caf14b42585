"""Batch predictions into the prediction log, only once the run's output is published.

Workers turn sampled rows into spool lines (column blocks, ``charter.predlog.encode_block``,
inputs already through the charter's PII policy, so no identifier is ever written in clear) in a
staging file; after the output is moved into place the staging files are renamed into the spool
as closed spool files, which the compactor then treats like any other. A failed or killed run
thus logs nothing, and a record's request id is ``<run id>:<row number>``, the same on every
engine and every retry.

A block of up to ``ROWS_PER_LINE`` rows is one line: encoding column by column costs a few C-level
calls per column where a line per row cost more than scoring itself at a million rows.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd

from charter.predlog import LogPlan, encode_block, should_sample
from charter.predlog.spool import CLOSED_SUFFIX

__all__ = ["ROWS_PER_LINE", "StagedLog", "log_block", "sampled"]

ROWS_PER_LINE = 10_000  # bounds the memory of expanding one line at compaction
_ROTATE_BYTES = 64 * 1024 * 1024  # the spool writer's own rotation size: compaction stays bounded


def sampled(request_ids: Sequence[str], rate: float) -> list[int]:
    """Positions of the ids the charter's sample rate keeps (deterministic per id)."""
    if rate >= 1.0:
        return list(range(len(request_ids)))
    return [i for i, request_id in enumerate(request_ids) if should_sample(request_id, rate)]


def log_block(
    request_ids: Sequence[str],
    inputs: pd.DataFrame,
    outputs: pd.DataFrame,
    *,
    plan: LogPlan,
    model: str,
    version: int,
    run_id: str,
) -> bytes:
    """The spool lines of these rows (one per ``ROWS_PER_LINE``), with their newlines."""
    if "reasons" in outputs.columns:
        parsed: list[Any] = [json.loads(v) if v else None for v in outputs["reasons"]]
        outputs = outputs.assign(reasons=pd.Series(parsed, index=outputs.index, dtype=object))
    at = datetime.now(UTC)
    parts = []
    for start in range(0, len(request_ids), ROWS_PER_LINE):
        stop = start + ROWS_PER_LINE
        chunk_in = inputs.iloc[start:stop]
        chunk_out = outputs.iloc[start:stop]
        parts.append(
            encode_block(
                request_ids=request_ids[start:stop],
                model=model,
                version=version,
                source="batch",
                inputs=plan.inputs({c: chunk_in[c] for c in chunk_in.columns}),
                outputs={c: chunk_out[c] for c in chunk_out.columns},
                latency_ms=None,
                at=at,
                run_id=run_id,
            )
        )
    return b"".join(parts)


class StagedLog:
    """Spool lines staged beside the spool, handed over whole when the run is published."""

    def __init__(self, spool_dir: Path, name: str) -> None:
        self.spool_dir = spool_dir
        self.folder = spool_dir.parent / "staging" / name
        self.folder.mkdir(parents=True, exist_ok=True)
        self._files: list[Path] = []
        self._handle: BinaryIO | None = None
        self._size = 0
        self.count = 0

    def write(self, payload: bytes, rows: int) -> None:
        """Stage complete spool lines holding ``rows`` predictions."""
        if not payload:
            return
        handle = self._handle
        if handle is None or self._size >= _ROTATE_BYTES:
            handle = self._rotate()
        handle.write(payload)
        self._size += len(payload)
        self.count += rows

    def _rotate(self) -> BinaryIO:
        if self._handle is not None:
            self._handle.close()
        path = self.folder / f"{len(self._files):06d}.jsonl"
        self._files.append(path)
        self._handle = handle = path.open("wb")
        self._size = 0
        return handle

    def publish(self) -> int:
        """Rename every staged file into the spool (same file system: one rename each)."""
        self.close()
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        stamp = time.time_ns()
        for number, path in enumerate(self._files):
            target = f"spool-{os.getpid()}-{stamp}-batch{number:06d}{CLOSED_SUFFIX}"
            os.replace(path, self.spool_dir / target)
        self._files = []
        return self.count

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def discard(self) -> None:
        self.close()
        for path in self._files:
            path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # leftovers in staging never reach the spool
            self.folder.rmdir()
