"""Model performance metrics by name, checked against scikit-learn to 1e-12.

Metric names are the vocabulary of the charter's ``validation`` thresholds, so this module owns
them: ``CLASSIFICATION_METRICS`` for a binary task (``score`` is P(positive)),
``REGRESSION_METRICS`` for a regression (``score`` is the prediction), and ``HIGHER_IS_BETTER``
for the direction a gate compares in.

Definitions (each equals the scikit-learn function named):

- ``roc_auc``: ``roc_auc_score``; ties in ``score`` count one half.
- ``pr_auc``: average precision, ``average_precision_score`` (a step sum, not the trapezoid).
- ``accuracy``, ``precision``, ``recall``, ``f1``: on labels ``score >= threshold``, with
  ``zero_division=0`` (precision is 0 when nothing is predicted positive).
- ``log_loss``: ``log_loss`` with the probability clipped to ``[eps, 1 - eps]``.
- ``brier``: ``brier_score_loss``. ``rmse``: ``root_mean_squared_error``. ``mae``, ``r2``,
  ``mape``: ``mean_absolute_error``, ``r2_score``, ``mean_absolute_percentage_error`` (a fraction,
  not a percentage; ``|y_true|`` is floored at machine epsilon).

A metric that is undefined on the data (``roc_auc`` or ``pr_auc`` with one class, ``r2`` with a
constant ``y_true``) raises ``DataError`` rather than returning NaN, so a gate cannot pass on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

from charter.errors import DataError
from charter.metrics._inputs import (
    as_binary,
    as_finite,
    check_probability,
    check_same_length,
)
from charter.metrics._weighted import KERNELS, Floats, Weights

__all__ = [
    "CLASSIFICATION_METRICS",
    "HIGHER_IS_BETTER",
    "REGRESSION_METRICS",
    "compute_metric",
    "compute_metrics",
    "degenerate_message",
    "evaluate_point",
    "evaluate_weighted",
    "prepare_metric_inputs",
]

CLASSIFICATION_METRICS: tuple[str, ...] = (
    "roc_auc",
    "pr_auc",
    "accuracy",
    "precision",
    "recall",
    "f1",
    "log_loss",
    "brier",
)
REGRESSION_METRICS: tuple[str, ...] = ("rmse", "mae", "r2", "mape")

HIGHER_IS_BETTER: dict[str, bool] = {
    "roc_auc": True,
    "pr_auc": True,
    "accuracy": True,
    "precision": True,
    "recall": True,
    "f1": True,
    "log_loss": False,
    "brier": False,
    "rmse": False,
    "mae": False,
    "r2": True,
    "mape": False,
}

_PROBABILITY_METRICS = frozenset({"log_loss", "brier"})
_NEEDS_BOTH_CLASSES = frozenset({"roc_auc", "pr_auc"})


def _check_name(name: str) -> None:
    if name not in KERNELS:
        valid = ", ".join(CLASSIFICATION_METRICS + REGRESSION_METRICS)
        raise DataError(f"unknown metric {name!r}; valid names: {valid}")


def _check_threshold(threshold: float) -> float:
    value = float(threshold)
    if not np.isfinite(value):
        raise DataError(f"threshold must be a finite number; got {threshold!r}")
    return value


def prepare_metric_inputs(
    name: str, y_true: Any, score: Any, *, score_name: str = "score"
) -> tuple[npt.NDArray[Any], Floats]:
    """Check the metric name and convert ``y_true`` and ``score`` once, for repeated evaluation.

    Classification metrics get ``y_true`` as booleans; regression metrics get float64.
    """
    _check_name(name)
    if name in REGRESSION_METRICS:
        y: npt.NDArray[Any] = as_finite(y_true, "y_true")
    else:
        y = as_binary(y_true, "y_true", purpose=name)
    values = as_finite(score, score_name)
    check_same_length(y_true=y, **{score_name: values})
    if name in _PROBABILITY_METRICS:
        check_probability(values, score_name, purpose=name)
    return y, values


def evaluate_weighted(
    name: str, y: npt.NDArray[Any], score: Floats, weights: Weights, *, threshold: float = 0.5
) -> Floats:
    """Metric per weighting (rows of ``weights``); NaN where it is undefined on that weighting."""
    return KERNELS[name](y, score, weights, threshold)


def degenerate_message(name: str) -> str:
    """Why ``name`` could not be computed on the full data."""
    if name in _NEEDS_BOTH_CLASSES:
        return f"{name} needs both classes in y_true; got only 1"
    return f"{name} needs at least 2 distinct values in y_true; got only 1"


def compute_metric(name: str, y_true: Any, score: Any, *, threshold: float = 0.5) -> float:
    """Compute one performance metric by name.

    Parameters
    ----------
    name
        One of ``CLASSIFICATION_METRICS`` or ``REGRESSION_METRICS``.
    y_true
        Binary labels (0/1 or bool) for classification; targets for regression.
    score
        P(positive) for classification (any real score for the ranking and label metrics,
        a probability for ``log_loss`` and ``brier``); predictions for regression.
    threshold
        Label metrics predict positive where ``score >= threshold``.

    Returns
    -------
    float
        The metric; see the module docstring for each definition.

    Raises
    ------
    DataError
        Unknown name; empty, mismatched, non-finite or non-binary input; or a metric that is
        undefined on this data (one class for ``roc_auc``/``pr_auc``, constant ``y_true`` for r2).
    """
    threshold = _check_threshold(threshold)
    y, values = prepare_metric_inputs(name, y_true, score)
    return evaluate_point(name, y, values, threshold=threshold)


def evaluate_point(
    name: str, y: npt.NDArray[Any], score: Floats, *, threshold: float = 0.5
) -> float:
    """The metric on prepared inputs; a ``DataError`` where it is undefined on them."""
    value = float(evaluate_weighted(name, y, score, None, threshold=threshold)[0])
    if np.isnan(value):
        raise DataError(degenerate_message(name))
    return value


def compute_metrics(
    names: Iterable[str], y_true: Any, score: Any, *, threshold: float = 0.5
) -> dict[str, float]:
    """Compute several metrics on the same rows, converting the input once per kind of task.

    Parameters
    ----------
    names
        Metric names, as for :func:`compute_metric`.
    y_true, score, threshold
        As for :func:`compute_metric`.

    Returns
    -------
    dict[str, float]
        Name to value, in the order given.
    """
    threshold = _check_threshold(threshold)
    prepared: dict[bool, tuple[npt.NDArray[Any], Floats]] = {}
    results: dict[str, float] = {}
    for name in names:
        _check_name(name)
        is_regression = name in REGRESSION_METRICS
        if is_regression not in prepared:
            prepared[is_regression] = prepare_metric_inputs(name, y_true, score)
        y, values = prepared[is_regression]
        if name in _PROBABILITY_METRICS:
            check_probability(values, "score", purpose=name)
        results[name] = evaluate_point(name, y, values, threshold=threshold)
    return results
