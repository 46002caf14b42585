"""Percentile-bootstrap confidence intervals for a metric and for a candidate-minus-champion gap.

A resample is a vector of draw counts per row, so every metric is evaluated on a whole block of
resamples at once (see ``_weighted``): the ranking metrics sort the scores once, not once per
resample. Count matrices are built in blocks of about two million cells to bound memory.

Resamples on which the metric is undefined (one class for ``roc_auc``/``pr_auc``, constant targets
for ``r2``) are skipped; ``Interval.n_boot`` is the number actually used, so a caller can see when
many were lost (small or very imbalanced data).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from charter.errors import DataError
from charter.metrics._inputs import as_finite, check_probability, check_same_length, json_float
from charter.metrics._weighted import Floats
from charter.metrics.performance import (
    evaluate_point,
    evaluate_weighted,
    prepare_metric_inputs,
)

__all__ = [
    "Interval",
    "bootstrap_metric",
    "bootstrap_metrics",
    "paired_bootstrap_difference",
]

_BLOCK_CELLS = 2_000_000


@dataclass(frozen=True)
class Interval:
    """A point estimate with its two-sided percentile-bootstrap interval at ``level``."""

    estimate: float
    low: float
    high: float
    level: float
    n_boot: int

    @property
    def width(self) -> float:
        """``high - low``."""
        return self.high - self.low

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies inside the interval (bounds included)."""
        return self.low <= value <= self.high

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (NaN becomes ``None``)."""
        return {
            "estimate": json_float(self.estimate),
            "low": json_float(self.low),
            "high": json_float(self.high),
            "level": self.level,
            "n_boot": self.n_boot,
        }


def _check_options(n_boot: int, level: float, threshold: float) -> None:
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 1:
        raise DataError(f"n_boot must be a positive integer; got {n_boot!r}")
    if not 0.0 < float(level) < 1.0:
        raise DataError(f"level must lie strictly between 0 and 1; got {level!r}")
    if not np.isfinite(float(threshold)):
        raise DataError(f"threshold must be a finite number; got {threshold!r}")


def _resample_counts(n_rows: int, n_boot: int, seed: int) -> Iterator[Floats]:
    """Blocks of draw counts, shape ``(block, n_rows)``; the same seed gives the same draws."""
    rng = np.random.default_rng(seed)
    block = max(1, min(n_boot, _BLOCK_CELLS // n_rows))
    for start in range(0, n_boot, block):
        size = min(block, n_boot - start)
        drawn = rng.integers(0, n_rows, size=(size, n_rows))
        drawn += (np.arange(size) * n_rows)[:, None]
        counts = np.bincount(drawn.ravel(), minlength=size * n_rows)
        yield counts.reshape(size, n_rows).astype(np.float64)


def _interval(estimate: float, samples: Floats, level: float, name: str) -> Interval:
    used = samples[~np.isnan(samples)]
    if used.size == 0:
        raise DataError(f"{name}: every bootstrap resample was degenerate; no interval")
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(used, [tail, 1.0 - tail])
    return Interval(float(estimate), float(low), float(high), float(level), int(used.size))


def bootstrap_metrics(
    names: Iterable[str],
    y_true: Any,
    score: Any,
    *,
    n_boot: int = 200,
    level: float = 0.95,
    seed: int = 0,
    threshold: float = 0.5,
) -> dict[str, Interval]:
    """Bootstrap several metrics on the same resamples (each name as :func:`bootstrap_metric`).

    Returns
    -------
    dict[str, Interval]
        Name to interval, in the order given.
    """
    _check_options(n_boot, level, threshold)
    names = list(names)
    prepared = {name: prepare_metric_inputs(name, y_true, score) for name in names}
    estimates = {name: evaluate_point(name, *prepared[name], threshold=threshold) for name in names}
    n_rows = len(next(iter(prepared.values()))[0]) if prepared else 0
    blocks: dict[str, list[Floats]] = {name: [] for name in names}
    if names:
        for counts in _resample_counts(n_rows, n_boot, seed):
            for name in names:
                y, values = prepared[name]
                blocks[name].append(evaluate_weighted(name, y, values, counts, threshold=threshold))
    return {
        name: _interval(estimates[name], np.concatenate(blocks[name]), level, name)
        for name in names
    }


def bootstrap_metric(
    name: str,
    y_true: Any,
    score: Any,
    *,
    n_boot: int = 200,
    level: float = 0.95,
    seed: int = 0,
    threshold: float = 0.5,
) -> Interval:
    """Estimate a metric with a percentile-bootstrap confidence interval.

    Parameters
    ----------
    name, y_true, score, threshold
        As for :func:`charter.metrics.compute_metric`.
    n_boot
        Number of resamples (rows drawn with replacement, as many as the data has).
    level
        Two-sided confidence level; the bounds are the ``(1 - level) / 2`` and
        ``(1 + level) / 2`` quantiles of the resampled metric.
    seed
        Seed of the resampling; the same seed and data give the same interval.

    Returns
    -------
    Interval
        ``estimate`` is the metric on the full data; ``n_boot`` the number of resamples used.

    Raises
    ------
    DataError
        Bad input or options, or a metric undefined on the full data.
    """
    return bootstrap_metrics(
        [name], y_true, score, n_boot=n_boot, level=level, seed=seed, threshold=threshold
    )[name]


def paired_bootstrap_difference(
    name: str,
    y_true: Any,
    score_candidate: Any,
    score_champion: Any,
    *,
    n_boot: int = 200,
    level: float = 0.95,
    seed: int = 0,
    threshold: float = 0.5,
) -> Interval:
    """Bootstrap ``metric(candidate) - metric(champion)`` on the same rows and the same resamples.

    Pairing removes the row-to-row noise the two models share, so the interval is much narrower
    than the difference of two independent intervals. For a lower-is-better metric a negative
    difference favours the candidate (see ``HIGHER_IS_BETTER``).

    Parameters
    ----------
    name, y_true, n_boot, level, seed, threshold
        As for :func:`bootstrap_metric`.
    score_candidate, score_champion
        The two models' scores for the same rows, in the same order.

    Returns
    -------
    Interval
        ``estimate`` is the difference on the full data.

    Raises
    ------
    DataError
        Bad input or options, or a metric undefined on the full data.
    """
    _check_options(n_boot, level, threshold)
    y, candidate = prepare_metric_inputs(
        name, y_true, score_candidate, score_name="score_candidate"
    )
    champion = as_finite(score_champion, "score_champion")
    check_same_length(score_candidate=candidate, score_champion=champion)
    if name in ("log_loss", "brier"):
        check_probability(champion, "score_champion", purpose=name)
    estimate = evaluate_point(name, y, candidate, threshold=threshold) - evaluate_point(
        name, y, champion, threshold=threshold
    )
    samples = [
        evaluate_weighted(name, y, candidate, counts, threshold=threshold)
        - evaluate_weighted(name, y, champion, counts, threshold=threshold)
        for counts in _resample_counts(len(y), n_boot, seed)
    ]
    return _interval(estimate, np.concatenate(samples), level, name)
