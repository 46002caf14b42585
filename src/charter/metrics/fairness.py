"""Group fairness of binary decisions: rates by group and the gaps between groups.

Rates come from one ``np.bincount`` over ``group * 4 + y_true * 2 + y_pred``, a confusion matrix
per group in a single pass, so a million rows take about a tenth of a second (Fairlearn's
``MetricFrame`` takes seconds). The summary metrics equal Fairlearn's (``method="between_groups"``,
``agg="worst_case"``) to 1e-9 whenever every group has both classes:

- ``demographic_parity_difference``: max - min selection rate; ``..._ratio``: min / max.
- ``equalized_odds_difference``: the larger of the TPR and FPR differences;
  ``equalized_odds_ratio``: the smaller of the TPR and FPR ratios.
- ``equal_opportunity_difference``: max - min TPR (Fairlearn's ``equal_opportunity_difference``).

Where Charter differs, on purpose:

- Groups with fewer than ``min_group_size`` rows are flagged ``is_small`` and left out of the
  summary: their rates are too noisy to fail (or pass) a model on. They are still reported.
- A rate with an empty denominator (TPR of a group with no positives) is NaN, not Fairlearn's 0,
  and that group is left out of that rate's comparison; it is not evidence of unfairness.
- A ratio whose largest rate is 0 is 1.0 (every group has the same rate), where Fairlearn's
  0 / 0 gives NaN.
- A summary needs at least two groups to compare; with fewer it is NaN, and ``small_groups``
  says why. A gate should treat NaN as "could not check", never as a pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from charter.errors import DataError
from charter.metrics._grouping import Codes, factorize, intersect
from charter.metrics._inputs import as_binary, check_same_length, json_float

__all__ = [
    "FAIRNESS_METRICS",
    "FairnessResult",
    "GroupRates",
    "fairness_metrics",
    "group_rates",
]

FAIRNESS_METRICS: tuple[str, ...] = (
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "equal_opportunity_difference",
)


@dataclass(frozen=True)
class GroupRates:
    """Decision rates of one group (``"Female|Black"`` for an intersection); NaN if undefined."""

    group: str
    n: int
    n_positive_true: int
    selection_rate: float
    tpr: float
    fpr: float
    precision: float
    is_small: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (NaN becomes ``None``)."""
        body = asdict(self)
        for key in ("selection_rate", "tpr", "fpr", "precision"):
            body[key] = json_float(body[key])
        return body


@dataclass(frozen=True)
class FairnessResult:
    """Per-group rates and the summary gaps over the groups that are not small."""

    by: tuple[str, ...]
    groups: tuple[GroupRates, ...]
    metrics: dict[str, float]
    min_group_size: int
    small_groups: tuple[str, ...]

    def group(self, name: str) -> GroupRates:
        """The rates of the group labelled ``name``."""
        for rates in self.groups:
            if rates.group == name:
                return rates
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (NaN becomes ``None``)."""
        return {
            "by": list(self.by),
            "groups": [rates.to_dict() for rates in self.groups],
            "metrics": {name: json_float(value) for name, value in self.metrics.items()},
            "min_group_size": self.min_group_size,
            "small_groups": list(self.small_groups),
        }


def _attributes(groups: Any, names: Sequence[str] | None) -> list[tuple[str, Any]]:
    """Split ``groups`` into named 1-D attributes (DataFrame, 2-D array, list of arrays, one)."""
    if hasattr(groups, "columns") and hasattr(groups, "__getitem__"):
        columns: list[Any] = [groups[column] for column in groups.columns]
        default = [str(column) for column in groups.columns]
    elif isinstance(groups, np.ndarray) and groups.ndim == 2:
        columns = list(groups.T)
        default = [f"attribute_{i}" for i in range(len(columns))]
    elif (
        isinstance(groups, list | tuple)
        and groups
        and all(hasattr(part, "__len__") and not isinstance(part, str | bytes) for part in groups)
    ):
        columns = list(groups)
        default = [str(getattr(c, "name", None) or f"attribute_{i}") for i, c in enumerate(columns)]
    else:
        columns = [groups]
        default = [str(getattr(groups, "name", None) or "group")]
    if not columns:
        raise DataError("groups must hold at least one attribute; got none")
    if names is None:
        return list(zip(default, columns, strict=True))
    if isinstance(names, str) or len(names) != len(columns):
        raise DataError(
            f"names must give one name per attribute; got {len(columns)} attributes "
            f"and names {names!r}"
        )
    return list(zip((str(n) for n in names), columns, strict=True))


def _rate(numerator: npt.NDArray[np.int64], denominator: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / np.maximum(denominator, 1), np.nan)


def _compute(
    y_true: Any, y_pred: Any, groups: Any, min_group_size: int, names: Sequence[str] | None
) -> tuple[tuple[str, ...], tuple[GroupRates, ...]]:
    if isinstance(min_group_size, bool) or not isinstance(min_group_size, int | np.integer):
        raise DataError(f"min_group_size must be a non-negative integer; got {min_group_size!r}")
    if min_group_size < 0:
        raise DataError(f"min_group_size must be a non-negative integer; got {min_group_size}")
    truth = as_binary(y_true, "y_true", purpose="fairness metrics")
    pred = as_binary(y_pred, "y_pred", purpose="fairness metrics")
    check_same_length(y_true=truth, y_pred=pred)
    attributes = _attributes(groups, names)
    parts: list[Codes] = []
    for name, values in attributes:
        codes, labels = factorize(values, name)
        if codes.size != truth.size:
            raise DataError(
                f"y_true and {name} must have the same length; got {truth.size} and {codes.size}"
            )
        parts.append((codes, labels))
    codes, labels = intersect(parts)
    cells = np.bincount(codes * 4 + truth * 2 + pred, minlength=4 * len(labels))
    tn, fp, fn, tp = cells.reshape(-1, 4).T
    n = tn + fp + fn + tp
    positives, predicted, negatives = tp + fn, tp + fp, tn + fp
    selection, tpr = _rate(predicted, n), _rate(tp, positives)
    fpr, precision = _rate(fp, negatives), _rate(tp, predicted)
    rates = tuple(
        GroupRates(
            group=label,
            n=int(n[i]),
            n_positive_true=int(positives[i]),
            selection_rate=float(selection[i]),
            tpr=float(tpr[i]),
            fpr=float(fpr[i]),
            precision=float(precision[i]),
            is_small=bool(n[i] < min_group_size),
        )
        for i, label in enumerate(labels)
    )
    return tuple(name for name, _ in attributes), rates


def group_rates(
    y_true: Any,
    y_pred: Any,
    groups: Any,
    *,
    min_group_size: int = 30,
    names: Sequence[str] | None = None,
) -> tuple[GroupRates, ...]:
    """Selection rate, TPR, FPR and precision of every observed group.

    Parameters
    ----------
    y_true, y_pred
        Binary labels (0/1 or bool): the outcome and the model's decision.
    groups
        One sensitive attribute (an array or Series), or several for their intersection
        (a list of arrays, a 2-D array with one column per attribute, or a DataFrame).
    min_group_size
        Groups with fewer rows are flagged ``is_small``.
    names
        Attribute names; by default a Series' or column's name, else ``attribute_<i>``.

    Returns
    -------
    tuple[GroupRates, ...]
        One entry per observed group (combination), in sorted order of the attribute values.

    Raises
    ------
    DataError
        Empty, mismatched or non-binary input, or names that do not fit the attributes.
    """
    return _compute(y_true, y_pred, groups, min_group_size, names)[1]


def _spread(values: npt.NDArray[np.float64]) -> tuple[float, float]:
    """(max - min, min / max) over the defined values; NaN when fewer than two are defined."""
    defined = values[~np.isnan(values)]
    if defined.size < 2:
        return float("nan"), float("nan")
    low, high = float(defined.min()), float(defined.max())
    return high - low, (low / high if high > 0 else 1.0)


def _summarize(rates: Sequence[GroupRates]) -> dict[str, float]:
    """The ``FAIRNESS_METRICS`` over ``rates`` (all of them: filter small groups first)."""
    selection = np.array([r.selection_rate for r in rates], dtype=np.float64)
    tpr = np.array([r.tpr for r in rates], dtype=np.float64)
    fpr = np.array([r.fpr for r in rates], dtype=np.float64)
    dp_diff, dp_ratio = _spread(selection)
    tpr_diff, tpr_ratio = _spread(tpr)
    fpr_diff, fpr_ratio = _spread(fpr)
    # NaN propagates on purpose: equalized odds needs both rates to be comparable.
    return {
        "demographic_parity_difference": dp_diff,
        "demographic_parity_ratio": dp_ratio,
        "equalized_odds_difference": float(np.max([tpr_diff, fpr_diff])),
        "equalized_odds_ratio": float(np.min([tpr_ratio, fpr_ratio])),
        "equal_opportunity_difference": tpr_diff,
    }


def fairness_metrics(
    y_true: Any,
    y_pred: Any,
    groups: Any,
    *,
    min_group_size: int = 30,
    names: Sequence[str] | None = None,
) -> FairnessResult:
    """Rates by group and the ``FAIRNESS_METRICS`` between groups, as in Fairlearn.

    Parameters
    ----------
    y_true, y_pred, groups, min_group_size, names
        As for :func:`group_rates`.

    Returns
    -------
    FairnessResult
        ``metrics`` are computed over the groups that are not small (see the module docstring
        for the definitions and where they differ from Fairlearn); ``small_groups`` lists the
        groups left out.

    Raises
    ------
    DataError
        As for :func:`group_rates`.
    """
    by, rates = _compute(y_true, y_pred, groups, min_group_size, names)
    compared = [r for r in rates if not r.is_small]
    return FairnessResult(
        by=by,
        groups=rates,
        metrics=_summarize(compared),
        min_group_size=int(min_group_size),
        small_groups=tuple(r.group for r in rates if r.is_small),
    )
