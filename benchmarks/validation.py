"""Benchmark: the whole validation gate on Adult test (16,281 rows), timed per check, and
Charter's fairness metrics against Fairlearn's MetricFrame on 1M rows.

The model is the quickstart's pipeline (one-hot + HistGradientBoosting, 200 rounds) trained on
Adult train and registered in a throwaway SQLite registry under the bundled charter. The gate runs
twice, with SHAP reason codes and without (``use_shap=False``: occlusion), each ``--repeats``
times; the medians per check are printed. The latency check includes starting a fresh Python
process that loads the artifact. The fairness part runs ``benchmarks/fairness.py`` (same data
recipe; it asserts identical values to 1e-9).

Run: ``python benchmarks/validation.py [--repeats 3] [--fairness-rows 1000000]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

from charter.config import Settings
from charter.datasets import load_adult
from charter.examples.adult import train_model
from charter.registry import Registry
from charter.validation import CATEGORIES, GateReport, validate


def run_gate(
    repeats: int, *, use_shap: bool
) -> tuple[list[float], dict[str, list[float]], GateReport]:
    adult = load_adult()
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        charter = home / "charter.yaml"
        charter.write_text(
            (resources.files("charter.examples") / "adult_charter.yaml").read_text("utf-8"),
            encoding="utf-8",
        )
        settings = Settings.from_env(home=home / ".charter", environ={})
        model = train_model(adult.train)
        totals: list[float] = []
        per_check: dict[str, list[float]] = {}
        report: GateReport | None = None
        with Registry.open(settings) as registry:
            version = registry.register(model, charter=charter, sample=adult.train)
            for _ in range(repeats):
                begin = time.perf_counter()
                report = validate(
                    registry, version.ref, adult.test, settings=settings, use_shap=use_shap,
                    store_result=False,
                )  # fmt: skip
                totals.append(time.perf_counter() - begin)
                for name, seconds in report.timings_s.items():
                    per_check.setdefault(name, []).append(seconds)
        assert report is not None
        return totals, per_check, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--fairness-rows", type=int, default=1_000_000)
    args = parser.parse_args()

    results = {flag: run_gate(args.repeats, use_shap=flag) for flag in (False, True)}
    print(f"whole gate on Adult test (16,281 rows), median of {args.repeats} runs\n")
    print(f"{'check':<16}{'no SHAP s':>11}{'with SHAP s':>13}")
    print("-" * 40)
    for name in ("scoring", *CATEGORIES):
        cells = [statistics.median(results[f][1].get(name, [0.0])) for f in (False, True)]
        print(f"{name:<16}{cells[0]:>11.2f}{cells[1]:>13.2f}")
    totals = [statistics.median(results[f][0]) for f in (False, True)]
    print(f"{'total':<16}{totals[0]:>11.2f}{totals[1]:>13.2f}\n")
    report = results[False][2]
    print(
        f"gate status {report.status}: "
        + ", ".join(f"{k} {v}" for k, v in report.summary().items())
    )
    latency = report.check("latency.p99_single_row").details
    print(
        f"latency probe: single-row p50 {latency.get('single_row_p50_ms', 0):.2f} ms, "
        f"p99 {latency.get('single_row_p99_ms', 0):.2f} ms; batch of 100 p99 "
        f"{latency.get('batch_100_p99_ms', 0):.2f} ms; "
        f"peak RSS {latency.get('peak_rss_mib', 0):.0f} MiB\n"
    )
    script = Path(__file__).with_name("fairness.py")
    subprocess.run(
        [sys.executable, str(script), "--rows", str(args.fairness_rows), "--repeats", "3"],
        check=True,
    )


if __name__ == "__main__":
    main()
