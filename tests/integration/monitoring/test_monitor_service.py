"""``monitor`` on Adult traffic: a clean window, a drifted one, labels and an empty window."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from monitor_kit import MODEL, drifted, log_rows
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline

from charter.monitoring import ingest_labels, monitor, split_windows
from charter.registry import Registry

DAY1 = datetime(2026, 3, 2, 9, tzinfo=UTC)
DAY2 = datetime(2026, 3, 3, 9, tzinfo=UTC)


@pytest.fixture
def logged(
    home: Path,
    registry: Registry,
    adult_model: Pipeline,
    adult_test_frame: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    clean = adult_test_frame.sample(n=1500, random_state=11).reset_index(drop=True)
    shifted = drifted(adult_test_frame, 1500)
    return (
        log_rows(home, adult_model, clean, start=DAY1, prefix="a"),
        log_rows(home, adult_model, shifted, start=DAY2, prefix="b"),
    )


def test_drift_found_only_in_the_drifted_window(
    home: Path, registry: Registry, logged: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    result = monitor(registry, MODEL, home=home)
    assert result.window == "1d"
    assert [r.window_start for r in result.windows] == [
        datetime(2026, 3, 2, tzinfo=UTC),
        datetime(2026, 3, 3, tzinfo=UTC),
    ]
    clean, shifted = result.windows
    assert clean.n_rows == shifted.n_rows == 1500
    assert clean.drift_status in {"ok", "warn"}
    assert all(check.status != "alert" for check in clean.features)
    assert shifted.feature("age").status == "alert"
    assert shifted.feature("age").method == "psi"
    assert shifted.feature("age").statistic is not None
    assert shifted.feature("age").statistic > 0.25
    assert shifted.feature("education").status in {"warn", "alert"}
    assert shifted.prediction_psi is not None and clean.prediction_psi is not None
    assert shifted.prediction_psi > clean.prediction_psi
    assert clean.positive_rate is not None and 0 < clean.positive_rate < 1
    json.dumps(result.to_dict(), allow_nan=False)


def test_points_stored_and_rerun_replaces_them(
    home: Path, registry: Registry, logged: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    first = monitor(registry, MODEL, home=home)
    stored = registry.store.list_points(MODEL)
    assert len(stored) == first.n_points > 0
    metrics = {p.metric for p in stored}
    assert {"drift.psi[age]", "drift.psi.max", "drift.share_drifted", "prediction.psi"} <= metrics
    assert {"quality.missing_rate[occupation]", "prediction.positive_rate"} <= metrics
    age = registry.store.list_points(MODEL, metric="drift.psi[age]")
    assert [p.status for p in age][1] == "alert"
    second = monitor(registry, MODEL, home=home)
    assert second.n_points == first.n_points
    assert len(registry.store.list_points(MODEL)) == len(stored)
    later = registry.store.list_points(MODEL, since=DAY2 - timedelta(hours=9))
    assert {p.window_start for p in later} == {datetime(2026, 3, 3, tzinfo=UTC)}


def test_labels_give_realized_roc_auc_equal_to_sklearn(
    home: Path, registry: Registry, logged: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    clean, _ = logged
    labels = pd.DataFrame({"id": clean["request_id"], "y": clean["income"]})
    labels = pd.concat([labels, pd.DataFrame({"id": ["nobody"], "y": [">50K"]})])
    first = ingest_labels(registry, MODEL, labels, id_column="id", label_column="y", home=home)
    assert (first.new, first.updated, first.unknown) == (1500, 0, 1)
    assert first.unknown_ids == ("nobody",)
    again = ingest_labels(registry, MODEL, labels, id_column="id", label_column="y", home=home)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 1500)
    result = monitor(registry, MODEL, home=home)
    realized = {p.metric: p for p in result.windows[0].performance}["roc_auc"]
    expected = roc_auc_score(clean["income"] == ">50K", clean["score"])
    assert realized.n_labelled == 1500
    assert realized.value is not None
    assert math.isclose(realized.value, expected, rel_tol=1e-9)
    assert {p.metric: p for p in result.windows[1].performance}["roc_auc"].status == "no_data"
    stored = registry.store.list_points(MODEL, metric="performance.roc_auc")
    assert stored[0].value is not None and math.isclose(stored[0].value, expected, rel_tol=1e-9)


def test_empty_window_is_no_data(
    home: Path, registry: Registry, logged: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    since = datetime(2026, 4, 1, tzinfo=UTC)
    result = monitor(registry, MODEL, home=home, since=since, until=since + timedelta(days=1))
    assert len(result.windows) == 1
    report = result.windows[0]
    assert report.n_rows == 0
    assert report.status == report.drift_status == result.status == "no_data"
    assert all(check.status == "no_data" and check.statistic is None for check in report.features)
    assert report.prediction_psi is None and report.positive_rate is None
    assert report.groups == () and all(f.status == "no_data" for f in report.fairness)
    assert all(c.status == "no_data" and c.value is None for c in report.checks)
    assert report.check("quality.volume_ratio").reason.startswith("0 earlier window(s)")
    json.dumps(result.to_dict(), allow_nan=False)
    assert all(p.value is None or math.isfinite(p.value) for p in registry.store.list_points(MODEL))


def test_no_log_at_all_is_no_data(home: Path, registry: Registry) -> None:
    result = monitor(registry, MODEL, home=home)
    assert result.windows == () and result.status == "no_data"


def test_windows_are_aligned() -> None:
    start = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    windows = split_windows(start, start + timedelta(hours=3), timedelta(hours=1))
    assert [w.start.hour for w in windows] == [9, 10, 11, 12]
    assert split_windows(start, start, timedelta(hours=1)) == []
