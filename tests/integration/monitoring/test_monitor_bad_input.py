"""Bad input gives a defined result: never a crash, a NaN or a silent pass.

The empty window and labels for unknown ids are covered in ``test_monitor_service.py``.
"""

from __future__ import annotations

import json
import math
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from monitor_kit import MODEL, log_rows, write_records
from sklearn.pipeline import Pipeline

from charter.examples.adult import ADULT_FEATURES, ADULT_SENSITIVE
from charter.monitoring import MonitorResult, monitor
from charter.predlog import PredictionRecord, SpoolWriter, default_spool_dir
from charter.registry import Registry

DAY = datetime(2026, 3, 2, 9, tzinfo=UTC)
DEAD_PID = 2**22 + 1  # above Linux's largest pid: no such process


def _finite_everywhere(result: MonitorResult, registry: Registry) -> None:
    json.dumps(result.to_dict(), allow_nan=False)
    assert all(p.value is None or math.isfinite(p.value) for p in registry.store.list_points(MODEL))
    for report in result.windows:
        assert report.status in {"ok", "warn", "alert", "no_data"}


def _record(i: int, inputs: dict[str, object], at: datetime) -> PredictionRecord:
    return PredictionRecord(
        f"r{i:06d}", MODEL, 1, "served", inputs, {"score": 0.3, "label": "<=50K"}, 2.0, at
    )


def test_one_row_window_judges_quality_but_not_drift(
    home: Path, registry: Registry, adult_model: Pipeline, adult_test_frame: pd.DataFrame
) -> None:
    row = adult_test_frame[adult_test_frame.notna().all(axis=1)].head(1).reset_index(drop=True)
    log_rows(home, adult_model, row, start=DAY, prefix="one")
    result = monitor(registry, MODEL, home=home)
    report = result.windows[0]
    assert report.n_rows == 1
    assert report.drift_status == "no_data" and report.drift_share is None
    assert report.drift_reason == "1 row(s): drift needs 30"
    assert all(c.status == "no_data" and c.statistic is None for c in report.features)
    assert report.prediction_status == "no_data" and report.prediction_psi is None
    assert all(q.status == "ok" for q in report.quality)  # a clean row is a clean row
    assert report.positive_rate in {0.0, 1.0}
    assert report.check("serving.latency_p99_ms").value == 3.0
    _finite_everywhere(result, registry)


def test_a_feature_that_is_all_missing(
    home: Path, registry: Registry, adult_model: Pipeline, adult_test_frame: pd.DataFrame
) -> None:
    rows = adult_test_frame.sample(n=200, random_state=3).reset_index(drop=True)
    rows["occupation"] = None
    log_rows(home, adult_model, rows, start=DAY, prefix="m")
    result = monitor(registry, MODEL, home=home)
    report = result.windows[0]
    drift = report.feature("occupation")
    assert (drift.status, drift.statistic) == ("no_data", None)
    assert drift.reason == "no non-missing values in the window"
    quality = report.quality_of("occupation")
    assert quality.missing_rate == 1.0
    assert (quality.missing_status, quality.status) == ("alert", "alert")
    assert report.status == "alert"  # the window is not a silent pass
    point = registry.store.list_points(MODEL, metric="quality.missing_rate[occupation]")[0]
    assert (point.value, point.status) == (1.0, "alert")
    _finite_everywhere(result, registry)


@pytest.mark.slow
def test_a_category_explosion_stays_bounded(
    home: Path, registry: Registry, adult_test_frame: pd.DataFrame
) -> None:
    complete = adult_test_frame[adult_test_frame.notna().all(axis=1)]
    base = complete.iloc[0][[*ADULT_FEATURES, *ADULT_SENSITIVE]].to_dict()
    n = 100_000
    records = [
        _record(i, {**base, "native_country": f"country-{i}"}, DAY + timedelta(seconds=i % 3600))
        for i in range(n)
    ]
    write_records(home, records)
    started = time.perf_counter()
    result = monitor(registry, MODEL, home=home)
    elapsed = time.perf_counter() - started
    report = result.windows[0]
    assert report.n_rows == n
    quality = report.quality_of("native_country")
    assert quality.unseen_category_rate == 1.0 and quality.unseen_status == "alert"
    drift = report.feature("native_country")
    assert drift.status == "alert" and drift.statistic is not None
    # one point per feature, not per category: the store does not grow with the explosion
    stored = registry.store.list_points(MODEL)
    assert not any("country-" in p.metric for p in stored)
    assert len(stored) == result.n_points < 200
    assert elapsed < 60, f"monitoring 100k rows took {elapsed:.1f}s"
    _finite_everywhere(result, registry)


def test_a_spool_torn_by_a_crash_keeps_its_complete_lines(
    home: Path, registry: Registry, adult_test_frame: pd.DataFrame
) -> None:
    spool = default_spool_dir(home)
    features = adult_test_frame.iloc[:50][[*ADULT_FEATURES, *ADULT_SENSITIVE]]
    rows = [
        {k: (None if pd.isna(v) else v) for k, v in features.iloc[i].items()} for i in range(50)
    ]
    # a writer killed mid-line: 30 complete lines, then half a record
    spool.mkdir(parents=True)
    dead = spool / f"spool-{DEAD_PID}-1-000001.active"
    lines = "".join(_record(i, rows[i], DAY).to_json() + "\n" for i in range(30))
    torn = _record(30, rows[30], DAY).to_json()[:57]
    dead.write_text(lines + torn, encoding="utf-8")
    # a live writer (this process) whose last line is still being written
    writer = SpoolWriter(spool)
    writer.append([_record(100 + i, rows[i], DAY) for i in range(20)])
    assert writer.path is not None
    with writer.path.open("ab") as handle:
        handle.write(b'{"request_id":"half')
    result = monitor(registry, MODEL, home=home)
    writer.close()
    assert result.windows[0].n_rows == 50
    assert not dead.exists()  # a dead writer's file is finished: its torn tail is dropped
    _finite_everywhere(result, registry)
