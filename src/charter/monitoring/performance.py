"""What a window's predictions said and, once labels arrive, how right they were.

``outcomes_of`` reads a window's answered rows once: the logged scores, the decisions (the logged
label where there is one, else the score at the charter's label threshold) and the labels
ingested so far (``ingest_labels``), joined by request id. ``performance_checks`` computes the
realized metrics on the labelled rows against ``monitoring.performance`` (binary
classification; ``roc_auc`` always, plus every metric the charter bounds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from charter.errors import DataError
from charter.metrics import compute_metric
from charter.monitoring.reference import ReferenceData
from charter.monitoring.result import PerformanceCheck, Status

if TYPE_CHECKING:
    from charter.registry import Registry

__all__ = ["Outcomes", "finite", "outcomes_of", "performance_checks"]


def finite(value: Any) -> float | None:
    """``value`` as a float, or ``None`` when missing or not finite (never NaN)."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class Outcomes:
    """Scores, decisions and labels of a window's answered rows, aligned with the rows.

    ``labels`` holds the ingested label text (``None`` where none arrived yet); ``y_true`` the
    binary truth (1 for the positive class) where ``is_labelled``, for binary classifiers.
    """

    scores: npt.NDArray[np.float64]
    decisions: npt.NDArray[np.bool_]
    labels: pd.Series
    is_labelled: npt.NDArray[np.bool_]
    y_true: npt.NDArray[np.int64] | None

    @property
    def n_labelled(self) -> int:
        return int(self.is_labelled.sum())


def outcomes_of(
    registry: Registry, name: str, reference: ReferenceData, rows: pd.DataFrame
) -> Outcomes:
    """Read the scores, decisions and joined labels of ``rows`` (see the module docstring)."""
    n = len(rows)
    scores = (
        pd.to_numeric(rows["output_score"], errors="coerce").to_numpy(np.float64)
        if "output_score" in rows.columns
        else np.full(n, np.nan)
    )
    decisions = scores >= reference.label_threshold
    if "output_label" in rows.columns:
        logged = rows["output_label"]
        has_label = logged.notna().to_numpy()
        said = (logged.astype(str) == reference.positive).to_numpy()
        decisions = np.where(has_label, said, decisions)
    ids = rows["request_id"].astype(str) if n else pd.Series([], dtype=str)
    stored = registry.store.labels_for(name, ids) if n else {}
    labels = pd.Series(
        [stored[i].label if i in stored else None for i in ids], index=rows.index, dtype=object
    )
    is_labelled = labels.notna().to_numpy()
    y_true = None
    if reference.charter.task == "binary_classification":
        y_true = (labels == reference.positive).to_numpy().astype(np.int64)
    return Outcomes(scores, decisions.astype(bool), labels, is_labelled, y_true)


def _judge(
    metric: str, value: float, low: float | None, high: float | None, n: int
) -> tuple[Status, str]:
    if low is not None and value < low:
        return "alert", f"{metric} {value:.4g} < {low:g}"
    if high is not None and value > high:
        return "alert", f"{metric} {value:.4g} > {high:g}"
    return "ok", f"{metric} {value:.4g} on {n} labelled predictions"


def performance_checks(
    reference: ReferenceData, outcomes: Outcomes
) -> tuple[PerformanceCheck, ...]:
    """Realized metrics on the labelled rows against ``monitoring.performance``."""
    if reference.charter.task != "binary_classification" or outcomes.y_true is None:
        return ()
    bounds = dict(reference.charter.monitoring.performance)
    mask = outcomes.is_labelled
    n = int(mask.sum())
    y, scores = outcomes.y_true[mask], outcomes.scores[mask]
    checks = []
    for metric in sorted({"roc_auc", *bounds}):
        bound = bounds.get(metric)
        low = bound.min if bound is not None else None
        high = bound.max if bound is not None else None
        if n == 0:
            checks.append(PerformanceCheck(metric, None, low, high, 0, "no_data", "no labels yet"))
            continue
        try:
            value = finite(compute_metric(metric, y, scores, threshold=reference.label_threshold))
        except DataError as exc:
            checks.append(PerformanceCheck(metric, None, low, high, n, "no_data", str(exc)))
            continue
        if value is None:
            checks.append(PerformanceCheck(metric, None, low, high, n, "no_data", "undefined"))
            continue
        status, reason = _judge(metric, value, low, high, n)
        checks.append(PerformanceCheck(metric, value, low, high, n, status, reason))
    return tuple(checks)
