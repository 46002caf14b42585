"""Performance: the charter's metric bounds, each judged with a bootstrap confidence interval.

A metric whose point estimate breaks its bound fails. One that meets the bound while its 95%
interval reaches across it warns: the holdout cannot tell whether the model really clears it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.metrics import precision_recall_curve, roc_curve

from charter.contract import Bound
from charter.errors import DataError
from charter.metrics import (
    CLASSIFICATION_METRICS,
    REGRESSION_METRICS,
    Interval,
    bootstrap_metrics,
    compute_metrics,
)
from charter.validation.context import GateContext
from charter.validation.report import CheckResult, format_bound

__all__ = ["check_performance", "judge_bound", "performance_curves"]

_CURVE_POINTS = 120


def judge_bound(name: str, category: str, interval: Interval, bound: Bound) -> CheckResult:
    """Pass, warn (interval crosses the bound) or fail (estimate breaks it)."""
    value, low, high = interval.estimate, interval.low, interval.high
    threshold = format_bound(bound.min, bound.max)
    details = {"interval": interval.to_dict()}
    below = bound.min is not None and value < bound.min
    above = bound.max is not None and value > bound.max
    if below or above:
        side = f"below the minimum {bound.min:g}" if below else f"above the maximum {bound.max:g}"
        return CheckResult(
            name, category, "fail", value, threshold, f"{name} {value:.4f} is {side}", details
        )
    if interval.n_boot and (
        (bound.min is not None and low < bound.min) or (bound.max is not None and high > bound.max)
    ):
        reason = (
            f"{name} {value:.4f} meets the bound but its {interval.level:.0%} interval "
            f"[{low:.4f}, {high:.4f}] crosses it"
        )
        return CheckResult(name, category, "warn", value, threshold, reason, details)
    interval_text = f" (95% interval {low:.4f}..{high:.4f})" if interval.n_boot else ""
    reason = f"{name} {value:.4f} meets {threshold}{interval_text}"
    return CheckResult(name, category, "pass", value, threshold, reason, details)


def _intervals(
    names: list[str], context: GateContext, scores: npt.NDArray[np.float64]
) -> dict[str, Interval]:
    n_boot = context.charter.validation.bootstrap
    if n_boot > 0:
        return bootstrap_metrics(
            names,
            context.y_true,
            scores,
            n_boot=n_boot,
            seed=context.seed,
            threshold=context.threshold,
        )
    values = compute_metrics(names, context.y_true, scores, threshold=context.threshold)
    return {name: Interval(v, v, v, 0.95, 0) for name, v in values.items()}


def check_performance(context: GateContext, scores: npt.NDArray[np.float64]) -> list[CheckResult]:
    """One check per metric bound in the charter, plus every task metric as information."""
    bounds = context.charter.validation.metrics
    checks: list[CheckResult] = []
    for name, bound in bounds.items():
        try:
            interval = _intervals([name], context, scores)[name]
        except DataError as exc:
            checks.append(
                CheckResult(
                    name,
                    "performance",
                    "fail",
                    None,
                    format_bound(bound.min, bound.max),
                    f"{name} could not be computed: {exc.message}",
                )
            )
            continue
        checks.append(judge_bound(name, "performance", interval, bound))
    if not bounds:
        checks.append(
            CheckResult(
                "performance", "performance", "skipped", reason="the charter sets no metric bounds"
            )
        )
    return checks


def all_metrics(context: GateContext, scores: npt.NDArray[np.float64]) -> dict[str, float | None]:
    """Every metric of the task on the holdout, for the report (None where undefined)."""
    names = CLASSIFICATION_METRICS if context.is_classification else REGRESSION_METRICS
    out: dict[str, float | None] = {}
    for name in names:
        try:
            out[name] = compute_metrics(
                [name], context.y_true, scores, threshold=context.threshold
            )[name]
        except DataError:
            out[name] = None
    return out


def _thin(x: npt.NDArray[Any], y: npt.NDArray[Any]) -> dict[str, list[float]]:
    """At most ``_CURVE_POINTS`` points, ends kept, so the report stays small."""
    if x.size > _CURVE_POINTS:
        keep = np.unique(np.linspace(0, x.size - 1, _CURVE_POINTS).round().astype(int))
        x, y = x[keep], y[keep]
    return {"x": [round(float(v), 5) for v in x], "y": [round(float(v), 5) for v in y]}


def performance_curves(context: GateContext, scores: npt.NDArray[np.float64]) -> dict[str, Any]:
    """ROC and precision-recall curves (classification only), thinned for the report."""
    if not context.is_classification:
        return {}
    fpr, tpr, _ = roc_curve(context.y_true, scores)
    precision, recall, _ = precision_recall_curve(context.y_true, scores)
    return {
        "roc": _thin(fpr, tpr),
        "pr": _thin(recall[::-1], precision[::-1]),
        "positive_rate": float(np.mean(context.y_true)),
    }
