"""Drift + quality over 14 Adult columns: Charter's streaming profiles against plain NumPy/SciPy.

Run: ``python benchmarks/drift.py [--sizes 100000 1000000] [--evidently-python PATH]``.

Each (implementation, size) runs in a fresh subprocess pinned to one core (``sched_setaffinity``,
``OMP_NUM_THREADS=1``, one Arrow thread) and reports the median of 3 runs. Peak memory, from a
fourth run, is the working memory above the input data: Python/NumPy allocations
(``tracemalloc``) plus Arrow's (a dedicated Arrow memory pool). Data: Adult's training set
resampled with replacement (seeded); the current set is drifted in age (+5 years),
hours_per_week (+4 hours) and occupation (a quarter of the rows moved to "Exec-managerial").

- Charter: build the reference profile once (timed separately), then profile the current table in
  Arrow batches of 65,536 rows and compute drift (default methods, KS/chi-square and PSI) and
  quality from the two profiles.
- NumPy/SciPy: ``ks_2samp`` and reference-decile PSI on numeric arrays, ``chi2_contingency`` and
  PSI on category counts (pandas ``value_counts``) of categorical arrays, from raw arrays.
- Evidently 0.7.23 (optional, its own venv since it needs pandas < 3): ``DataDriftPreset`` on the
  same data via Parquet, at the sizes in ``--evidently-sizes``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

ADULT = Path("/work/shared/datasets/adult_train.csv")
NUMERIC = ["age", "fnlwgt", "education_num", "capital_gain", "capital_loss", "hours_per_week"]
CATEGORICAL = [
    "workclass", "education", "marital_status", "occupation", "relationship", "race", "sex",
    "native_country",
]  # fmt: skip
DRIFTED = ["age", "hours_per_week", "occupation"]
ALPHA = 0.05
_POOLS: list[pa.MemoryPool] = []
REPEATS = 3


def load_adult() -> pa.Table:
    if ADULT.exists():
        return pacsv.read_csv(ADULT).select(NUMERIC + CATEGORICAL)
    from charter.datasets import load_adult as bundled

    return pa.Table.from_pandas(bundled().train[NUMERIC + CATEGORICAL], preserve_index=False)


def make_data(n_rows: int) -> tuple[pa.Table, pa.Table]:
    adult = load_adult()
    rng = np.random.default_rng(n_rows)
    reference = adult.take(rng.integers(0, adult.num_rows, n_rows))
    current = adult.take(rng.integers(0, adult.num_rows, n_rows))
    age = current.column("age").to_numpy() + 5
    hours = current.column("hours_per_week").to_numpy() + 4
    occupation = np.asarray(current.column("occupation").to_pylist(), dtype=object)
    occupation[rng.random(n_rows) < 0.25] = "Exec-managerial"
    for name, values in (("age", age), ("hours_per_week", hours), ("occupation", occupation)):
        index = current.column_names.index(name)
        current = current.set_column(index, name, pa.array(values))
    return reference, current


# --- the two implementations --------------------------------------------------------------------


def charter_reference(reference: pa.Table) -> Any:
    from charter.metrics.profile import build_reference

    return build_reference(reference, numeric=NUMERIC, categorical=CATEGORICAL)


def charter_current(spec: Any, ref: Any, current: pa.Table) -> dict[str, dict[str, bool]]:
    from charter.metrics.drift import drift_between
    from charter.metrics.profile import compare_quality, profile_data

    cur = profile_data(spec, current, batch_rows=65_536)
    tests = dict.fromkeys(NUMERIC, "ks") | dict.fromkeys(CATEGORICAL, "chi2")
    verdicts = {
        "default": drift_between(ref, cur),
        "test": drift_between(ref, cur, methods=tests),
        "psi": drift_between(ref, cur, methods=dict.fromkeys(NUMERIC + CATEGORICAL, "psi")),
    }
    compare_quality(ref, cur)
    return {
        kind: {v.column: v.status == "alert" for v in result.verdicts}
        for kind, result in verdicts.items()
    } | {"psi_warn": {v.column: v.status in ("warn", "alert") for v in verdicts["psi"].verdicts}}


def _psi(p_counts: np.ndarray, q_counts: np.ndarray) -> float:
    p, q = p_counts / p_counts.sum(), q_counts / q_counts.sum()
    p, q = np.where(p == 0, 1e-4, p), np.where(q == 0, 1e-4, q)
    return float(np.sum((p - q) * np.log(p / q)))


def numpy_drift(reference: dict[str, np.ndarray], current: dict[str, np.ndarray]) -> Any:
    import pandas as pd
    from scipy import stats

    test, psi = {}, {}
    for name in NUMERIC:
        ref, cur = reference[name], current[name]
        test[name] = bool(stats.ks_2samp(ref, cur).pvalue < ALPHA)
        edges = np.unique(np.quantile(ref, np.arange(1, 10) / 10))
        p = np.bincount(np.searchsorted(edges, ref), minlength=edges.size + 1)
        q = np.bincount(np.searchsorted(edges, cur), minlength=edges.size + 1)
        psi[name] = _psi(p, q)
    for name in CATEGORICAL:
        # Hash counting (pandas' value_counts): np.unique would sort the strings, ~10x slower.
        ref_counts = pd.Series(reference[name], dtype=object).value_counts()
        cur_counts = pd.Series(current[name], dtype=object).value_counts()
        labels = ref_counts.index.union(cur_counts.index)
        p = ref_counts.reindex(labels, fill_value=0).to_numpy()
        q = cur_counts.reindex(labels, fill_value=0).to_numpy()
        test[name] = bool(stats.chi2_contingency([p, q], correction=False).pvalue < ALPHA)
        psi[name] = _psi(p, q)
    return {
        "test": test,
        "psi": {k: v > 0.25 for k, v in psi.items()},
        "psi_warn": {k: v > 0.1 for k, v in psi.items()},
    }


# --- measuring, one configuration per subprocess -----------------------------------------------


def pin_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)


def measure(fn: Any) -> tuple[float, float, Any]:
    """Median seconds of REPEATS untraced runs, then one traced run for peak working MB."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    default = pa.default_memory_pool()
    pool = pa.proxy_memory_pool(default)  # a fresh proxy, so its peak is this run's alone
    _POOLS.append(pool)  # buffers it allocated outlive the run: the pool must too
    before = pool.bytes_allocated()
    pa.set_memory_pool(pool)
    tracemalloc.start()
    result = fn()
    _, numpy_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    pa.set_memory_pool(default)
    peak = numpy_peak + max(pool.max_memory() - before, 0)
    return statistics.median(times), peak / 2**20, result


def worker(impl: str, n_rows: int) -> dict[str, Any]:
    pin_one_core()
    reference, current = make_data(n_rows)
    out: dict[str, Any] = {"impl": impl, "rows": n_rows}
    if impl == "charter":
        seconds, mb, (spec, ref) = measure(lambda: charter_reference(reference))
        out["reference_s"], out["reference_mb"] = seconds, mb
        seconds, mb, verdicts = measure(lambda: charter_current(spec, ref, current))
    else:
        ref_np = {n: _numpy(reference.column(n)) for n in NUMERIC + CATEGORICAL}
        cur_np = {n: _numpy(current.column(n)) for n in NUMERIC + CATEGORICAL}
        seconds, mb, verdicts = measure(lambda: numpy_drift(ref_np, cur_np))
    out.update(seconds=seconds, mb=mb, verdicts=verdicts)
    return out


def _numpy(column: pa.ChunkedArray) -> np.ndarray:
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return np.asarray(column.to_pylist(), dtype=object)
    return column.to_numpy().astype(np.float64)


def run_worker(impl: str, n_rows: int) -> dict[str, Any]:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    done = subprocess.run(
        [sys.executable, __file__, "--worker", impl, str(n_rows)],
        env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- Evidently, in its own interpreter ------------------------------------------------------------

EVIDENTLY_SCRIPT = r"""
import json, statistics, sys, time
import pandas as pd
from evidently import Report
from evidently.presets import DataDriftPreset
ref, cur = pd.read_parquet(sys.argv[1]), pd.read_parquet(sys.argv[2])
times = []
for _ in range(int(sys.argv[3])):
    start = time.perf_counter()
    snapshot = Report([DataDriftPreset()]).run(reference_data=ref, current_data=cur)
    times.append(time.perf_counter() - start)
drifted = {}
for metric in snapshot.dict()["metrics"]:
    config = metric.get("config", {})
    column = config.get("column")
    if column is None or not str(metric.get("metric_name", "")).startswith("ValueDrift"):
        continue
    threshold = config.get("threshold")
    method = str(config.get("method", ""))
    value = metric["value"]
    is_p = "p_value" in method or "test" in method.lower()
    drifted[column] = bool(value < threshold) if is_p else bool(value >= threshold)
print(json.dumps({"seconds": statistics.median(times), "drifted": drifted}))
"""


def run_evidently(python: str, n_rows: int, repeats: int) -> dict[str, Any] | None:
    reference, current = make_data(n_rows)
    with tempfile.TemporaryDirectory() as tmp:
        paths = [Path(tmp, "reference.parquet"), Path(tmp, "current.parquet")]
        for table, path in zip((reference, current), paths, strict=True):
            pq.write_table(table, path)
        script = Path(tmp, "run_evidently.py")
        script.write_text(EVIDENTLY_SCRIPT)
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        command = ["taskset", "-c", "0", python, str(script), *map(str, paths), str(repeats)]
        done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"Evidently failed: {done.stderr.strip().splitlines()[-1:]}")
        return None
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- report ---------------------------------------------------------------------------------------


def agreement(a: dict[str, bool], b: dict[str, bool]) -> str:
    columns = sorted(set(a) & set(b))
    differ = [c for c in columns if a[c] != b[c]]
    same = len(columns) - len(differ)
    return f"{same}/{len(columns)} agree" + (f" (differ: {', '.join(differ)})" if differ else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--evidently-python", default="/tmp/evvenv/bin/python")
    parser.add_argument("--evidently-sizes", type=int, nargs="*", default=[100_000])
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], int(args.worker[1]))))
        return
    print(f"14 Adult columns, one core, median of {REPEATS}; memory = working set above the input")
    for n_rows in args.sizes:
        charter, plain = run_worker("charter", n_rows), run_worker("numpy", n_rows)
        print(f"\n== {n_rows:,} reference rows vs {n_rows:,} current rows ==")
        print(
            f"Charter reference profile (once): {charter['reference_s']:.3f} s, "
            f"{charter['reference_mb']:.0f} MB"
        )
        print(
            f"Charter current profile + drift + quality: {charter['seconds']:.3f} s, "
            f"{charter['mb']:.1f} MB peak"
        )
        print(
            f"NumPy/SciPy (ks_2samp, chi2_contingency, quantile PSI): {plain['seconds']:.3f} s, "
            f"{plain['mb']:.1f} MB peak  -> Charter {plain['seconds'] / charter['seconds']:.1f}x"
        )
        cv, nv = charter["verdicts"], plain["verdicts"]
        print(f"  KS/chi-square verdicts (p < {ALPHA}): {agreement(cv['test'], nv['test'])}")
        print(f"  PSI > 0.25 verdicts: {agreement(cv['psi'], nv['psi'])}")
        print(f"  PSI > 0.1 verdicts: {agreement(cv['psi_warn'], nv['psi_warn'])}")
        print(
            f"  Charter default methods drifted: {sorted(k for k, v in cv['default'].items() if v)}"
        )
        python = args.evidently_python
        if n_rows in args.evidently_sizes:
            evidently = run_evidently(python, n_rows, REPEATS) if Path(python).exists() else None
            if evidently is None:
                print("Evidently: not available")
            else:
                print(
                    f"Evidently 0.7.23 DataDriftPreset: {evidently['seconds']:.2f} s -> Charter "
                    f"{evidently['seconds'] / charter['seconds']:.0f}x; default verdicts vs "
                    f"Charter's: {agreement(cv['default'], evidently['drifted'])}"
                )


if __name__ == "__main__":
    main()
