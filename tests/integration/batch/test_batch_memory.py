"""Streaming: ten times the rows costs less than 1.5 times the peak memory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from charter.registry import Registry

CHILD = """
import sys
from charter.batch import score
from charter.registry import Registry

home, source, sink = sys.argv[1:4]
with Registry.open(home=home) as registry:
    result = score(registry, "adult-income", source=source, sink=sink, reasons=False, home=home,
                   batch_rows=10_000)
assert result.passed, result
# VmHWM is this process's own peak; ru_maxrss would start at pytest's (the parent's) peak.
with open("/proc/self/status", encoding="ascii") as status:
    print(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
"""


def _peak_kib(home: Path, source: Path, sink: Path) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARTER_")}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(home), str(source), str(sink)],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_peak_memory_does_not_grow_with_the_input(
    registry: Registry, adult_test_rows: pd.DataFrame, tmp_path: Path, home: Path
) -> None:
    rows = adult_test_rows.drop(columns=["customer_id"])
    small = rows.sample(n=20_000, replace=True, random_state=1)
    large = rows.sample(n=200_000, replace=True, random_state=2)
    small.to_csv(tmp_path / "small.csv", index=False)
    large.to_csv(tmp_path / "large.csv", index=False)
    peak_small = _peak_kib(home, tmp_path / "small.csv", tmp_path / "small.parquet")
    peak_large = _peak_kib(home, tmp_path / "large.csv", tmp_path / "large.parquet")
    assert pd.read_parquet(tmp_path / "large.parquet", columns=["score"]).shape[0] == 200_000
    assert peak_large < 1.5 * peak_small, (peak_small, peak_large)
