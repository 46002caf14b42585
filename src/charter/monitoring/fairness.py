"""Fairness over time: the gate's fairness bounds, and every sensitive group's rates, per window.

For binary classifiers, on the window's answered rows and the sensitive attributes the charter
declares (``sensitive``; the prediction log keeps them under the PII policy):

- one ``FairnessCheck`` per bound of ``validation.fairness``, computed on the *labelled* rows
  with ``charter.metrics.fairness_metrics`` (Fairlearn's definitions) over the bound's ``by``
  attributes, and judged as the gate judges it: outside the bound alerts; groups smaller than
  ``min_group_size`` are left out; a gap that cannot be computed (no labels yet, fewer than two
  groups large enough, an attribute missing from the log) is ``no_data`` with the reason -- never
  a pass;
- one ``GroupRate`` per group of each declared attribute: its selection rate over all answered
  rows (no labels needed) and its true and false positive rates over its labelled rows.

Decisions are the logged labels (``performance.outcomes_of``); a missing attribute value forms
its own group, ``(missing)``, as in the gate.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from charter.contract import FairnessBound
from charter.errors import DataError
from charter.metrics import FairnessResult, fairness_metrics, group_rates
from charter.monitoring.performance import Outcomes, finite
from charter.monitoring.reference import ReferenceData
from charter.monitoring.result import FairnessCheck, GroupRate

__all__ = ["MISSING_GROUP", "fairness_checks", "group_values"]

MISSING_GROUP = "(missing)"  # the gate's name (charter.validation.fairness.MISSING_GROUP)
DEFAULT_MIN_GROUP_SIZE = 30


def group_values(rows: pd.DataFrame, attribute: str) -> pd.Series:
    """An attribute as text, a missing value forming its own group."""
    column = rows[attribute].astype(object)
    return column.where(column.notna(), MISSING_GROUP).astype(str)


def _is_logged(rows: pd.DataFrame, attribute: str) -> bool:
    """Whether the window's log holds the attribute at all (a column of one window may be
    absent from another's, and then reads as all missing)."""
    return attribute in rows.columns and bool(rows[attribute].notna().any())


def _judge(metric: str, bound: FairnessBound, result: FairnessResult, n: int) -> FairnessCheck:
    by = tuple(bound.by)
    value = finite(result.metrics[metric])
    joined = "&".join(by)
    small = tuple(result.small_groups)
    if value is None:
        reason = (
            f"{metric} could not be computed: fewer than two groups of {joined} with defined "
            f"rates and at least {result.min_group_size} labelled rows"
        )
        return FairnessCheck(metric, by, None, bound.min, bound.max, n, "no_data", reason, small)
    if bound.min is not None and value < bound.min:
        reason = f"{metric} by {joined} is {value:.4f}, below the floor {bound.min:g}"
        return FairnessCheck(metric, by, value, bound.min, bound.max, n, "alert", reason, small)
    if bound.max is not None and value > bound.max:
        reason = f"{metric} by {joined} is {value:.4f}, above the ceiling {bound.max:g}"
        return FairnessCheck(metric, by, value, bound.min, bound.max, n, "alert", reason, small)
    reason = f"{metric} by {joined} is {value:.4f} on {n} labelled predictions"
    return FairnessCheck(metric, by, value, bound.min, bound.max, n, "ok", reason, small)


def _bound_check(
    metric: str,
    bound: FairnessBound,
    rows: pd.DataFrame,
    outcomes: Outcomes,
    min_group_size: int,
) -> FairnessCheck:
    by = tuple(bound.by)

    def no_data(reason: str, n: int = 0) -> FairnessCheck:
        return FairnessCheck(metric, by, None, bound.min, bound.max, n, "no_data", reason)

    absent = [a for a in by if not _is_logged(rows, a)]
    if len(rows) and absent:
        return no_data(f"the prediction log has no value of {', '.join(absent)} in this window")
    mask = outcomes.is_labelled
    n = int(mask.sum())
    if outcomes.y_true is None:
        return no_data("fairness over time needs a binary classifier")
    if n == 0:
        return no_data("no labels yet" if len(rows) else "no rows in window")
    labelled = rows[mask]
    columns: list[Any] = [group_values(labelled, a) for a in by]
    try:
        result = fairness_metrics(
            outcomes.y_true[mask],
            outcomes.decisions[mask],
            columns[0] if len(columns) == 1 else columns,
            min_group_size=min_group_size,
            names=list(by),
        )
    except DataError as exc:
        return no_data(f"{metric} could not be computed: {exc.message}", n)
    return _judge(metric, bound, result, n)


def _group_rates(
    attribute: str, rows: pd.DataFrame, outcomes: Outcomes, min_group_size: int
) -> list[GroupRate]:
    groups = group_values(rows, attribute)
    codes, labels = pd.factorize(groups, sort=True)
    n = np.bincount(codes, minlength=len(labels))
    chosen = np.bincount(codes, weights=outcomes.decisions, minlength=len(labels))
    labelled: dict[str, tuple[int, float | None, float | None]] = {}
    mask = outcomes.is_labelled
    if outcomes.y_true is not None and mask.any():
        for rates in group_rates(
            outcomes.y_true[mask], outcomes.decisions[mask], groups[mask].to_numpy(),
            min_group_size=min_group_size,
        ):  # fmt: skip
            labelled[rates.group] = (rates.n, finite(rates.tpr), finite(rates.fpr))
    out = []
    for i, label in enumerate(labels):
        count, tpr, fpr = labelled.get(str(label), (0, None, None))
        out.append(
            GroupRate(
                attribute,
                str(label),
                int(n[i]),
                finite(chosen[i] / n[i]),
                count,
                tpr,
                fpr,
                bool(n[i] < min_group_size),
            )
        )
    return out


def fairness_checks(
    reference: ReferenceData, rows: pd.DataFrame, outcomes: Outcomes
) -> tuple[tuple[FairnessCheck, ...], tuple[GroupRate, ...]]:
    """The charter's fairness bounds and each sensitive group's rates in one window."""
    charter = reference.charter
    if not charter.is_classification:
        return (), ()
    spec = charter.validation.fairness
    min_size = spec.min_group_size if spec is not None else DEFAULT_MIN_GROUP_SIZE
    checks = tuple(
        _bound_check(metric, bound, rows, outcomes, min_size)
        for metric, bound in (spec.metrics.items() if spec is not None else ())
    )
    groups: list[GroupRate] = []
    if len(rows) and outcomes.y_true is not None:
        for attribute in charter.sensitive:
            if _is_logged(rows, attribute):
                groups.extend(_group_rates(attribute, rows, outcomes, min_size))
    return checks, tuple(groups)
