"""``charter report monitor`` through the Typer app."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from report_kit import MODEL, Monitored, register_adult
from sklearn.pipeline import Pipeline
from typer.testing import CliRunner

from charter.cli.main import app

SECTIONS = ["drift", "distributions", "prediction", "performance", "fairness", "quality", "health"]


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("CHARTER_DB_URL", "CHARTER_ARTIFACTS_URL", "CHARTER_HOME"):
        monkeypatch.delenv(variable, raising=False)


def test_writes_the_page_and_prints_the_summary(monitored: Monitored, tmp_path: Path) -> None:
    target = tmp_path / "monitoring.html"
    result = CliRunner().invoke(
        app, ["--home", str(monitored.home), "report", "monitor", MODEL, "--html", str(target)]
    )
    assert result.exit_code == 0, result.output  # a report, not a check: alerts do not fail it
    assert f"report written to {target}" in result.output
    assert "Data drift" in result.output and "alert" in result.output
    page = target.read_text(encoding="utf-8")
    assert page.count("<svg ") > 20
    assert "http://" not in page and "https://" not in page


def test_json_lists_the_sections(monitored: Monitored, tmp_path: Path) -> None:
    target = tmp_path / "page.html"
    result = CliRunner().invoke(
        app,
        ["--home", str(monitored.home), "report", "monitor", MODEL, "--html", str(target),
         "--json", "--since", "2026-03-04"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["path"] == str(target)
    assert [s["id"] for s in document["sections"]][: len(SECTIONS)] == SECTIONS
    assert all(s["has_data"] for s in document["sections"])
    assert document["n_windows"] == 2
    assert document["first_window"] == "2026-03-04T00:00:00+00:00"
    drift = next(s for s in document["sections"] if s["id"] == "drift")
    assert drift["status"] == "alert"
    assert any(series["metric"] == "drift.psi[age]" for series in drift["series"])
    summary = {f["family"]: f["worst_status"] for f in document["summary"]}
    assert summary["drift"] == "alert"
    assert target.exists()


def test_unknown_model_exits_2_with_a_message(monitored: Monitored, tmp_path: Path) -> None:
    target = tmp_path / "never.html"
    result = CliRunner().invoke(
        app, ["--home", str(monitored.home), "report", "monitor", "nope", "--html", str(target)]
    )
    assert result.exit_code == 2
    assert "not_found: model 'nope' is not registered" in result.output
    assert not target.exists()


def test_bad_since_exits_2(monitored: Monitored) -> None:
    result = CliRunner().invoke(
        app, ["--home", str(monitored.home), "report", "monitor", MODEL, "--since", "yesterday"]
    )
    assert result.exit_code == 2
    assert "--since must be an ISO date or time" in result.output


def test_a_model_without_points_says_to_run_monitor_first(
    tmp_path: Path,
    adult_model: Pipeline,
    adult_charter_path: Path,
    adult_sample: pd.DataFrame,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = tmp_path / "home"
    register_adult(home, adult_model, adult_charter_path, adult_sample).close()
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["--home", str(home), "report", "monitor", MODEL])
    assert result.exit_code == 0, result.output
    assert "has no monitoring figures yet" in result.output
    assert "charter monitor adult-income" in result.output
    page = (tmp_path / "adult-income-monitoring.html").read_text(encoding="utf-8")
    assert "No monitoring figures stored for adult-income yet." in page
