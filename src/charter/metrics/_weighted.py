"""Performance metrics over rows carrying integer weights, many weightings at once.

A bootstrap resample is the original rows with a count per row (how often it was drawn), so one
vectorised implementation serves both the point estimate (``weights=None``: every row once) and a
whole batch of resamples (``weights`` of shape ``(n_resamples, n_rows)``). Duplicated rows are ties
at the same score, so a weighted metric equals the metric of the resampled rows exactly.

Every kernel returns one value per weighting; NaN marks a weighting where the metric is undefined
(one class for the ranking metrics, constant ``y_true`` for r2). Callers decide what NaN means.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, TypeAlias

import numpy as np
import numpy.typing as npt

__all__ = ["KERNELS", "Floats", "Weights"]

Floats: TypeAlias = npt.NDArray[np.float64]
Weights: TypeAlias = Floats | None
Kernel: TypeAlias = Callable[[npt.NDArray[Any], Floats, Weights, float], Floats]

_EPS = float(np.finfo(np.float64).eps)


def _total(values: npt.NDArray[Any], weights: Weights) -> Floats:
    """Weighted sum per weighting; exact pairwise summation for the unit weighting."""
    if weights is None:
        return np.array([values.sum(dtype=np.float64)])
    return weights @ values.astype(np.float64, copy=False)


def _n_rows(n: int, weights: Weights) -> Floats:
    return np.array([float(n)]) if weights is None else weights.sum(axis=1)


def _ratio(numerator: Floats, denominator: Floats) -> Floats:
    """``numerator / denominator`` with 0 where the denominator is 0 (scikit-learn's default)."""
    out = np.zeros_like(numerator)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


class _Ranked(NamedTuple):
    """Rows in ascending score order; each weighting is a row, so running sums are contiguous."""

    counts: Floats  # (n_weightings, n_rows): each ranked row's weight under each weighting
    positive: npt.NDArray[np.bool_]  # y of each ranked row
    level_start: npt.NDArray[np.intp]  # first ranked row with the same score
    level_end: npt.NDArray[np.intp]  # one past the last ranked row with the same score


def _rank(y: npt.NDArray[Any], score: Floats, weights: Weights) -> _Ranked:
    order = np.argsort(score, kind="stable")
    ranked = score[order]
    is_start = np.r_[True, ranked[1:] != ranked[:-1]]
    starts = np.flatnonzero(is_start)
    level = np.cumsum(is_start) - 1
    ends = np.r_[starts[1:], ranked.size]
    counts = np.ones((1, y.size)) if weights is None else np.take(weights, order, axis=1)
    return _Ranked(counts, y.astype(np.bool_)[order], starts[level], ends[level])


def _cumulative(values: Floats) -> Floats:
    """Running sums along axis 1 with a leading zero: ``out[:, k]`` sums columns ``0..k-1``."""
    out = np.empty((values.shape[0], values.shape[1] + 1))
    out[:, 0] = 0.0
    np.cumsum(values, axis=1, out=out[:, 1:])
    return out


def _roc_auc(y: npt.NDArray[Any], score: Floats, weights: Weights, _t: float) -> Floats:
    # Mann-Whitney: each positive beats the negative weight below its score level and ties with
    # half of the negative weight on its level, i.e. the mean of the running sums at both ends.
    ranked = _rank(y, score, weights)
    pos = ranked.positive
    below = _cumulative(np.where(pos, 0.0, ranked.counts))
    ends = np.take(below, ranked.level_start[pos], axis=1)
    ends += np.take(below, ranked.level_end[pos], axis=1)
    weight = ranked.counts[:, pos]
    wins = np.einsum("ij,ij->i", weight, ends)
    n_pos, n_neg = weight.sum(axis=1), below[:, -1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((n_pos > 0) & (n_neg > 0), 0.5 * wins / (n_pos * n_neg), np.nan)


def _pr_auc(y: npt.NDArray[Any], score: Floats, weights: Weights, _t: float) -> Floats:
    # Average precision (scikit-learn's AP): each positive adds its weight times the precision at
    # its score level, counting every row at or above that level as predicted positive.
    ranked = _rank(y, score, weights)
    pos = ranked.positive
    below_all = _cumulative(ranked.counts)
    below_pos = _cumulative(np.where(pos, ranked.counts, 0.0))
    start = ranked.level_start[pos]
    n_all, n_pos = below_all[:, -1:], below_pos[:, -1:]
    tp = n_pos - np.take(below_pos, start, axis=1)
    precision = _ratio(tp, n_all - np.take(below_all, start, axis=1))
    gained = np.einsum("ij,ij->i", ranked.counts[:, pos], precision)
    n_pos, n_neg = n_pos[:, 0], n_all[:, 0] - n_pos[:, 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((n_pos > 0) & (n_neg > 0), gained / n_pos, np.nan)


def _confusion(
    y: npt.NDArray[Any], score: Floats, weights: Weights, threshold: float
) -> tuple[Floats, Floats, Floats]:
    """True positives, predicted positives and actual positives per weighting."""
    y = y.astype(np.bool_)
    label = score >= threshold
    return _total(y & label, weights), _total(label, weights), _total(y, weights)


def _accuracy(y: npt.NDArray[Any], score: Floats, weights: Weights, t: float) -> Floats:
    hit = y.astype(np.bool_) == (score >= t)
    return _total(hit, weights) / _n_rows(y.size, weights)


def _precision(y: npt.NDArray[Any], score: Floats, weights: Weights, t: float) -> Floats:
    tp, predicted, _ = _confusion(y, score, weights, t)
    return _ratio(tp, predicted)


def _recall(y: npt.NDArray[Any], score: Floats, weights: Weights, t: float) -> Floats:
    tp, _, actual = _confusion(y, score, weights, t)
    return _ratio(tp, actual)


def _f1(y: npt.NDArray[Any], score: Floats, weights: Weights, t: float) -> Floats:
    tp, predicted, actual = _confusion(y, score, weights, t)
    return _ratio(2.0 * tp, predicted + actual)


def _log_loss(y: npt.NDArray[Any], score: Floats, weights: Weights, _t: float) -> Floats:
    # scikit-learn clips the probability of the observed class to [eps, 1 - eps].
    observed = np.where(y.astype(np.bool_), score, 1.0 - score)
    loss = -np.log(np.clip(observed, _EPS, 1.0 - _EPS))
    return _total(loss, weights) / _n_rows(y.size, weights)


def _brier(y: npt.NDArray[Any], score: Floats, weights: Weights, _t: float) -> Floats:
    return _total((score - y) ** 2, weights) / _n_rows(y.size, weights)


def _rmse(y: npt.NDArray[Any], score: Floats, weights: Weights, _t: float) -> Floats:
    return np.sqrt(_total((y - score) ** 2, weights) / _n_rows(y.size, weights))


def _mae(y: npt.NDArray[Any], score: Floats, weights: Weights, _t: float) -> Floats:
    return _total(np.abs(y - score), weights) / _n_rows(y.size, weights)


def _mape(y: npt.NDArray[Any], score: Floats, weights: Weights, _t: float) -> Floats:
    # scikit-learn's floor on |y_true|: machine epsilon, so a zero target gives a huge, finite term.
    relative = np.abs(y - score) / np.maximum(np.abs(y), _EPS)
    return _total(relative, weights) / _n_rows(y.size, weights)


def _r2(y: npt.NDArray[Any], score: Floats, weights: Weights, _t: float) -> Floats:
    y = y.astype(np.float64, copy=False)
    residual = _total((y - score) ** 2, weights)
    mean = _total(y, weights) / _n_rows(y.size, weights)
    if weights is None:
        spread = np.array([((y - mean[0]) ** 2).sum()])
        is_constant = np.array([y.min() == y.max()])
    else:
        spread = (weights * (y[None, :] - mean[:, None]) ** 2).sum(axis=1)
        drawn = weights > 0
        is_constant = np.where(drawn, y, np.inf).min(axis=1) == np.where(drawn, y, -np.inf).max(
            axis=1
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(is_constant, np.nan, 1.0 - residual / spread)


KERNELS: dict[str, Kernel] = {
    "roc_auc": _roc_auc,
    "pr_auc": _pr_auc,
    "accuracy": _accuracy,
    "precision": _precision,
    "recall": _recall,
    "f1": _f1,
    "log_loss": _log_loss,
    "brier": _brier,
    "rmse": _rmse,
    "mae": _mae,
    "r2": _r2,
    "mape": _mape,
}
