"""Prediction-log compaction: CPU per spooled line and per row, Arrow's reader against line by line.

    python benchmarks/compaction.py [--lines 10000] [--repeat 5]

Spools Adult rows as ``charter serve`` logs them (single-row requests, and 100-row requests),
then times ``compact()`` end to end (reading the spool, building the parts, writing Parquet) with
the compactor's Arrow path (``predlog.columnar``) and with the line-by-line path it falls back
to. Prints CPU seconds (``process_time``, the best of ``--repeat`` runs) per line and per row,
and the ratio. Compaction CPU is what the log costs a server beyond its own request path.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np

from charter.datasets import load_adult
from charter.predlog import SpoolWriter, compact, encode_block
from charter.predlog import compactor as compactor_module


def spool_lines(adult: Any, lines: int, rows_per_line: int) -> bytes:
    """``lines`` spool lines of ``rows_per_line`` Adult rows each, as serving writes them."""
    features = adult.drop(columns=["income"]).astype(object)
    features = features.where(features.notna(), None)
    rng = np.random.default_rng(0)
    out = []
    for i in range(lines):
        start = (i * rows_per_line) % (len(features) - rows_per_line)
        chunk = features.iloc[start : start + rows_per_line]
        out.append(
            encode_block(
                request_ids=[f"r{i}-{j}" for j in range(rows_per_line)],
                model="adult-income",
                version=1,
                source="served",
                inputs={c: chunk[c].tolist() for c in chunk.columns},
                outputs={
                    "score": rng.random(rows_per_line).tolist(),
                    "label": ["<=50K"] * rows_per_line,
                },
                latency_ms=1.0,
                at=datetime.now(UTC),
            )
        )
    return b"".join(out)


def compaction_cpu(payload: bytes, work: Path, *, arrow: bool, repeat: int) -> float:
    """Best CPU seconds of ``compact()`` over a spool holding ``payload``."""
    best = float("inf")
    line_by_line = mock.patch.object(compactor_module, "read_blocks", lambda *_: None)
    with contextlib.nullcontext() if arrow else line_by_line:
        for _ in range(repeat):
            shutil.rmtree(work, ignore_errors=True)
            with SpoolWriter(work / "spool") as writer:
                writer.append_encoded(payload)
            started = time.process_time()
            result = compact(work / "spool", work / "log")
            best = min(best, time.process_time() - started)
            assert result.bad_lines == 0 and result.records_written > 0
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000, help="single-row lines")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    adult = load_adult().train
    work = Path(tempfile.mkdtemp(prefix="charter-compaction-bench-"))
    print("| rows per line | lines | Arrow µs/line | µs/row | line by line µs/line | µs/row |"
          " ratio |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- |")
    try:
        for rows_per_line, lines in ((1, args.lines), (100, max(args.lines // 10, 1))):
            payload = spool_lines(adult, lines, rows_per_line)
            fast = compaction_cpu(payload, work, arrow=True, repeat=args.repeat)
            slow = compaction_cpu(payload, work, arrow=False, repeat=args.repeat)
            rows = lines * rows_per_line
            print(
                f"| {rows_per_line} | {lines:,} | {1e6 * fast / lines:.1f} | "
                f"{1e6 * fast / rows:.2f} | {1e6 * slow / lines:.1f} | {1e6 * slow / rows:.2f} | "
                f"{slow / fast:.2f}x |"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
