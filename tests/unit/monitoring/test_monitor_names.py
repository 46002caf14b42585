"""Every figure ``monitor`` stores is named from the policy catalogue, and is never NaN."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from importlib import resources

import pandas as pd
import pytest

from charter.contract import Charter, parse_charter
from charter.contract.catalog import FAIRNESS_METRICS, is_known_metric
from charter.errors import ContractError
from charter.metrics.drift import METHODS
from charter.monitoring import naming
from charter.monitoring.health import delivery_checks, serving_checks
from charter.monitoring.points import report_points, worst
from charter.monitoring.quality import rejected_check, volume_check
from charter.monitoring.result import (
    Check,
    ExtraCheck,
    FairnessCheck,
    FeatureCheck,
    GroupRate,
    PerformanceCheck,
    QualityCheck,
    WindowReport,
)
from charter.monitoring.windows import Window

START = datetime(2026, 3, 2, tzinfo=UTC)


def adult_charter() -> Charter:
    text = (resources.files("charter.examples") / "adult_charter.yaml").read_text("utf-8")
    return parse_charter(text)


def _report() -> WindowReport:
    """A window with one of every kind of figure, some values missing or not finite."""
    charter = adult_charter()
    window = Window(START, START + timedelta(days=1))
    features = (
        *(
            FeatureCheck(f"f_{method}", "numeric", method, 0.1 * i, None, 0.25, "ok", "")
            for i, method in enumerate(METHODS)
        ),
        FeatureCheck("blank", "numeric", "psi", None, None, 0.25, "no_data", "no rows"),
    )
    quality = (
        QualityCheck("age", "numeric", 0.1, 0.05, 0.0, None, "ok", "", "ok", "ok", "no_data"),
        QualityCheck("job", "categorical", 0.0, 0.0, None, 0.5, "alert", "", "ok", "no_data",
                     "alert"),
    )  # fmt: skip
    realtime = pd.DataFrame({"latency_ms": [1.0, 2.0, float("nan")]})
    return WindowReport(
        version=1,
        window_start=window.start,
        window_end=window.end,
        n_rows=3,
        drift_status="ok",
        drift_share=float("nan"),
        drift_reason="",
        features=features,
        quality=quality,
        prediction_psi=0.01,
        prediction_ks=float("inf"),
        prediction_status="ok",
        positive_rate=0.3,
        performance=(PerformanceCheck("roc_auc", 0.8, 0.82, None, 10, "alert", ""),),
        status="alert",
        fairness=tuple(
            FairnessCheck(metric, ("sex",), 0.9, 0.8, None, 100, "ok", "")
            for metric in FAIRNESS_METRICS
        ),
        groups=(
            GroupRate("sex", "Female", 40, 0.2, 30, 0.5, 0.1, False),
            GroupRate("sex", "odd [value]", 2, 0.5, 0, None, None, True),
        ),
        checks=(
            volume_check(window, {window.start: 3}, timedelta(days=1), is_complete=True),
            rejected_check(charter, requests=3, errors=1, refused=1, runs=()),
            *serving_checks(charter, realtime, realtime.iloc[:0]),
            *delivery_checks((), START),
        ),
        extra=(
            ExtraCheck("cbpe", "ok", "", (Check("estimated.roc_auc", 0.8, "ok", ""),)),
            ExtraCheck("domain", "ok", "", (Check("drift.domain_classifier_auc", 0.5, "ok", ""),)),
        ),
    )


def test_every_stored_name_is_in_the_catalogue() -> None:
    points = report_points("churn", _report())
    names = [p.metric for p in points]
    assert len(names) == len(set(names)), "a metric stored twice in one window"
    for name in names:
        assert naming.catalogue_error(name) is None, name
        assert is_known_metric(naming.base_name(name)) is None or "[" in name, name
    assert {
        "drift.share_drifted", "drift.psi[f_psi]", "drift.psi.max", "drift.psi.mean",
        "drift.ks[f_ks]", "quality.missing_rate[age]", "quality.missing_rate.max",
        "quality.out_of_range_rate[age]", "quality.unseen_category_rate[job]",
        "quality.unseen_category_rate.max", "quality.rejected_rate", "quality.volume_ratio",
        "prediction.psi", "prediction.ks", "prediction.positive_rate",
        "prediction.positive_rate[sex=Female]", "performance.recall[sex=Female]",
        "performance.roc_auc", "fairness.demographic_parity_ratio", "serving.latency_p99_ms",
        "serving.error_rate", "delivery.missed_deadline", "delivery.late_minutes",
        "estimated.roc_auc", "drift.domain_classifier_auc",
    } <= set(names)  # fmt: skip
    assert "prediction.positive_rate[sex=odd (value)]" in names
    assert "quality.unseen_category_rate[age]" not in names  # a numeric column has no categories


def test_stored_values_are_finite_or_none_with_their_own_status() -> None:
    points = {p.metric: p for p in report_points("churn", _report())}
    assert all(p.value is None or math.isfinite(p.value) for p in points.values())
    assert points["drift.share_drifted"].value is None
    assert points["prediction.ks"].value is None
    assert points["quality.unseen_category_rate[job]"].status == "alert"
    assert points["quality.missing_rate[job]"].status == "ok"
    assert points["drift.psi.max"].status == "ok"  # the blank feature is not judged
    assert points["prediction.positive_rate[sex=odd (value)]"].status == "no_data"  # small
    assert points["serving.latency_p99_ms"].value == pytest.approx(1.99)
    assert points["serving.error_rate"].value == 0.0  # no error records: 0 of 3 answered


def test_extra_check_names_outside_the_catalogue_are_refused() -> None:
    assert naming.require_known("estimated.roc_auc") == "estimated.roc_auc"
    with pytest.raises(ContractError, match=r"monitoring cannot store 'estimated\.auc'"):
        naming.require_known("estimated.auc")
    with pytest.raises(ContractError, match="cannot be aggregated"):
        naming.require_known("drift.share_drifted.max")


def test_worst_status() -> None:
    assert worst([]) == "no_data"
    assert worst(["ok", "no_data"]) == "ok"
    assert worst(["ok", "alert", "warn"]) == "alert"
