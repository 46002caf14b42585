"""``charter validate`` as a user runs it: exit 0 pass, 1 failed, 2 bad input (nothing recorded)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from sklearn.pipeline import Pipeline
from typer.testing import CliRunner

from charter.cli.main import app
from charter.config import Settings
from charter.datasets import load_adult
from charter.registry import Registry

NAME = "adult-income"


def charter_cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARTER_")}
    env["CHARTER_USER"] = "e2e@bank.example"
    env["OMP_NUM_THREADS"] = (
        "1"  # the suite runs tests in parallel: keep OpenMP from oversubscribing
    )
    return subprocess.run(
        [sys.executable, "-m", "charter.cli.main", "--home", str(home), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


@pytest.fixture
def home(
    tmp_path: Path, adult_model: Pipeline, adult_sample: pd.DataFrame, adult_charter_path: Path
) -> Path:
    """A registry holding adult-income@1, under a charter whose gate never depends on speed."""
    text = adult_charter_path.read_text(encoding="utf-8")
    text = text.replace("  latency: {p99_ms: 50}", "  latency: {p99_ms: 100000}\n  bootstrap: 40")
    charter = tmp_path / "charter.yaml"
    charter.write_text(text, encoding="utf-8")
    folder = tmp_path / "home"
    with Registry.open(Settings.from_env(home=folder, environ={})) as registry:
        registry.register(adult_model, charter=charter, sample=adult_sample)
    return folder


@pytest.fixture
def holdout(tmp_path: Path) -> Path:
    path = tmp_path / "holdout.parquet"
    load_adult().test.sample(n=2000, random_state=3).to_parquet(path, index=False)
    return path


def _runs(home: Path) -> list[object]:
    with Registry.open(Settings.from_env(home=home, environ={})) as registry:
        return list(registry.store.list_validation_runs(NAME))


def test_bad_input_exits_2_and_records_nothing(home: Path, holdout: Path, tmp_path: Path) -> None:
    frame = pd.read_parquet(holdout)
    missing = tmp_path / "missing.csv"
    frame.drop(columns=["age", "income"]).to_csv(missing, index=False)
    labels = tmp_path / "labels.csv"
    frame.assign(income=frame["income"].where(frame.index % 5 > 0, "maybe")).to_csv(
        labels, index=False
    )
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    runner = CliRunner()
    cases = {
        (f"{NAME}@1", str(missing)): "the holdout lacks required column(s): age, income",
        (f"{NAME}@1", str(labels)): "labels outside the charter's classes: 'maybe'",
        (f"{NAME}@1", str(empty)): "data file is empty",
        (f"{NAME}@7", str(holdout)): "no version 7",
        (f"{NAME}@1", str(tmp_path / "nowhere.csv")): "data file not found",
    }
    for (ref, data), message in cases.items():
        result = runner.invoke(app, ["--home", str(home), "validate", ref, "--data", data])
        assert result.exit_code == 2, (ref, data, result.output)
        assert message in result.output, result.output
        assert "Traceback" not in result.output
    assert _runs(home) == []


def test_a_passing_gate_exits_0_writes_the_report_and_times_a_fresh_process(
    home: Path, holdout: Path, tmp_path: Path
) -> None:
    report = tmp_path / "out" / "gate.html"
    args = ["--data", str(holdout), "--report", str(report), "--skip", "explainability"]
    done = charter_cli(home, "validate", f"{NAME}@1", *args)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Gate PASS" in done.stdout and "roc_auc" in done.stdout
    html = report.read_text(encoding="utf-8")
    assert "<script" not in html and "Verdicts" in html
    body = json.loads(report.with_suffix(".json").read_text(encoding="utf-8"))
    latency = next(c for c in body["checks"] if c["category"] == "latency")
    # structure only: no verdict here depends on this machine's speed
    assert latency["verdict"] == "pass", latency["reason"]
    details = latency["details"]
    assert 0 < details["single_row_p50_ms"] <= details["single_row_p99_ms"]
    assert details["batch_100_p99_ms"] > 0 and details["peak_rss_mib"] > 50
    assert details["source"] == "validation.latency.p99_ms"
    assert [r.status for r in _runs(home)] == ["pass"]  # type: ignore[attr-defined]


def test_a_failing_gate_exits_1_with_json(home: Path, holdout: Path, tmp_path: Path) -> None:
    strict = tmp_path / "strict.yaml"
    text = (tmp_path / "charter.yaml").read_text(encoding="utf-8")
    strict.write_text(
        text.replace("roc_auc: {min: 0.85}", "roc_auc: {min: 0.99}"), encoding="utf-8"
    )
    result = CliRunner().invoke(
        app,
        ["--home", str(home), "validate", f"{NAME}@1", "--data", str(holdout), "--charter",
         str(strict), "--skip", "latency", "--skip", "explainability", "--json", "--by", "vera"],
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    body = json.loads(result.output)
    assert body["status"] == "fail" and body["run_by"] == "vera"
    auc = next(c for c in body["checks"] if c["name"] == "roc_auc")
    assert auc["verdict"] == "fail" and "below the minimum 0.99" in auc["reason"]
    [run] = _runs(home)
    assert run.status == "fail"  # type: ignore[attr-defined]
