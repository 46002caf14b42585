"""``charter labels ingest`` and ``charter monitor`` through the Typer app."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from monitor_kit import drifted, log_rows, open_adult_registry
from sklearn.pipeline import Pipeline
from typer.testing import CliRunner

from charter.cli.main import app
from charter.datasets import load_adult
from charter.registry import Registry


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def registry(
    home: Path, adult_model: Pipeline, adult_charter_path: Path, adult_sample: pd.DataFrame
) -> Iterator[Registry]:
    registry = open_adult_registry(home, adult_model, adult_charter_path, adult_sample)
    try:
        yield registry
    finally:
        registry.close()


@pytest.fixture(scope="module")
def adult_test_frame() -> pd.DataFrame:
    return load_adult().test.reset_index(drop=True)


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

    shown = runner.invoke(app, [*base, "monitor", "adult-income", "--window", "1d"])
    assert shown.exit_code == 1, shown.output  # the drifted window alerts
    assert "age" in shown.output and "alert" in shown.output

    as_json = runner.invoke(
        app, [*base, "monitor", "adult-income", "--since", "2026-03-03", "--until", "2026-03-04",
              "--json"],
    )  # fmt: skip
    document = json.loads(as_json.output)
    assert document["windows"][0]["n_rows"] == 800
    assert document["windows"][0]["performance"][0]["n_labelled"] == 800

    bad = runner.invoke(app, [*base, "monitor", "adult-income", "--since", "yesterday"])
    assert bad.exit_code == 2
