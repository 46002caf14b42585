"""Benchmark: Charter's fairness_metrics against Fairlearn's MetricFrame on 1M Adult-derived rows.

The UCI Adult training set is resampled with replacement (seeded) to ``--rows`` rows; decisions
come from a seeded noisy score thresholded at 0.5. For each grouping (sex, race, sex x race) both
tools compute selection rate, TPR and FPR by group; the script asserts they agree to 1e-9 and
prints the median of ``--repeats`` timings (after one untimed warm-up call of Charter's), the
speed-up, and the peak memory each tool adds on sex x race: the growth of the peak resident set
size of a fresh child process over one call, after the data is built (Linux: the peak is reset
through ``/proc/self/clear_refs`` first).

Run: ``python benchmarks/fairness.py [--rows 1000000] [--repeats 3]``. Needs fairlearn installed.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from fairlearn.metrics import (
    MetricFrame,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)

from charter.datasets import load_adult
from charter.metrics import FairnessResult, fairness_metrics

GROUPINGS: dict[str, list[str]] = {"sex": ["sex"], "race": ["race"], "sex x race": ["sex", "race"]}
COLUMNS = {"selection_rate": "selection_rate", "tpr": "tpr", "fpr": "fpr"}


def build(rows: int, seed: int) -> pd.DataFrame:
    """Adult rows resampled with replacement, with a label and a seeded thresholded score."""
    adult = load_adult().train
    rng = np.random.default_rng(seed)
    frame = adult.iloc[rng.integers(0, len(adult), rows)].reset_index(drop=True)
    y = (frame["income"] == ">50K").to_numpy().astype(np.int64)
    score = 0.35 * y + 0.65 * rng.random(rows)
    return pd.DataFrame(
        {
            "sex": frame["sex"],
            "race": frame["race"],
            "y": y,
            "pred": (score >= 0.5).astype(np.int64),
        }
    )


def run_charter(data: pd.DataFrame, by: list[str]) -> FairnessResult:
    groups = data[by[0]] if len(by) == 1 else [data[column] for column in by]
    return fairness_metrics(data["y"], data["pred"], groups, min_group_size=0, names=by)


def run_fairlearn(data: pd.DataFrame, by: list[str]) -> MetricFrame:
    return MetricFrame(
        metrics={
            "selection_rate": selection_rate,
            "tpr": true_positive_rate,
            "fpr": false_positive_rate,
        },
        y_true=data["y"],
        y_pred=data["pred"],
        sensitive_features=data[by[0]] if len(by) == 1 else data[by],
    )


def timed(call: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median wall time over ``repeats`` calls, and the last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def peak_growth_mib(tool: str, rows: int, seed: int) -> float:
    """Peak RSS growth of one call of ``tool`` in a fresh child process (Linux reports KiB)."""
    output = subprocess.run(
        [sys.executable, __file__, "--rows", str(rows), "--seed", str(seed), "--memory-of", tool],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(output.strip().splitlines()[-1])


def _status_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} missing from /proc/self/status")


def _measure_in_child(tool: str, rows: int, seed: int) -> None:
    """Print the MiB one call adds over the resident set, resetting the peak first (Linux)."""
    data = build(rows, seed)
    with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
        clear.write("5")  # resets VmHWM, the peak resident set size, to the current size
    before = _status_kib("VmRSS")
    (run_charter if tool == "charter" else run_fairlearn)(data, GROUPINGS["sex x race"])
    print((_status_kib("VmHWM") - before) / 1024)


def max_difference(ours: FairnessResult, theirs: MetricFrame) -> float:
    """Largest absolute difference over every group and rate (fails on mismatched groups)."""
    by_group = theirs.by_group.dropna(how="all")
    labels = ["|".join(map(str, k)) if isinstance(k, tuple) else str(k) for k in by_group.index]
    assert labels == [rates.group for rates in ours.groups], (labels, ours.groups)
    worst = 0.0
    for rates, (_, expected) in zip(ours.groups, by_group.iterrows(), strict=True):
        for attribute, column in COLUMNS.items():
            worst = max(worst, abs(getattr(rates, attribute) - float(expected[column])))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--memory-of", choices=["charter", "fairlearn"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_of:
        _measure_in_child(args.memory_of, args.rows, args.seed)
        return

    data = build(args.rows, args.seed)
    print(f"{len(data):,} Adult-derived rows, median of {args.repeats} runs\n")
    header = f"{'grouping':<12}{'groups':>7}{'charter s':>12}{'fairlearn s':>13}{'speed-up':>10}"
    print(header + f"{'max |diff|':>13}")
    print("-" * (len(header) + 13))
    run_charter(data, GROUPINGS["sex"])  # warm-up: first touches of the columns' memory
    for label, by in GROUPINGS.items():
        ours_s, ours = timed(lambda by=by: run_charter(data, by), args.repeats)
        theirs_s, theirs = timed(lambda by=by: run_fairlearn(data, by), args.repeats)
        diff = max_difference(ours, theirs)
        assert diff <= 1e-9, f"{label}: rates differ by {diff}"
        print(
            f"{label:<12}{len(ours.groups):>7}{ours_s:>12.3f}{theirs_s:>13.2f}"
            f"{theirs_s / ours_s:>9.0f}x{diff:>13.1e}"
        )
    ours_mib = peak_growth_mib("charter", args.rows, args.seed)
    theirs_mib = peak_growth_mib("fairlearn", args.rows, args.seed)
    print(f"\npeak memory added, sex x race: charter {ours_mib:.0f} MiB, ", end="")
    print(f"fairlearn {theirs_mib:.0f} MiB")
    print("all rates agree to 1e-9")


if __name__ == "__main__":
    main()
