"""Verdict logic with injected numbers: no model, no timing, no database."""

from __future__ import annotations

import json
import math

import pytest

from charter.contract import Bound, ChampionSpec
from charter.metrics import Interval
from charter.validation import CheckResult, GateReport, LatencyMeasurement, judge_latency
from charter.validation.champion import judge_champion
from charter.validation.performance import judge_bound


def _measurement(p99: float) -> LatencyMeasurement:
    raw = {
        "single_row": {"p50_ms": p99 / 2, "p99_ms": p99},
        "batch": {"p50_ms": 9.0, "p99_ms": 12.0},
        "peak_rss_mib": 300.0,
        "load_s": 0.5,
    }
    return LatencyMeasurement.from_probe(raw)


def test_latency_within_the_slo_passes_and_over_it_fails() -> None:
    ok = judge_latency(_measurement(40.0), 50.0, "validation.latency.p99_ms")
    slow = judge_latency(_measurement(60.0), 50.0, "delivery.realtime.latency_p99_ms")
    assert (ok.verdict, ok.value, ok.threshold) == (
        "pass",
        40.0,
        "<= 50 ms (validation.latency.p99_ms)",
    )
    assert slow.verdict == "fail" and slow.reason.endswith("over the 50 ms limit")
    assert slow.details["batch_100_p99_ms"] == 12.0 and slow.details["peak_rss_mib"] == 300.0


@pytest.mark.parametrize(
    ("estimate", "low", "high", "verdict"),
    [(0.90, 0.88, 0.92, "pass"), (0.86, 0.84, 0.88, "warn"), (0.84, 0.82, 0.86, "fail")],
)
def test_a_metric_bound_passes_warns_on_a_crossing_interval_and_fails(
    estimate: float, low: float, high: float, verdict: str
) -> None:
    check = judge_bound(
        "roc_auc", "performance", Interval(estimate, low, high, 0.95, 200), Bound(min=0.85)
    )
    assert check.verdict == verdict
    assert check.threshold == ">= 0.85"


def test_an_upper_bound_fails_above_it() -> None:
    check = judge_bound(
        "brier", "performance", Interval(0.2, 0.19, 0.21, 0.95, 200), Bound(max=0.12)
    )
    assert check.verdict == "fail" and "above the maximum 0.12" in check.reason


@pytest.mark.parametrize(
    ("metric", "difference", "min_change", "relative", "verdict"),
    [
        ("roc_auc", (-0.002, -0.004, 0.0), -0.005, False, "pass"),
        ("roc_auc", (-0.02, -0.03, -0.01), -0.005, False, "fail"),
        ("roc_auc", (0.004, -0.001, 0.009), 0.0, False, "warn"),
        ("brier", (0.01, 0.008, 0.012), -0.005, False, "fail"),  # lower is better: +0.01 is worse
        ("brier", (-0.002, -0.003, -0.001), 0.0, False, "pass"),
        ("roc_auc", (-0.004, -0.0045, -0.0035), -0.01, True, "fail"),  # -0.01 x 0.2 = -0.002
    ],
)
def test_the_champion_margin_reads_the_metric_direction(
    metric: str,
    difference: tuple[float, float, float],
    min_change: float,
    relative: bool,
    verdict: str,
) -> None:
    spec = ChampionSpec(metric=metric, min_change=min_change, relative=relative)
    interval = Interval(*difference, 0.95, 200)
    champion_value = 0.2 if relative else 0.9
    check = judge_champion(spec, interval, champion_value, champion_ref="m@1")
    assert check.verdict == verdict, check.reason
    assert check.details["champion"] == "m@1"


def test_the_report_status_and_strict_json() -> None:
    checks = (
        CheckResult("a", "data", "pass", 1.0),
        CheckResult("b", "calibration", "warn", math.nan, reason="why"),
        CheckResult("c", "latency", "skipped"),
    )
    report = GateReport("m", 1, "ab" * 32, checks, plots={"x": [math.inf, 1]})
    assert (report.status, report.passed, report.ref) == ("warn", True, "m@1")
    body = report.to_dict()
    json.dumps(body, allow_nan=False)
    assert body["checks"][1]["value"] is None and body["plots"]["x"] == [None, 1]
    assert body["summary"] == {"pass": 1, "warn": 1, "fail": 0, "skipped": 1}
    failed = GateReport("m", 1, "", (*checks, CheckResult("d", "fairness", "fail")))
    assert failed.status == "fail" and [c.name for c in failed.failures] == ["d"]
    with pytest.raises(KeyError):
        report.check("nope")
