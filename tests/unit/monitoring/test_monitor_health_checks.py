"""Serving and delivery health, volume and rejects: the one-number checks of a window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from charter.contract import Charter, parse_charter
from charter.monitoring.health import delivery_checks, serving_checks
from charter.monitoring.quality import (
    refused_count,
    rejected_check,
    volume_check,
    window_volumes,
)
from charter.monitoring.reference import chunk_rows
from charter.monitoring.windows import Window
from charter.store.ports_batch import BatchRunRecord

DAY = timedelta(days=1)
START = datetime(2026, 3, 10, tzinfo=UTC)
DEADLINE = START + timedelta(hours=6)


@pytest.fixture(scope="module")
def charter() -> Charter:
    text = (resources.files("charter.examples") / "adult_charter.yaml").read_text("utf-8")
    return parse_charter(text)


def _errors(*statuses: int | None) -> pd.DataFrame:
    return pd.DataFrame({"output_error": ["x"] * len(statuses), "output_status": list(statuses)})


def test_latency_p99_against_the_slo(charter: Charter) -> None:
    latencies = np.r_[np.full(95, 10.0), np.full(5, 80.0)]
    latency, errors = serving_checks(charter, pd.DataFrame({"latency_ms": latencies}), _errors())
    assert latency.value == pytest.approx(np.percentile(latencies, 99))
    assert (latency.status, latency.threshold, latency.n) == ("alert", 50.0, 100)
    assert (errors.value, errors.status, errors.n) == (0.0, "ok", 100)
    assert errors.reason == "0 error(s) for 100 answered request(s)"
    fast, _ = serving_checks(charter, pd.DataFrame({"latency_ms": [5.0, None]}), _errors())
    assert (fast.value, fast.status, fast.n) == (5.0, "ok", 1)


def test_latency_without_slo_is_stored_but_not_judged(charter: Charter) -> None:
    no_slo = charter.model_copy(
        update={"delivery": charter.delivery.model_copy(update={"realtime": None})}
    )
    latency, _ = serving_checks(no_slo, pd.DataFrame({"latency_ms": [5.0]}), _errors())
    assert (latency.value, latency.status) == (5.0, "ok")
    assert "no latency SLO" in latency.reason


def test_error_rate_counts_error_records(charter: Charter) -> None:
    answered = pd.DataFrame({"latency_ms": np.ones(97)})
    _, errors = serving_checks(charter, answered, _errors(500, 422, 503))
    assert (errors.value, errors.status, errors.n) == (pytest.approx(0.03), "warn", 100)
    _, many = serving_checks(charter, answered.iloc[:10], _errors(500, 500))
    assert many.status == "alert"
    nothing, none = serving_checks(charter, answered.iloc[:0], _errors())
    assert (nothing.status, none.status, none.value) == ("no_data", "no_data", None)


def test_rejected_rate_counts_4xx_errors_and_batch_rejects(charter: Charter) -> None:
    assert refused_count(_errors(400, 422, 500, None)) == 2
    assert refused_count(pd.DataFrame()) == 0
    run = BatchRunRecord(
        "adult-income", 1, "r1", "succeeded", START, "ops", "local", "in", "out", "rej",
        rows_in=1000, rows_scored=980, rows_rejected=20,
    )  # fmt: skip
    check = rejected_check(charter, requests=97, errors=3, refused=2, runs=[run])
    assert check.value == pytest.approx(22 / 1100)
    assert (check.status, check.threshold, check.n) == ("alert", 0.01, 1100)
    clean = rejected_check(charter, requests=100, errors=0, refused=0, runs=[])
    assert (clean.value, clean.status) == (0.0, "ok")
    assert rejected_check(charter, requests=0, errors=0, refused=0, runs=[]).status == "no_data"


def _run(
    run_id: str,
    status: str,
    finished: datetime | None,
    *,
    met: bool | None,
    deadline: datetime | None = DEADLINE,
) -> BatchRunRecord:
    return BatchRunRecord(
        "adult-income", 1, run_id, status, START + timedelta(hours=5), "ops", "local", "in",
        "out", "rej", finished_at=finished, rows_in=10, rows_scored=10, deadline_at=deadline,
        met_deadline=met,
    )  # fmt: skip


def test_delivery_against_deadlines() -> None:
    now = START + timedelta(hours=9)
    on_time = _run("a", "succeeded", DEADLINE - timedelta(minutes=5), met=True)
    late = _run("b", "succeeded", DEADLINE + timedelta(minutes=30), met=False)
    failed = _run("c", "failed", DEADLINE - timedelta(minutes=50), met=False)
    stuck = _run("d", "running", None, met=None)
    missed, minutes = delivery_checks([on_time, late, failed, stuck], now)
    assert (missed.value, missed.status, missed.n) == (3.0, "alert", 4)
    assert (minutes.value, minutes.status) == (180.0, "alert")  # the stuck run, 3 h past
    assert "b, c, d" in missed.reason
    fine, zero = delivery_checks([on_time], now)
    assert (fine.value, fine.status, zero.value, zero.status) == (0.0, "ok", 0.0, "ok")
    pending, _ = delivery_checks([stuck], DEADLINE - timedelta(minutes=1))
    assert (pending.value, pending.status) == (0.0, "ok")
    only_failed, never = delivery_checks([failed], now)
    assert (only_failed.status, never.value, never.status) == ("alert", None, "no_data")
    unjudged, _ = delivery_checks([_run("e", "succeeded", now, met=None, deadline=None)], now)
    assert (unjudged.status, unjudged.reason) == ("no_data", "no run had a deadline")
    assert delivery_checks([], now)[0].reason == "no batch run in this window"


def _at(*days_and_counts: tuple[int, int]) -> pd.DataFrame:
    moments = [
        START + day * DAY + timedelta(hours=1 + i % 20)
        for day, n in days_and_counts
        for i in range(n)
    ]
    return pd.DataFrame({"at": pd.to_datetime(moments, utc=True)})


def test_volume_against_the_median_of_earlier_windows() -> None:
    volumes = window_volumes(_at((0, 100), (1, 120), (2, 80), (3, 100), (4, 10)), DAY)
    assert volumes[START + DAY] == 120

    def check(day: int, complete: bool = True) -> tuple[float | None, str]:
        window = Window(START + day * DAY, START + (day + 1) * DAY)
        found = volume_check(window, volumes, DAY, is_complete=complete)
        return found.value, found.status

    assert check(2) == (None, "no_data")  # two earlier windows are not enough
    assert check(3) == (pytest.approx(1.0), "ok")  # median of 100, 120, 80
    assert check(4) == (pytest.approx(0.1), "alert")
    assert check(5) == (0.0, "alert")  # an empty window where traffic was expected
    assert check(4, complete=False) == (None, "no_data")
    quiet = window_volumes(_at((0, 100), (1, 100), (2, 100), (3, 45)), DAY)
    assert (
        volume_check(Window(START + 3 * DAY, START + 4 * DAY), quiet, DAY, is_complete=True).status
        == "warn"
    )


def test_learning_chunks_are_as_noisy_as_a_window() -> None:
    assert chunk_rows(4000, None) == 400  # NannyML's 10 chunks
    assert chunk_rows(4000, 1500) == 857  # 1/857 - 1/4000 = 1/1500 + 1/4000
    assert chunk_rows(100_000, 1000) == 980
    assert chunk_rows(4000, 5) == 30  # never fewer rows than a judged window
    assert chunk_rows(40, 1000) == 20  # at least two chunks per order
