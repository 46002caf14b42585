"""Volume, rejects, serving latency and errors, and batch deadlines, window by window."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from monitor_kit import MODEL, log_rows, open_adult_registry, write_records
from sklearn.pipeline import Pipeline

from charter.datasets import load_adult
from charter.monitoring import MonitorResult, WindowReport, monitor
from charter.predlog import PredictionRecord
from charter.registry import Registry
from charter.store.ports_batch import FinishedBatchRun, NewBatchRun

D0 = datetime(2026, 3, 2, tzinfo=UTC)
DAY = timedelta(days=1)
NOW = D0 + 7 * DAY  # every window is over


def _day(n: int) -> datetime:
    return D0 + n * DAY


@dataclass
class Site:
    home: Path
    registry: Registry
    result: MonitorResult

    def window(self, day: int) -> WindowReport:
        return next(r for r in self.result.windows if r.window_start == _day(day))


def _errors(day: int, statuses: list[int]) -> list[PredictionRecord]:
    return [
        PredictionRecord(
            request_id=f"e{day}-{i}",
            model=MODEL,
            version=1,
            source="error",
            inputs={},
            outputs={"error": "invalid_input" if s < 500 else "internal", "status": s},
            latency_ms=1.0,
            at=_day(day) + timedelta(hours=10, seconds=i),
        )
        for i, s in enumerate(statuses)
    ]


def _batch_run(
    registry: Registry, run_id: str, day: int, finished_after: timedelta | None, **counts: int
) -> None:
    start, deadline = _day(day) + timedelta(hours=5), _day(day) + timedelta(hours=6)
    registry.store.start_batch_run(
        NewBatchRun(MODEL, 1, run_id, start, "scheduler", "local", "in.parquet", "out.parquet",
                    "rejects.parquet", deadline_at=deadline)
    )  # fmt: skip
    if finished_after is not None:
        finished = start + finished_after
        registry.store.finish_batch_run(
            MODEL, run_id,
            FinishedBatchRun("succeeded", finished, counts["rows_in"],
                             counts["rows_in"] - counts["rows_rejected"], counts["rows_rejected"],
                             met_deadline=finished <= deadline),
        )  # fmt: skip


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory,
    adult_model: Pipeline,
    adult_charter_path: Path,
    adult_sample: pd.DataFrame,
) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("health") / "home"
    registry = open_adult_registry(home, adult_model, adult_charter_path, adult_sample)
    try:
        test = load_adult().test.reset_index(drop=True)

        def rows(n: int, seed: int) -> pd.DataFrame:
            return test.sample(n=n, random_state=seed).reset_index(drop=True)

        nine = timedelta(hours=9)
        for day, n in ((0, 300), (1, 300), (2, 300), (3, 300), (4, 40), (6, 300)):
            log_rows(home, adult_model, rows(n, day), start=_day(day) + nine, prefix=f"s{day}-")
        log_rows(home, adult_model, rows(60, 30), start=_day(3) + nine, prefix="c-",
                 source="canary", latency_ms=80.0)  # fmt: skip
        log_rows(home, adult_model, rows(100, 31), start=_day(3) + nine, prefix="h-",
                 source="shadow", latency_ms=500.0)  # fmt: skip
        write_records(home, _errors(3, [422, 422, 400, 500, 503]))
        _batch_run(registry, "nightly-2", 2, timedelta(minutes=40), rows_in=500, rows_rejected=0)
        _batch_run(registry, "nightly-3", 3, timedelta(minutes=90), rows_in=1000, rows_rejected=20)
        _batch_run(registry, "nightly-5", 5, None)  # killed: still "running"
        result = monitor(registry, MODEL, home=home, now=NOW)
        yield Site(home, registry, result)
    finally:
        registry.close()


def test_volume_against_earlier_windows(site: Site) -> None:
    assert [r.window_start for r in site.result.windows] == [_day(d) for d in range(7)]
    ratios = [site.window(d).check("quality.volume_ratio") for d in range(7)]
    assert [c.status for c in ratios[:3]] == ["no_data"] * 3  # fewer than 3 earlier windows
    assert ratios[3].value == pytest.approx(360 / 300)  # canary counts, shadow does not
    assert ratios[3].status == "ok"
    assert ratios[4].value == pytest.approx(40 / 300) and ratios[4].status == "alert"
    assert (ratios[5].value, ratios[5].status) == (0.0, "alert")  # no traffic at all
    assert (ratios[6].value, ratios[6].status) == (1.0, "ok")
    empty = site.window(5)
    assert empty.n_rows == 0 and empty.drift_status == "no_data"


def test_serving_latency_errors_and_rejects(site: Site) -> None:
    day3 = site.window(3)
    assert day3.n_rows == 300 + 60 + 100
    latency = day3.check("serving.latency_p99_ms")
    expected = np.percentile(np.r_[np.full(300, 3.0), np.full(60, 80.0)], 99)
    assert latency.value == pytest.approx(expected)  # served and canary, never shadow
    assert (latency.status, latency.threshold, latency.n) == ("alert", 50.0, 360)
    errors = day3.check("serving.error_rate")
    assert errors.value == pytest.approx(5 / 365) and errors.status == "warn"
    rejected = day3.check("quality.rejected_rate")
    assert rejected.value == pytest.approx((3 + 20) / (360 + 5 + 1000))
    assert rejected.status == "alert"  # above delivery.batch.max_reject_share 0.01
    day1 = site.window(1)
    assert day1.check("serving.error_rate").value == 0.0  # no error records: 0, not unknown
    assert day1.check("serving.latency_p99_ms").status == "ok"
    assert day1.check("quality.rejected_rate").value == 0.0


def test_batch_runs_against_their_deadlines(site: Site) -> None:
    def delivery(day: int) -> tuple[float | None, str, float | None, str]:
        report = site.window(day)
        missed = report.check("delivery.missed_deadline")
        late = report.check("delivery.late_minutes")
        return missed.value, missed.status, late.value, late.status

    assert delivery(1) == (None, "no_data", None, "no_data")
    assert delivery(2) == (0.0, "ok", 0.0, "ok")
    assert delivery(3) == (1.0, "alert", 30.0, "alert")
    # the killed run is still "running", 42 hours past its deadline at NOW
    assert delivery(5) == (1.0, "alert", 42 * 60.0, "alert")
    stored = site.registry.store.list_points(MODEL, metric="delivery.missed_deadline")
    assert [(p.window_start, p.value) for p in stored if p.value] == [
        (_day(3), 1.0),
        (_day(5), 1.0),
    ]


def test_partial_windows_are_not_judged_on_volume(site: Site) -> None:
    until = _day(4) + timedelta(hours=9, minutes=30)
    cut = monitor(site.registry, MODEL, home=site.home, until=until, now=NOW)
    assert cut.windows[-1].check("quality.volume_ratio").status == "no_data"
    later = monitor(site.registry, MODEL, home=site.home, since=_day(4), until=_day(5), now=NOW)
    ratio = later.windows[0].check("quality.volume_ratio")  # earlier windows read from the log
    assert ratio.value == pytest.approx(40 / 300) and ratio.status == "alert"
