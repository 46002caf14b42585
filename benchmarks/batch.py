"""Batch scoring: ``charter score`` against the model's own predict and a plain pandas script.

Usage: ``python benchmarks/batch.py [ROWS ...] [--only KIND,...]`` (default 1000000 5000000; kinds
``predict``, ``pandas``, ``local-plain``, ``dask-plain``; ``pandas`` always runs: it is the base).
Adult is resampled to each size and written as Parquet (row groups of 100k); every contender runs
in its own subprocess so peak RSS is its own. Contenders, on the same rows:

- ``predict``: the fitted pipeline's ``predict_proba`` on a DataFrame already in memory;
- ``pandas``: ``read_parquet`` → ``predict_proba`` → ``to_parquet``, nothing else;
- ``charter local`` / ``charter dask``: ``charter.batch.score`` with prediction logging on (the
  charter samples 1.0), reason codes off (each row costs features times background model calls; they
  are timed separately on 2,000 rows), and the Dask engine on a 2-worker ``LocalCluster``.

Peak memory is the child's own ``VmHWM`` (Linux), not ``ru_maxrss``: on Linux a process started
with ``subprocess`` inherits its parent's peak resident set in ``ru_maxrss`` (``execve`` folds the
old address space's high-water mark into it, and Python's ``vfork`` makes that the parent's), so a
child of a parent that once held 1.5 GB reports at least 1.5 GB whatever it uses itself. The input
files are also written by a separate process (``--prepare``), so this parent never holds them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
kind, work, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
from pathlib import Path
work = Path(work)
source = work / f"adult_{rows}.parquet"
t0 = time.perf_counter()
if kind in ("predict", "pandas"):
    import joblib, pandas as pd
    model = joblib.load(work / "model.joblib")
    features = list(model.feature_names_in_)
    if kind == "predict":
        frame = pd.read_parquet(source)
        t0 = time.perf_counter()
        model.predict_proba(frame[features])
    else:
        frame = pd.read_parquet(source)
        out = frame[[]].assign(score=model.predict_proba(frame[features])[:, 1])
        out.to_parquet(work / f"pandas_{rows}.parquet")
else:
    from charter.batch import score
    from charter.registry import Registry
    engine, reasons = kind.split("-")
    sink = work / f"{kind}_{rows}_{time.time_ns()}.parquet"
    with Registry.open(home=work / "home") as registry:
        result = score(registry, "adult-income", source=str(source), sink=str(sink),
                       engine=engine, reasons=reasons == "reasons", home=work / "home")
    assert result.passed, result
elapsed = time.perf_counter() - t0
# VmHWM: this process's own peak (ru_maxrss would include the parent's peak, see the docstring)
try:
    with open("/proc/self/status", encoding="ascii") as status:
        peak_mb = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:")) / 1024
except (OSError, StopIteration):
    unit = 1 << 20 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB elsewhere
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / unit
print(json.dumps({"seconds": elapsed, "peak_mb": peak_mb}))
"""


def _prepare(work: Path, sizes: list[int]) -> None:
    import joblib

    from charter.datasets import load_adult
    from charter.examples.adult import ADULT_FEATURES, build_pipeline
    from charter.registry import Registry

    data = load_adult()
    model = build_pipeline().fit(data.train[list(ADULT_FEATURES)], data.train["income"])
    joblib.dump(model, work / "model.joblib")
    charter = work / "charter.yaml"
    text = (resources.files("charter.examples") / "adult_charter.yaml").read_text("utf-8")
    charter.write_text(text, encoding="utf-8")
    with Registry.open(home=work / "home") as registry:
        registry.register(model, charter=charter, sample=data.train)
    for rows in [*sizes, 2_000]:
        frame = data.test.sample(n=rows, replace=True, random_state=rows).reset_index(drop=True)
        frame.to_parquet(work / f"adult_{rows}.parquet", index=False, row_group_size=100_000)


def _run(kind: str, work: Path, rows: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(work), str(rows)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


KINDS = ("predict", "pandas", "local-plain", "dask-plain")


def main(sizes: list[int], kinds: tuple[str, ...] = KINDS) -> None:
    with tempfile.TemporaryDirectory(prefix="charter-bench-") as folder:
        work = Path(folder)
        # in a child: building the resampled frames here would raise every later child's ru_maxrss
        subprocess.run(
            [sys.executable, __file__, "--prepare", str(work), *map(str, sizes)], check=True
        )
        print("| rows | contender | seconds | rows/s | peak RSS MB | vs pandas script |")
        print("| --- | --- | --- | --- | --- | --- |")
        for rows in sizes:
            results = {
                kind: _run(kind, work, rows) for kind in KINDS if kind in kinds or kind == "pandas"
            }
            base = results["pandas"]["seconds"]
            for kind, result in results.items():
                seconds = result["seconds"]
                print(
                    f"| {rows:,} | {kind} | {seconds:.2f} | {rows / seconds:,.0f} | "
                    f"{result['peak_mb']:.0f} | {base / seconds:.0%} |"
                )
        if "local-reasons" not in kinds and kinds != KINDS:
            return
        reasons = _run("local-reasons", work, 2_000)
        print(
            f"\nreason codes on: 2,000 rows in {reasons['seconds']:.2f} s "
            f"({2_000 / reasons['seconds']:,.0f} rows/s)"
        )


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--prepare"]:
        _prepare(Path(args[1]), [int(a) for a in args[2:]])
        raise SystemExit(0)
    only = KINDS
    if "--only" in args:
        at = args.index("--only")
        only = tuple(args[at + 1].split(","))
        del args[at : at + 2]
    main([int(a) for a in args] or [1_000_000, 5_000_000], only)
