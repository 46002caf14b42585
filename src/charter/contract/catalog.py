"""Every metric name a charter may use, in one place, so a typo fails at ``charter check``.

Three vocabularies:

- validation metrics (the gate and ``monitoring.performance``), split by task, each with its
  direction (``True`` when higher is better, as in scikit-learn's ``*_score`` / ``*_loss``);
- fairness metrics (the gate's ``validation.fairness``), defined for classification;
- monitored metrics, the names policies watch, written ``family.name``, ``family.name.agg`` or
  ``family.name[feature]`` (``drift.psi.max``, ``quality.missing_rate[age]``).

Later features extend ``FAMILIES``; ``is_known_metric`` is the single check every stage uses.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CLASSIFICATION_METRICS",
    "CLASSIFICATION_TASKS",
    "FAIRNESS_METRICS",
    "FAMILIES",
    "REGRESSION_METRICS",
    "TASKS",
    "MetricForm",
    "fairness_metric_error",
    "is_known_metric",
    "validation_metric_error",
]

TASKS = ("binary_classification", "multiclass_classification", "regression")
CLASSIFICATION_TASKS = frozenset({"binary_classification", "multiclass_classification"})

CLASSIFICATION_METRICS: dict[str, bool] = {
    "roc_auc": True,
    "pr_auc": True,
    "accuracy": True,
    "precision": True,
    "recall": True,
    "f1": True,
    "log_loss": False,
    "brier": False,
}
REGRESSION_METRICS: dict[str, bool] = {"rmse": False, "mae": False, "r2": True, "mape": False}

# name -> True for ratios (ideal 1, bounded below), False for differences (ideal 0, bounded above)
FAIRNESS_METRICS: dict[str, bool] = {
    "demographic_parity_difference": False,
    "demographic_parity_ratio": True,
    "equalized_odds_difference": False,
    "equalized_odds_ratio": True,
    "equal_opportunity_difference": False,
}


def _suggest(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def validation_metric_error(name: str, task: str | None) -> str | None:
    """Why ``name`` cannot be a validation metric for ``task``, or ``None`` when it can."""
    known = {**CLASSIFICATION_METRICS, **REGRESSION_METRICS}
    if name not in known:
        return (
            f"unknown metric '{name}'{_suggest(name, sorted(known))}; classification metrics: "
            f"{', '.join(CLASSIFICATION_METRICS)}; regression metrics: "
            f"{', '.join(REGRESSION_METRICS)}"
        )
    if task in CLASSIFICATION_TASKS and name not in CLASSIFICATION_METRICS:
        return f"'{name}' is a regression metric; the task is {task}"
    if task == "regression" and name not in REGRESSION_METRICS:
        return (
            f"'{name}' is a classification metric; the task is regression "
            f"(use {', '.join(REGRESSION_METRICS)})"
        )
    return None


def fairness_metric_error(name: str) -> str | None:
    """Why ``name`` is not a fairness metric, or ``None`` when it is."""
    if name in FAIRNESS_METRICS:
        return None
    return (
        f"unknown fairness metric '{name}'{_suggest(name, list(FAIRNESS_METRICS))}; "
        f"known: {', '.join(FAIRNESS_METRICS)}"
    )


@dataclass(frozen=True)
class MetricForm:
    """How a monitored metric is written: bare, aggregated (``.max``) or per column (``[age]``)."""

    bare: bool = True
    aggregations: tuple[str, ...] = ()
    per_column: bool = False
    tasks: frozenset[str] | None = None  # None: any task


_STATISTIC = MetricForm(bare=False, aggregations=("max", "mean"), per_column=True)
_RATE = MetricForm(bare=False, aggregations=("max",), per_column=True)
_CLASSIFICATION = MetricForm(tasks=CLASSIFICATION_TASKS)

FAMILIES: dict[str, dict[str, MetricForm]] = {
    "drift": {
        **dict.fromkeys(("psi", "ks", "wasserstein", "jensen_shannon", "chi2"), _STATISTIC),
        "share_drifted": MetricForm(),
        "domain_classifier_auc": MetricForm(),
    },
    "quality": {
        **dict.fromkeys(("missing_rate", "out_of_range_rate", "unseen_category_rate"), _RATE),
        "rejected_rate": MetricForm(),
        "volume_ratio": MetricForm(),
    },
    "prediction": {
        "psi": MetricForm(),
        "ks": MetricForm(),
        "positive_rate": MetricForm(tasks=frozenset({"binary_classification"})),
    },
    "performance": {
        **dict.fromkeys(CLASSIFICATION_METRICS, _CLASSIFICATION),
        **{name: MetricForm(tasks=frozenset({"regression"})) for name in REGRESSION_METRICS},
    },
    "estimated": {"roc_auc": _CLASSIFICATION, "accuracy": _CLASSIFICATION},
    "delivery": {"missed_deadline": MetricForm(), "late_minutes": MetricForm()},
    "serving": {"latency_p99_ms": MetricForm(), "error_rate": MetricForm()},
    "revalidation": {"overdue": MetricForm()},
    "fairness": dict.fromkeys(FAIRNESS_METRICS, _CLASSIFICATION),
}

_METRIC = re.compile(
    r"^(?P<family>[a-z_]+)\.(?P<name>[a-z0-9_]+)"
    r"(?:\.(?P<agg>[a-z_]+)|\[(?P<column>[^\[\]]+)\])?$"
)


def _facts(charter: Any) -> tuple[str | None, set[str] | None]:
    """The task and declared feature names of a Charter or a raw charter mapping."""
    if charter is None:
        return None, None
    data = charter.model_dump(mode="json") if hasattr(charter, "model_dump") else charter
    if not isinstance(data, Mapping):
        return None, None
    task = data.get("task")
    features = data.get("features")
    names = {str(key) for key in features} if isinstance(features, Mapping) else None
    return (task if isinstance(task, str) else None), names


def _examples() -> list[str]:
    out: list[str] = []
    for family, names in FAMILIES.items():
        for name, form in names.items():
            if form.bare:
                out.append(f"{family}.{name}")
            out.extend(f"{family}.{name}.{agg}" for agg in form.aggregations)
    return out


def is_known_metric(name: str, charter: Any = None) -> str | None:
    """Why ``name`` is not a metric a policy can watch, or ``None`` when it is.

    ``charter`` (a ``Charter`` or the raw mapping) makes the check task- and feature-aware:
    ``performance.rmse`` fails on a classifier and ``drift.psi[agee]`` on an undeclared feature.
    """
    task, features = _facts(charter)
    match = _METRIC.fullmatch(name) if isinstance(name, str) else None
    family = FAMILIES.get(match["family"]) if match else None
    form = family.get(match["name"]) if match and family else None
    if match is None or form is None:
        return (
            f"unknown metric '{name}'{_suggest(str(name), _examples())}; a monitored metric is "
            "family.name, family.name.agg or family.name[feature], with families: "
            + ", ".join(sorted(FAMILIES))
        )
    base = f"{match['family']}.{match['name']}"
    agg, column = match["agg"], match["column"]
    if agg is not None and agg not in form.aggregations:
        allowed = ", ".join(f".{a}" for a in form.aggregations) or "none"
        return f"'{base}' cannot be aggregated with .{agg} (allowed: {allowed})"
    if column is not None:
        if not form.per_column:
            return f"'{base}' is not computed per feature; write it as '{base}'"
        if features is not None and column not in features:
            return f"'{name}' names '{column}', which is not a declared feature"
    if agg is None and column is None and not form.bare:
        return f"'{base}' needs an aggregation ({base}.max) or a feature ({base}[age])"
    if form.tasks is not None and task is not None and task not in form.tasks:
        return f"'{base}' does not apply to the task {task}"
    return None
