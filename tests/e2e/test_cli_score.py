"""``charter score`` as a scheduler runs it: real processes, JSON on stdout, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from charter.datasets import load_adult


def charter(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARTER_")}
    env["CHARTER_USER"] = "scheduler@bank.example"
    return subprocess.run(
        [sys.executable, "-m", "charter.cli.main", "--home", str(home), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )


@pytest.fixture(scope="module")
def registered(
    tmp_path_factory: pytest.TempPathFactory,
    adult_model_path: Path,
    adult_charter_path: Path,
    adult_sample_path: Path,
) -> Path:
    home = tmp_path_factory.mktemp("score") / "home"
    done = charter(
        home,
        "register",
        str(adult_model_path),
        "-c",
        str(adult_charter_path),
        "-s",
        str(adult_sample_path),
    )
    assert done.returncode == 0, done.stderr
    return home


@pytest.mark.slow
def test_score_prints_json_when_piped_and_exits_by_outcome(
    registered: Path, tmp_path: Path
) -> None:
    rows = load_adult().test.head(100)
    rows.to_csv(tmp_path / "in.csv", index=False)
    done = charter(
        registered,
        "score",
        "adult-income@1",
        "--input",
        str(tmp_path / "in.csv"),
        "--output",
        str(tmp_path / "out.parquet"),
        "--run-id",
        "e2e",
    )
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)  # stdout is a pipe: quiet, one JSON document
    assert (body["status"], body["rows_scored"], body["run_id"]) == ("succeeded", 100, "e2e")
    assert len(pd.read_parquet(tmp_path / "out.parquet")) == 100

    again = charter(
        registered,
        "score",
        "adult-income",
        "-i",
        str(tmp_path / "in.csv"),
        "-o",
        str(tmp_path / "out.parquet"),
        "--json",
    )
    assert again.returncode == 2
    assert json.loads(again.stdout)["error"] == "conflict"

    bad = rows.copy()
    bad.loc[:9, "hours_per_week"] = 500  # 10% out of range; the charter allows 1%
    bad.to_csv(tmp_path / "bad.csv", index=False)
    failed = charter(
        registered,
        "score",
        "adult-income",
        "-i",
        str(tmp_path / "bad.csv"),
        "-o",
        str(tmp_path / "bad.parquet"),
        "--json",
    )
    assert failed.returncode == 1, failed.stderr
    assert json.loads(failed.stdout)["rows_rejected"] == 10
    assert not (tmp_path / "bad.parquet").exists()
    assert len(pd.read_parquet(tmp_path / "bad.rejects.parquet")) == 10


@pytest.mark.slow
def test_bad_input_exits_2_with_a_clear_message(registered: Path, tmp_path: Path) -> None:
    missing = charter(
        registered,
        "score",
        "adult-income",
        "-i",
        str(tmp_path / "nope.csv"),
        "-o",
        str(tmp_path / "o.parquet"),
    )
    assert missing.returncode == 2
    assert "data_invalid: input not found" in missing.stderr
    assert "Traceback" not in missing.stderr
    unknown = charter(registered, "score", "ghost@1", "-i", "x.csv", "-o", "y.parquet")
    assert unknown.returncode == 2 and "'ghost' is not registered" in unknown.stderr
    load_adult().test.head(5).to_csv(tmp_path / "in.csv", index=False)
    wrong = charter(
        registered,
        "score",
        "adult-income",
        "-i",
        str(tmp_path / "in.csv"),
        "-o",
        "postgresql+psycopg://u:s3cret@127.0.0.1:1/db#scores",
    )
    assert wrong.returncode == 2 and wrong.stderr.startswith("storage_error: database ")
    assert "s3cret" not in wrong.stderr + wrong.stdout
