"""Performance metrics against scikit-learn, the oracle, to 1e-12; and the errors bad input gets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from charter.errors import DataError
from charter.metrics import (
    CLASSIFICATION_METRICS,
    HIGHER_IS_BETTER,
    REGRESSION_METRICS,
    compute_metric,
    compute_metrics,
)

Oracle = Callable[[Any, Any], float]

CLASSIFICATION_ORACLES: dict[str, Oracle] = {
    "roc_auc": skm.roc_auc_score,
    "pr_auc": skm.average_precision_score,
    "accuracy": lambda y, s: skm.accuracy_score(y, s >= 0.5),
    "precision": lambda y, s: skm.precision_score(y, s >= 0.5, zero_division=0),
    "recall": lambda y, s: skm.recall_score(y, s >= 0.5, zero_division=0),
    "f1": lambda y, s: skm.f1_score(y, s >= 0.5, zero_division=0),
    "log_loss": lambda y, s: skm.log_loss(y, y_proba=s, labels=[0, 1]),
    "brier": skm.brier_score_loss,
}
REGRESSION_ORACLES: dict[str, Oracle] = {
    "rmse": skm.root_mean_squared_error,
    "mae": skm.mean_absolute_error,
    "r2": skm.r2_score,
    "mape": skm.mean_absolute_percentage_error,
}


def _binary(seed: int, n: int = 500, decimals: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Labels and rounded probability scores (rounding makes ties)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    score = np.round(np.clip(0.35 * y + 0.65 * rng.random(n), 0, 1), decimals)
    return y, score


def test_the_vocabulary_is_complete() -> None:
    assert set(HIGHER_IS_BETTER) == set(CLASSIFICATION_METRICS) | set(REGRESSION_METRICS)
    assert set(CLASSIFICATION_ORACLES) == set(CLASSIFICATION_METRICS)
    assert set(REGRESSION_ORACLES) == set(REGRESSION_METRICS)
    assert [m for m, up in HIGHER_IS_BETTER.items() if not up] == [
        "log_loss",
        "brier",
        "rmse",
        "mae",
        "mape",
    ]


@pytest.mark.parametrize("name", CLASSIFICATION_METRICS)
@pytest.mark.parametrize("seed", range(5))
def test_classification_metric_equals_sklearn(name: str, seed: int) -> None:
    y, score = _binary(seed, decimals=1 + seed % 3)
    assert compute_metric(name, y, score) == pytest.approx(
        CLASSIFICATION_ORACLES[name](y, score), abs=1e-12
    )


@pytest.mark.parametrize("name", REGRESSION_METRICS)
@pytest.mark.parametrize("seed", range(5))
def test_regression_metric_equals_sklearn(name: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.normal(3.0, 2.0, 400)
    prediction = y + rng.normal(0.0, 1.0, 400)
    expected = REGRESSION_ORACLES[name](y, prediction)
    assert compute_metric(name, y, prediction) == pytest.approx(expected, rel=1e-12, abs=1e-12)


@settings(max_examples=50, deadline=None)
@given(
    labels=st.lists(st.integers(0, 1), min_size=2, max_size=60),
    levels=st.integers(1, 8),
    seed=st.integers(0, 2**16),
)
def test_ranking_metrics_equal_sklearn_with_heavy_ties(
    labels: list[int], levels: int, seed: int
) -> None:
    y = np.array(labels)
    if y.min() == y.max():
        y[0] = 1 - y[0]
    score = np.random.default_rng(seed).integers(0, levels, y.size) / levels
    assert compute_metric("roc_auc", y, score) == pytest.approx(
        skm.roc_auc_score(y, score), abs=1e-12
    )
    assert compute_metric("pr_auc", y, score) == pytest.approx(
        skm.average_precision_score(y, score), abs=1e-12
    )


@settings(max_examples=50, deadline=None)
@given(
    labels=st.lists(st.booleans(), min_size=1, max_size=60),
    seed=st.integers(0, 2**16),
    threshold=st.sampled_from([0.0, 0.3, 0.5, 0.9, 1.0]),
)
def test_label_metrics_equal_sklearn_at_any_threshold(
    labels: list[bool], seed: int, threshold: float
) -> None:
    y = np.array(labels)
    score = np.round(np.random.default_rng(seed).random(y.size), 1)
    predicted = score >= threshold
    expected = {
        "accuracy": skm.accuracy_score(y, predicted),
        "precision": skm.precision_score(y, predicted, zero_division=0),
        "recall": skm.recall_score(y, predicted, zero_division=0),
        "f1": skm.f1_score(y, predicted, zero_division=0),
    }
    assert compute_metrics(expected, y, score, threshold=threshold) == pytest.approx(
        expected, abs=1e-12
    )


@settings(max_examples=50, deadline=None)
@given(
    y=st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=2, max_size=40),
    seed=st.integers(0, 2**16),
)
def test_regression_metrics_equal_sklearn_on_any_values(y: list[float], seed: int) -> None:
    target = np.array(y)
    prediction = target + np.random.default_rng(seed).normal(0, 10, target.size)
    for name in ("rmse", "mae", "mape"):
        expected = REGRESSION_ORACLES[name](target, prediction)
        assert compute_metric(name, target, prediction) == pytest.approx(expected, rel=1e-12)


def test_compute_metrics_keeps_order_and_accepts_pandas() -> None:
    y, score = _binary(7)
    result = compute_metrics(["brier", "roc_auc"], pd.Series(y), pd.Series(score))
    assert list(result) == ["brier", "roc_auc"]
    assert result["roc_auc"] == compute_metric("roc_auc", y, score)


def test_boolean_labels_and_extreme_probabilities() -> None:
    y = np.array([True, False, True, False])
    score = np.array([1.0, 0.0, 0.0, 1.0])
    assert compute_metric("log_loss", y, score) == pytest.approx(
        skm.log_loss(y, y_proba=score, labels=[False, True]), abs=1e-12
    )


@pytest.mark.parametrize("name", ["roc_auc", "pr_auc"])
def test_one_class_is_an_error_not_nan(name: str) -> None:
    with pytest.raises(DataError) as info:
        compute_metric(name, np.ones(5), np.linspace(0, 1, 5))
    assert info.value.message == f"{name} needs both classes in y_true; got only 1"


def test_r2_of_a_constant_target_is_an_error() -> None:
    with pytest.raises(DataError, match="r2 needs at least 2 distinct values in y_true"):
        compute_metric("r2", np.full(4, 0.1), np.arange(4.0))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: compute_metric("roc_auc", np.zeros(10), np.zeros(9)),
            "y_true and score must have the same length; got 10 and 9",
        ),
        (lambda: compute_metric("roc_auc", [], []), "y_true must not be empty; got 0 rows"),
        (
            lambda: compute_metric("roc_auc", [0, 1, 1], [0.1, np.nan, np.nan]),
            "score must be finite; got 2 NaN values",
        ),
        (
            lambda: compute_metric("mae", [0.0, 1.0], [np.inf, 0.0]),
            "score must be finite; got 1 infinite values",
        ),
        (
            lambda: compute_metric("accuracy", [0, 1, 2], [0.1, 0.2, 0.3]),
            "y_true must be binary (0/1 or bool) for accuracy; got 2",
        ),
        (
            lambda: compute_metric("f1", ["a", "b"], [0.1, 0.2]),
            "y_true must be binary (0/1 or bool) for f1; got values of type <U1",
        ),
        (
            lambda: compute_metric("brier", [0, 1], [0.5, 1.5]),
            "score must be a probability in [0, 1] for brier; got min 0.5, max 1.5",
        ),
        (
            lambda: compute_metric("roc_auc", [0, 1], [[0.1, 0.2]]),
            "score must be one-dimensional; got shape (1, 2)",
        ),
        (
            lambda: compute_metric("accuracy", [0, 1], [0.1, 0.2], threshold=float("nan")),
            "threshold must be a finite number; got nan",
        ),
    ],
)
def test_bad_input_names_the_argument_and_the_rule(call: Callable[[], Any], message: str) -> None:
    with pytest.raises(DataError) as info:
        call()
    assert info.value.message == message


def test_unknown_metric_lists_the_valid_names() -> None:
    with pytest.raises(DataError) as info:
        compute_metric("auc", [0, 1], [0.2, 0.8])
    assert info.value.message.startswith("unknown metric 'auc'; valid names: roc_auc, pr_auc,")
    assert isinstance(info.value, ValueError)
