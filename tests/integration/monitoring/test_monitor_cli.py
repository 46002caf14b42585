"""``charter labels ingest`` and ``charter monitor`` through the Typer app."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from monitor_kit import drifted, log_rows
from sklearn.pipeline import Pipeline
from typer.testing import CliRunner

from charter.cli.main import app
from charter.monitoring import default_checks
from charter.registry import Registry


def test_cli_ingests_labels_and_monitors(
    home: Path,
    registry: Registry,
    adult_model: Pipeline,
    adult_test_frame: pd.DataFrame,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for variable in ("CHARTER_DB_URL", "CHARTER_ARTIFACTS_URL", "CHARTER_HOME"):
        monkeypatch.delenv(variable, raising=False)
    rows = log_rows(
        home, adult_model, drifted(adult_test_frame, 800), start=datetime(2026, 3, 3, tzinfo=UTC),
        prefix="c",
    )  # fmt: skip
    labels = tmp_path / "labels.csv"
    pd.DataFrame({"rid": rows["request_id"], "y": rows["income"]}).to_csv(labels, index=False)
    runner = CliRunner()
    base = ["--home", str(home)]
    ingest = runner.invoke(
        app,
        [*base, "labels", "ingest", "adult-income", "--input", str(labels),
         "--id-column", "rid", "--label-column", "y", "--json"],
    )  # fmt: skip
    assert ingest.exit_code == 0, ingest.output
    assert json.loads(ingest.output)["new"] == 800

    wide = {"COLUMNS": "160"}  # names stay on one line
    shown = runner.invoke(app, [*base, "monitor", "adult-income", "--window", "1d"], env=wide)
    assert shown.exit_code == 1, shown.output  # the drifted window alerts
    assert "age" in shown.output and "alert" in shown.output
    for check in ("share drifted", "volume_ratio", "rejected_rate", "latency_p99_ms",
                  "error_rate", "missed_deadline", "demographic_parity_ratio",
                  "selection rate by sex"):  # fmt: skip
        assert check in shown.output, check

    as_json = runner.invoke(
        app, [*base, "monitor", "adult-income", "--since", "2026-03-03", "--until", "2026-03-04",
              "--json"],
    )  # fmt: skip
    document = json.loads(as_json.output)
    window = document["windows"][0]
    assert window["n_rows"] == 800
    assert window["performance"][0]["n_labelled"] == 800
    checks = {check["metric"]: check for check in window["checks"]}
    assert set(checks) == {
        "quality.volume_ratio", "quality.rejected_rate", "serving.latency_p99_ms",
        "serving.error_rate", "delivery.missed_deadline", "delivery.late_minutes",
    }  # fmt: skip
    assert checks["serving.error_rate"]["value"] == 0.0
    assert {f["metric"] for f in window["fairness"]} == {
        "demographic_parity_ratio", "equalized_odds_difference",
    }  # fmt: skip
    assert {g["by"] for g in window["groups"]} == {"sex", "race"}
    assert [e["name"] for e in window["extra"]] == [c.name for c in default_checks()]

    bad = runner.invoke(app, [*base, "monitor", "adult-income", "--since", "yesterday"])
    assert bad.exit_code == 2
