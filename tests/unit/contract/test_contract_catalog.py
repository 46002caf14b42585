from __future__ import annotations

from typing import get_args

from charter.contract import is_known_metric
from charter.contract.catalog import FAIRNESS_METRICS, FAMILIES, validation_metric_error
from charter.contract.gate import FairnessMetric


def test_is_known_metric_without_a_charter_checks_grammar_only() -> None:
    assert is_known_metric("drift.psi[anything]") is None
    assert is_known_metric("performance.rmse") is None
    assert is_known_metric("quality.volume_ratio") is None
    assert is_known_metric("revalidation.overdue") is None
    assert is_known_metric("serving.latency_p99_ms") is None


def test_is_known_metric_with_a_mapping_is_task_and_feature_aware() -> None:
    charter = {"task": "regression", "features": {"age": {"type": "integer"}}}
    assert is_known_metric("performance.rmse", charter) is None
    assert is_known_metric("quality.missing_rate[age]", charter) is None
    assert is_known_metric("prediction.positive_rate", charter) == (
        "'prediction.positive_rate' does not apply to the task regression"
    )
    assert is_known_metric("estimated.roc_auc", charter) == (
        "'estimated.roc_auc' does not apply to the task regression"
    )
    assert is_known_metric("quality.rejected_rate[age]", charter) == (
        "'quality.rejected_rate' is not computed per feature; write it as 'quality.rejected_rate'"
    )


def test_unknown_metric_suggests_a_close_name() -> None:
    message = is_known_metric("drift.psi.maxx")
    assert message is not None
    assert message.startswith("'drift.psi' cannot be aggregated with .maxx (allowed: .max, .mean)")
    message = is_known_metric("drfit.psi.max")
    assert message is not None and "(did you mean 'drift.psi.max'?)" in message


def test_fairness_names_agree_between_catalog_schema_and_families() -> None:
    assert set(get_args(FairnessMetric)) == set(FAIRNESS_METRICS)
    assert set(FAMILIES["fairness"]) == set(FAIRNESS_METRICS)


def test_validation_metric_error() -> None:
    assert validation_metric_error("f1", "multiclass_classification") is None
    assert validation_metric_error("f1", None) is None
    assert validation_metric_error("mape", "binary_classification") == (
        "'mape' is a regression metric; the task is binary_classification"
    )
