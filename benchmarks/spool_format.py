"""The spool's format: JSON Lines (what ``charter serve`` writes) against Arrow IPC, per request.

    python benchmarks/spool_format.py [--requests 1000] [--repeat 5]

A question asked of the 5 % log target: would typed columns in the spool (an Arrow IPC stream
per request, built from the request's already-cleaned NumPy columns) cost less than JSON, which
the compactor must parse back? Times, per 100-row Adult request, in thread CPU (best of
``--repeat``): the work in the request (``encode_block`` against a record batch written as an
IPC stream) and compaction (``compact()`` of a spool against reading the streams back and
writing one Parquet file). Prints both and the ratios. Nothing here is used by Charter itself.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from charter.datasets import load_adult
from charter.predlog import SpoolWriter, compact, encode_block
from charter.predlog.compactor import write_part
from charter.serving.service import row_ids

ROWS = 100


def _best(work: Callable[[], Any], repeat: int, per: int) -> float:
    """Best thread-CPU µs per unit over ``repeat`` runs of ``work`` (which does ``per`` units)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.thread_time()
        work()
        best = min(best, (time.thread_time() - started) / per * 1e6)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    n = args.requests

    adult = load_adult().train.iloc[:ROWS]
    features = [c for c in adult.columns if c != "income"]
    lists = {c: adult[c].astype(object).where(adult[c].notna(), None).tolist() for c in features}
    cleaned = {  # as the serving checks hand them to the model: float64, or object text
        c: adult[c].to_numpy(np.float64 if adult[c].dtype.kind in "if" else object)
        for c in features
    }
    scores = np.random.default_rng(0).random(ROWS)
    labels = ["<=50K"] * ROWS
    now = datetime.now(UTC)

    def as_json(i: int) -> bytes:
        return encode_block(
            request_ids=row_ids(f"req{i}", ROWS), model="m", version=1, source="served",
            inputs=lists, outputs={"score": scores.tolist(), "label": labels}, latency_ms=1.0,
            at=now,
        )  # fmt: skip

    def as_ipc(i: int) -> bytes:
        arrays = [pa.array(row_ids(f"req{i}", ROWS), pa.string())]
        for values in cleaned.values():
            kind = pa.float64() if values.dtype.kind == "f" else pa.string()
            arrays.append(pa.array(values, kind, from_pandas=True))
        arrays += [pa.array(scores), pa.array(labels, pa.string())]
        batch = pa.RecordBatch.from_arrays(
            arrays, names=["request_id", *cleaned, "output_score", "output_label"]
        )
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, batch.schema) as writer:
            writer.write_batch(batch)
        return bytes(sink.getvalue())

    json_request = _best(lambda: [as_json(i) for i in range(n)], args.repeat, n)
    ipc_request = _best(lambda: [as_ipc(i) for i in range(n)], args.repeat, n)

    folder = Path(tempfile.mkdtemp(prefix="spool-format-"))
    lines = [as_json(i) for i in range(n)]
    streams = [as_ipc(i) for i in range(n)]
    timings = []
    for run in range(args.repeat):  # the spool is written outside the timed part
        spool = folder / f"spool{run}"
        with SpoolWriter(spool) as writer:
            for line in lines:
                writer.append_encoded(line)
        started = time.thread_time()
        compact(spool, folder / f"log{run}")
        timings.append((time.thread_time() - started) / n * 1e6)
    json_compact = min(timings)

    def compact_ipc() -> None:
        batches = [pa.ipc.open_stream(stream).read_next_batch() for stream in streams]
        write_part(pa.Table.from_batches(batches), folder / "ipc.parquet")

    ipc_compact = _best(compact_ipc, args.repeat, n)
    print(f"per {ROWS}-row Adult request, thread CPU µs, best of {args.repeat} ({n} requests):")
    print("| step | JSON Lines | Arrow IPC | IPC / JSON |")
    print("| --- | --- | --- | --- |")
    for step, json_us, ipc_us in (
        ("in the request", json_request, ipc_request),
        ("compaction", json_compact, ipc_compact),
        ("both", json_request + json_compact, ipc_request + ipc_compact),
    ):
        print(f"| {step} | {json_us:.0f} | {ipc_us:.0f} | {ipc_us / json_us:.2f}x |")
    print(f"bytes per request: JSON {len(lines[0]):,}, IPC {len(streams[0]):,}")


if __name__ == "__main__":
    main()
