"""Calibration of probability scores: the reliability curve, ECE and MCE.

The bins and the curve are scikit-learn's ``calibration_curve`` exactly (same edges, same rule for
a score on an edge, empty bins dropped), so the numbers can be checked against it; the expected
calibration error summarises the curve weighted by how many rows fall in each bin.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from charter.errors import DataError
from charter.metrics._inputs import as_binary, as_finite, check_probability, check_same_length

__all__ = ["CalibrationBin", "CalibrationResult", "calibration"]

Strategy = Literal["uniform", "quantile"]


@dataclass(frozen=True)
class CalibrationBin:
    """One non-empty bin of the reliability curve: its edges, size, mean score and positive rate."""

    lower: float
    upper: float
    count: int
    mean_score: float
    fraction_positive: float

    @property
    def gap(self) -> float:
        """``|fraction_positive - mean_score|``: how far this bin is from calibrated."""
        return abs(self.fraction_positive - self.mean_score)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)


@dataclass(frozen=True)
class CalibrationResult:
    """Expected and maximum calibration error with the bins they were computed from."""

    ece: float
    mce: float
    bins: tuple[CalibrationBin, ...]
    strategy: Strategy

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "ece": self.ece,
            "mce": self.mce,
            "bins": [b.to_dict() for b in self.bins],
            "strategy": self.strategy,
        }


def calibration(
    y_true: Any, score: Any, *, n_bins: int = 10, strategy: Strategy = "uniform"
) -> CalibrationResult:
    """Bin the scores and compare each bin's mean score with its fraction of positives.

    Parameters
    ----------
    y_true
        Binary labels (0/1 or bool).
    score
        Predicted P(positive), in [0, 1].
    n_bins
        Number of bins before empty ones are dropped.
    strategy
        ``"uniform"``: equal-width bins on [0, 1]; ``"quantile"``: edges at the score quantiles,
        so bins hold about the same number of rows (tied scores can leave some empty).

    Returns
    -------
    CalibrationResult
        ``ece`` = sum over non-empty bins of ``count / n * |fraction_positive - mean_score|``;
        ``mce`` = the largest of those gaps; ``bins`` the non-empty bins in score order.

    Raises
    ------
    DataError
        Empty, mismatched, non-binary or out-of-range input, or bad options.
    """
    if isinstance(n_bins, bool) or not isinstance(n_bins, int | np.integer) or n_bins < 1:
        raise DataError(f"n_bins must be a positive integer; got {n_bins!r}")
    if strategy not in ("uniform", "quantile"):
        raise DataError(f"strategy must be 'uniform' or 'quantile'; got {strategy!r}")
    truth = as_binary(y_true, "y_true", purpose="calibration")
    values = as_finite(score, "score")
    n_rows = check_same_length(y_true=truth, score=values)
    check_probability(values, "score", purpose="calibration")

    if strategy == "quantile":
        edges = np.percentile(values, np.linspace(0.0, 100.0, n_bins + 1))
    else:
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    # scikit-learn's rule: a score equal to an inner edge falls in the lower bin.
    ids = np.searchsorted(edges[1:-1], values)
    count = np.bincount(ids, minlength=n_bins)
    score_sum = np.bincount(ids, weights=values, minlength=n_bins)
    positive_sum = np.bincount(ids, weights=truth, minlength=n_bins)
    filled = np.flatnonzero(count)
    mean_score = score_sum[filled] / count[filled]
    fraction = positive_sum[filled] / count[filled]
    gaps = np.abs(fraction - mean_score)
    bins = tuple(
        CalibrationBin(
            lower=float(edges[i]),
            upper=float(edges[i + 1]),
            count=int(count[i]),
            mean_score=float(mean_score[k]),
            fraction_positive=float(fraction[k]),
        )
        for k, i in enumerate(filled.tolist())
    )
    return CalibrationResult(
        ece=float((count[filled] / n_rows * gaps).sum()),
        mce=float(gaps.max()),
        bins=bins,
        strategy=strategy,
    )
