"""The local engine keeps nothing per chunk: memory after chunk 60 is memory after chunk 10.

No timing and no resident-set figures (those depend on the allocator and on the parent process:
on Linux a child's ``ru_maxrss`` starts at its parent's peak). ``tracemalloc`` counts the Python
objects still alive after each chunk and ``pyarrow.total_allocated_bytes`` the Arrow buffers, with
prediction logging on (every row logged) and a rejected row in every chunk, so the output writers,
the staged log, the tally and the reject path all run 60 times.
"""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from charter.batch import score
from charter.batch.result import BatchProgress
from charter.registry import Registry

CHUNK_ROWS = 500
CHUNKS = 60
WARM_UP = 10  # first chunks: imports, caches, the writers' buffers
GROWTH_LIMIT = 256 * 1024
"""Bytes allowed to appear after chunk 10 (25,000 more rows: ~10 bytes a row); measured: ~40 KiB,
levelling off (caches filling), where holding each chunk's log lines alone would add ~100 KiB a
chunk."""


@pytest.mark.slow
def test_memory_held_between_chunks_does_not_grow(
    registry: Registry, adult_test_rows: pd.DataFrame, tmp_path: Path, home: Path
) -> None:
    rows = adult_test_rows.drop(columns=["customer_id"])
    data = rows.sample(n=CHUNK_ROWS * CHUNKS, replace=True, random_state=3).reset_index(drop=True)
    data.loc[data.index % CHUNK_ROWS == 7, "age"] = 500  # one reject a chunk (0.2%)
    data.to_parquet(tmp_path / "in.parquet", index=False, row_group_size=CHUNK_ROWS * 10)
    python: list[int] = []
    arrow: list[int] = []

    def after_chunk(event: BatchProgress) -> None:
        if event.rows_done:  # the first event comes before any chunk
            gc.collect()
            python.append(tracemalloc.get_traced_memory()[0])
            arrow.append(pa.total_allocated_bytes())

    tracemalloc.start()
    try:
        result = score(
            registry,
            "adult-income",
            source=str(tmp_path / "in.parquet"),
            sink=str(tmp_path / "out.parquet"),
            reasons=False,
            home=home,
            batch_rows=CHUNK_ROWS,
            progress=after_chunk,
        )
    finally:
        tracemalloc.stop()
    assert result.passed, result
    assert (result.rows_in, result.rows_rejected, result.rows_logged) == (30_000, 60, 29_940)
    assert len(python) == CHUNKS
    growth = max(python[WARM_UP:]) - python[WARM_UP - 1]
    assert growth < GROWTH_LIMIT, [round(b / 1024) for b in python]
    assert max(arrow[WARM_UP:]) < max(arrow[:WARM_UP]) + 64 * 1024, arrow
