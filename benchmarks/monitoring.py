"""Monitoring cost: drift + quality on 14 Adult columns against NumPy/SciPy and Evidently, and
a whole ``charter monitor`` run over a prediction log of the same size.

Run: ``python benchmarks/monitoring.py [--sizes 100000 1000000] [--evidently-python PATH]
[--pipeline-sizes 100000 1000000]``.

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

The monitoring pipeline (``--pipeline-sizes``): a throwaway registry holds ``adult-income@1`` (the
bundled charter; the quickstart's pipeline with 50 boosting rounds; Adult's 32,561 training rows
as its reference sample). The current rows above, scored by that model, are written as one served
prediction each with the predlog ``SpoolWriter`` and compacted to Parquet (``compact``), spread
over one day, so they form one monitoring window. Then one ``monitor()`` call, timed once in a
fresh process pinned to one core: compacting (nothing left), counting the log's rows per window
(``at``/``source``/``version`` columns only), streaming the window's Parquet parts in Arrow batches
of 16,384 rows (each batch's JSON expanded, profiled, reduced to its narrow columns and a 20,000-row
sample, then dropped), the version's reference (profile of the sample and the model's scores on
it, which the first run caches), drift, quality, prediction drift, performance, the extra checks,
and storing the points in SQLite. A second ``monitor()`` in another fresh process measures the run
with the reference's scores from the cache. Peak memory is the process's peak resident set during
the call above the resident set before it (``VmHWM``), so it counts pandas, Arrow and SQLite alike;
the time to read and expand the whole log at once (what ``monitor()`` did before it streamed) is
measured after it.
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
from datetime import UTC, datetime, timedelta
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
MODEL = "adult-income"
LOG_DAY = datetime(2026, 3, 2, tzinfo=UTC)
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


# --- the monitoring pipeline: a real prediction log and one monitor() call -----------------------


def _settings(home: Path) -> Any:
    from charter.config import Settings

    return Settings.from_env(home=home, environ={})


def _peak_rss_mb() -> float:
    """The process's peak resident set so far (``VmHWM``), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _rss_mb() -> float:
    """The process's resident set now (``VmRSS``), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak_rss() -> bool:
    """Start a new peak (``/proc/self/clear_refs`` 5); False where the kernel refuses."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def build_log(home: Path, n_rows: int) -> dict[str, Any]:
    """Register the model and write ``n_rows`` served predictions to the log; setup times."""
    from importlib import resources

    from charter.datasets import load_adult as bundled
    from charter.examples.adult import ADULT_FEATURES, build_pipeline
    from charter.predlog import (
        PredictionRecord,
        SpoolWriter,
        compact,
        default_log_dir,
        default_spool_dir,
    )
    from charter.registry import Registry

    pin_one_core()
    train = bundled().train
    features = list(ADULT_FEATURES)
    started = time.perf_counter()
    model = build_pipeline(max_iter=50).fit(train[features], train["income"])
    charter = Path(str(resources.files("charter.examples") / "adult_charter.yaml"))
    with Registry.open(_settings(home)) as registry:
        registry.register(model, charter=charter, sample=train, registered_by="bench@bank")
    setup_s = time.perf_counter() - started

    _, current = make_data(n_rows)
    logged = [*features, "sex", "race"]
    frame = current.select(logged).to_pandas()
    # The shared CSV writes a missing category as "?"; the reference sample (the bundled loader)
    # holds it as null, which is what a caller would send.
    frame = frame.replace({"?": None})
    scores = model.predict_proba(frame[features])[:, list(model.classes_).index(">50K")]
    columns = {name: frame[name].tolist() for name in logged}
    step = timedelta(days=1) / n_rows
    started = time.perf_counter()
    with SpoolWriter(default_spool_dir(home)) as writer:
        for low in range(0, n_rows, 10_000):
            high = min(low + 10_000, n_rows)
            writer.append(
                [
                    PredictionRecord(
                        request_id=f"r{i:08d}",
                        model=MODEL,
                        version=1,
                        source="served",
                        inputs={name: columns[name][i] for name in logged},
                        outputs={
                            "score": float(scores[i]),
                            "label": ">50K" if scores[i] >= 0.5 else "<=50K",
                        },
                        latency_ms=1.0,
                        at=LOG_DAY + i * step,
                    )
                    for i in range(low, high)
                ]
            )
    spool_s = time.perf_counter() - started
    started = time.perf_counter()
    compacted = compact(default_spool_dir(home), default_log_dir(home))
    compact_s = time.perf_counter() - started
    return {
        "setup_s": setup_s,
        "spool_s": spool_s,
        "compact_s": compact_s,
        "records": compacted.records_written,
    }


def monitor_once(home: Path) -> dict[str, Any]:
    """One ``monitor()`` over the whole log, pinned to one core; time, peak RSS, what it found.

    The first call scores the reference and fills its cache; a second, timed the same way in a
    fresh process (``monitor-again``), reads the cache.
    """
    from charter.monitoring import monitor
    from charter.predlog import default_log_dir, expand_log, read_log
    from charter.registry import Registry

    pin_one_core()
    with Registry.open(_settings(home)) as registry:
        exact = _reset_peak_rss()
        before = _peak_rss_mb() if exact else _rss_mb()
        started = time.perf_counter()
        result = monitor(registry, MODEL, home=home)
        seconds = time.perf_counter() - started
        peak = _peak_rss_mb() - before
    started = time.perf_counter()
    expand_log(read_log(default_log_dir(home), MODEL))
    read_s = time.perf_counter() - started
    report = result.windows[0]
    return {
        "seconds": seconds,
        "read_s": read_s,
        "mb": peak,
        "peak_exact": exact,
        "windows": len(result.windows),
        "rows": sum(w.n_rows for w in result.windows),
        "points": result.n_points,
        "drifted": sorted(c.feature for c in report.features if c.status == "alert"),
        "warned": sorted(c.feature for c in report.features if c.status == "warn"),
        "status": result.status,
    }


def monitor_again(home: Path) -> dict[str, Any]:
    """A second ``monitor()`` in a fresh process: the reference's scores come from the cache."""
    from charter.monitoring import monitor
    from charter.registry import Registry

    pin_one_core()
    with Registry.open(_settings(home)) as registry:
        exact = _reset_peak_rss()
        before = _peak_rss_mb() if exact else _rss_mb()
        started = time.perf_counter()
        monitor(registry, MODEL, home=home)
        seconds = time.perf_counter() - started
        peak = _peak_rss_mb() - before
    return {"again_s": seconds, "again_mb": peak}


def run_pipeline(n_rows: int) -> dict[str, Any]:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env = {k: v for k, v in env.items() if not k.startswith("CHARTER_")}
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="charter-monitor-bench-") as tmp:
        for mode in ("build-log", "monitor", "monitor-again"):
            done = subprocess.run(
                [sys.executable, __file__, "--pipeline-worker", mode, str(n_rows), tmp],
                env=env, check=True, capture_output=True, text=True,
            )  # fmt: skip
            out |= json.loads(done.stdout.strip().splitlines()[-1])
    return out


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
    parser.add_argument("--pipeline-sizes", type=int, nargs="*", default=[100_000])
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--pipeline-worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], int(args.worker[1]))))
        return
    if args.pipeline_worker:
        mode, n_rows, home = args.pipeline_worker
        home_dir = Path(home)
        steps = {
            "build-log": lambda: build_log(home_dir, int(n_rows)),
            "monitor": lambda: monitor_once(home_dir),
            "monitor-again": lambda: monitor_again(home_dir),
        }
        done = steps[mode]()
        print(json.dumps(done))
        return
    print(f"load average at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
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
        if n_rows in args.pipeline_sizes:
            print_pipeline(run_pipeline(n_rows), charter)
    print(f"load average at end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


def print_pipeline(found: dict[str, Any], charter: dict[str, Any]) -> None:
    rows = found["rows"]
    print(
        f"Prediction log setup: {found['records']:,} records spooled in "
        f"{found['spool_s']:.1f} s, compacted to Parquet in {found['compact_s']:.1f} s "
        f"(model + registry {found['setup_s']:.1f} s)"
    )
    memory = "peak RSS" if found["peak_exact"] else "RSS growth (peak not resettable here)"
    print(
        f"monitor() over {rows:,} logged rows, {found['windows']} window(s), one run: "
        f"{found['seconds']:.2f} s, {found['mb']:.0f} MB {memory}; of which reading + expanding "
        f"the log {found['read_s']:.2f} s; {found['points']} points stored; "
        f"vs pure drift + quality {found['seconds'] / charter['seconds']:.0f}x the time"
    )
    print(
        f"  a second monitor() (reference scores from the cache): {found['again_s']:.2f} s, "
        f"{found['again_mb']:.0f} MB {memory}"
    )
    print(
        f"  monitor() verdict {found['status']}: alert {found['drifted']}, warn {found['warned']}"
    )


if __name__ == "__main__":
    main()
