"""Fairness: the charter's bounds on group gaps, computed by ``charter.metrics.fairness_metrics``.

Decisions are the scores at the charter's label threshold. Each bound groups by its ``by``
attributes (their intersection when there are several); groups smaller than ``min_group_size``
are reported and flagged, never judged. A gap that cannot be computed (fewer than two groups large
enough) fails the check: no evidence is not a pass.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from charter.contract import FairnessBound
from charter.errors import DataError
from charter.metrics import FairnessResult, fairness_metrics
from charter.validation.context import GateContext
from charter.validation.report import CheckResult, format_bound

__all__ = ["MISSING_GROUP", "check_fairness", "fairness_by", "group_columns"]

MISSING_GROUP = "(missing)"


def _joined(by: list[str]) -> str:
    """An intersection's name: ``sex&race``."""
    return "&".join(by)


def group_columns(holdout: pd.DataFrame, by: list[str]) -> list[pd.Series]:
    """The ``by`` attributes as text, a missing value forming its own group."""
    return [
        holdout[name].astype(object).where(holdout[name].notna(), MISSING_GROUP).astype(str)
        for name in by
    ]


def fairness_by(
    context: GateContext, decisions: npt.NDArray[np.bool_], by: list[str], min_group_size: int
) -> FairnessResult:
    """Rates per group of ``by`` (their intersection when several) and the gaps between them."""
    columns = group_columns(context.holdout, by)
    groups: Any = columns[0] if len(columns) == 1 else columns
    return fairness_metrics(
        context.y_true, decisions, groups, min_group_size=min_group_size, names=by
    )


def _judge(name: str, bound: FairnessBound, result: FairnessResult) -> CheckResult:
    label = f"{name}[{_joined(bound.by)}]"
    threshold = format_bound(bound.min, bound.max)
    value = result.metrics[name]
    details: dict[str, Any] = {
        "by": list(bound.by),
        "groups": [g.to_dict() for g in result.groups],
        "small_groups": list(result.small_groups),
        "min_group_size": result.min_group_size,
    }
    small = (
        f"; {len(result.small_groups)} small group(s) not judged: "
        + ", ".join(result.small_groups[:4])
        if result.small_groups
        else ""
    )
    if not np.isfinite(value):
        reason = (
            f"{name} could not be computed: fewer than two groups of "
            f"{_joined(bound.by)} with defined rates and at least {result.min_group_size} rows"
        )
        return CheckResult(label, "fairness", "fail", None, threshold, reason + small, details)
    below = bound.min is not None and value < bound.min
    above = bound.max is not None and value > bound.max
    if below or above:
        side = f"below the floor {bound.min:g}" if below else f"above the ceiling {bound.max:g}"
        reason = f"{name} by {_joined(bound.by)} is {value:.4f}, {side}{small}"
        return CheckResult(label, "fairness", "fail", value, threshold, reason, details)
    reason = f"{name} by {_joined(bound.by)} is {value:.4f}, within {threshold}{small}"
    return CheckResult(label, "fairness", "pass", value, threshold, reason, details)


def check_fairness(
    context: GateContext, scores: npt.NDArray[np.float64]
) -> tuple[list[CheckResult], dict[str, Any]]:
    """One check per fairness bound, and the group rates of every sensitive attribute."""
    spec = context.charter.validation.fairness
    if not context.is_classification:
        skipped = CheckResult(
            "fairness", "fairness", "skipped", reason="fairness gaps apply to classification"
        )
        return [skipped], {}
    decisions = context.labels_of(scores)
    min_size = spec.min_group_size if spec is not None else 30
    cache: dict[tuple[str, ...], FairnessResult] = {}

    def result_for(by: list[str]) -> FairnessResult:
        key = tuple(by)
        if key not in cache:
            cache[key] = fairness_by(context, decisions, by, min_size)
        return cache[key]

    checks: list[CheckResult] = []
    if spec is None:
        checks.append(
            CheckResult("fairness", "fairness", "skipped", reason="the charter sets no bounds")
        )
    else:
        for name, bound in spec.metrics.items():
            try:
                checks.append(_judge(name, bound, result_for(list(bound.by))))
            except DataError as exc:
                checks.append(
                    CheckResult(
                        f"{name}[{_joined(bound.by)}]",
                        "fairness",
                        "fail",
                        None,
                        format_bound(bound.min, bound.max),
                        f"{name} could not be computed: {exc.message}",
                    )
                )
    present = [a for a in context.charter.sensitive if a in context.holdout.columns]
    groupings = [[a] for a in present] + ([present] if len(present) > 1 else [])
    plots: dict[str, Any] = {}
    for by in groupings:
        try:
            plots[_joined(by)] = result_for(by).to_dict()
        except DataError:
            continue
    return checks, plots
