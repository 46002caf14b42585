"""The latency probe: run in a fresh process by the gate, it loads a version and times it.

``python -m charter.validation.latency_probe --ref NAME@VERSION --rows ROWS.parquet`` opens the
registry from ``CHARTER_DB_URL`` and ``CHARTER_ARTIFACTS`` (the gate passes its own), loads the
artifact (sha256-checked) and times one-row and 100-row calls, each coercing the raw rows to the
charter's types as serving does. It prints one JSON object: load time, p50/p99 per call and the
process's peak resident memory. A fresh process is the point: no warm caches from the gate.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["main", "measure"]


def _percentiles(times_s: list[float]) -> dict[str, float]:
    ms = np.asarray(times_s) * 1000.0
    return {
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
        "mean_ms": float(ms.mean()),
        "calls": int(ms.size),
    }


def measure(
    ref: str, rows: pd.DataFrame, *, single: int, batches: int, batch_size: int
) -> dict[str, Any]:
    """Load ``ref`` through the registry and time it on ``rows`` (raw holdout rows)."""
    from charter.config import Settings
    from charter.registry import Registry
    from charter.validation.context import input_names, model_inputs

    started = time.perf_counter()
    with Registry.open(Settings.from_env()) as registry:
        version = registry.get(ref)
        charter = registry.charter_of(version)
        model = registry.load(version)
    load_s = time.perf_counter() - started
    names = input_names(version)
    positive = charter.target.positive

    def call(frame: pd.DataFrame) -> None:
        model.predict_scores(model_inputs(frame, charter, names), positive=positive)

    for i in range(min(5, len(rows))):  # warm-up: imports and first-call allocations
        call(rows.iloc[[i]])
    single_times: list[float] = []
    for i in range(single):
        row = rows.iloc[[i % len(rows)]]
        begin = time.perf_counter()
        call(row)
        single_times.append(time.perf_counter() - begin)
    batch_times: list[float] = []
    stacked = pd.concat([rows] * (batch_size // len(rows) + 1), ignore_index=True)
    for i in range(batches):
        start = (i * batch_size) % (len(stacked) - batch_size + 1)
        batch = stacked.iloc[start : start + batch_size]
        begin = time.perf_counter()
        call(batch)
        batch_times.append(time.perf_counter() - begin)
    peak_kib = _own_peak_kib()
    return {
        "ref": ref,
        "load_s": load_s,
        "single_row": _percentiles(single_times),
        "batch": {**_percentiles(batch_times), "rows": batch_size},
        "peak_rss_mib": peak_kib / 1024.0,
    }


def _own_peak_kib() -> float:
    """This process's own peak resident set, KiB.

    ``VmHWM`` where Linux has it: a process started with ``subprocess`` inherits its parent's
    peak in ``ru_maxrss``, which would report the gate's memory as the probe's.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            return next(float(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration, ValueError):
        peak = float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        return peak / 1024.0 if sys.platform == "darwin" else peak  # bytes on macOS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time a registered version in a fresh process.")
    parser.add_argument("--ref", required=True)
    parser.add_argument("--rows", required=True, help="Parquet file of raw holdout rows.")
    parser.add_argument("--single", type=int, default=200)
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=100)
    args = parser.parse_args(argv)
    rows = pd.read_parquet(args.rows)
    result = measure(
        args.ref, rows, single=args.single, batches=args.batches, batch_size=args.batch_size
    )
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
