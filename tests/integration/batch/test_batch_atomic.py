"""A run killed with SIGKILL mid-way leaves nothing under the output's final name."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from charter.batch import score
from charter.registry import Registry

# Scores in small batches and, after the first one is written, stops for a minute: long enough
# for the test to kill it with part of the output already in the work area.
CHILD = """
import sys, time
from pathlib import Path
from charter.batch import score
from charter.registry import Registry

home, source, sink, marker = sys.argv[1:5]

def hang(event):
    if event.rows_done >= 200:
        Path(marker).write_text("scoring")
        time.sleep(60)

with Registry.open(home=home) as registry:
    score(registry, "adult-income", source=source, sink=sink, run_id="killed",
          reasons=False, home=home, batch_rows=100, progress=hang)
"""


def _kill_mid_run(home: Path, source: Path, sink: str, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARTER_")}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(home), str(source), sink, str(marker)], env=env
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, "the scoring child exited before it was killed"
            assert time.monotonic() < deadline, "the scoring child never got going"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()


@pytest.mark.slow
def test_killed_parquet_run_leaves_no_file_and_a_rerun_completes(
    registry: Registry, adult_test_rows: pd.DataFrame, tmp_path: Path, home: Path
) -> None:
    adult_test_rows.head(1_000).to_parquet(tmp_path / "in.parquet", index=False)
    sink = tmp_path / "out" / "scores.parquet"
    _kill_mid_run(home, tmp_path / "in.parquet", str(sink), tmp_path)
    assert not sink.exists() and not (sink.parent / "scores.rejects.parquet").exists()
    assert registry.store.get_batch_run("adult-income", "killed").status == "running"
    result = score(
        registry,
        "adult-income",
        source=str(tmp_path / "in.parquet"),
        sink=str(sink),
        run_id="killed",
        reasons=False,
        home=home,
    )
    assert result.passed and len(pd.read_parquet(sink)) == 1_000
    assert sorted(p.name for p in sink.parent.iterdir()) == [
        "scores.parquet",
        "scores.rejects.parquet",
    ]


@pytest.mark.slow
def test_killed_sqlite_run_leaves_no_table(
    registry: Registry, adult_test_rows: pd.DataFrame, tmp_path: Path, home: Path
) -> None:
    adult_test_rows.head(1_000).to_parquet(tmp_path / "in.parquet", index=False)
    database = tmp_path / "scores.db"
    _kill_mid_run(home, tmp_path / "in.parquet", f"sqlite:///{database}#scores", tmp_path)
    with sqlite3.connect(database) as connection:  # opening rolls the hot journal back
        tables = connection.execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == []
