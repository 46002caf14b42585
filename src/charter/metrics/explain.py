"""Model-agnostic explanations: global permutation importance and local reason codes.

Both treat the model as a black box, a callable that scores a DataFrame, so they work for every
flavor (scikit-learn pipelines, boosters, ONNX, plain functions) and for categorical columns the
model encodes itself. pandas is used here, and only here, for column handling. Each function calls
the model once per feature on one stacked frame rather than once per row or per repeat.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from charter.errors import DataError, ModelError
from charter.metrics._inputs import as_vector, json_float
from charter.metrics.performance import (
    HIGHER_IS_BETTER,
    evaluate_point,
    evaluate_weighted,
    prepare_metric_inputs,
)

__all__ = [
    "ImportanceResult",
    "ReasonCode",
    "permutation_importance",
    "reason_codes",
]

Predict = Callable[[Any], Any]
_MAX_ROWS_PER_CALL = 200_000


@dataclass(frozen=True)
class ImportanceResult:
    """How much the metric worsens when each feature is shuffled (mean and std over repeats)."""

    features: tuple[str, ...]
    importances: tuple[float, ...]
    stds: tuple[float, ...]
    shares: tuple[float, ...]
    metric: str

    @property
    def max_share(self) -> float:
        """The largest share: near 1 means one feature carries the model."""
        return max(self.shares, default=0.0)

    def top(self, k: int) -> list[tuple[str, float]]:
        """The ``k`` most important features with their importance, most important first."""
        order = np.argsort(-np.asarray(self.importances), kind="stable")[:k]
        return [(self.features[i], self.importances[i]) for i in order.tolist()]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields, one entry per feature."""
        return {
            "metric": self.metric,
            "features": [
                {"feature": f, "importance": i, "std": s, "share": h}
                for f, i, s, h in zip(
                    self.features, self.importances, self.stds, self.shares, strict=True
                )
            ],
        }


@dataclass(frozen=True)
class ReasonCode:
    """One feature's signed contribution to one row's score, with the row's value of it."""

    feature: str
    contribution: float
    value: Any

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "feature": self.feature,
            "contribution": json_float(self.contribution),
            "value": self.value,
        }


def _check_frame(frame: Any, name: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"{name} must be a pandas DataFrame; got {type(frame).__name__}")
    if frame.shape[0] == 0:
        raise DataError(f"{name} must not be empty; got 0 rows")
    if frame.shape[1] == 0:
        raise DataError(f"{name} must have at least one column; got none")
    return frame


def _scores(predict: Predict, frame: pd.DataFrame) -> npt.NDArray[np.float64]:
    """Call the model and insist on one finite score per row."""
    raw = np.asarray(predict(frame))
    if raw.ndim != 1 or raw.shape[0] != len(frame):
        raise ModelError(
            f"predict must return one score per row, shape ({len(frame)},); got shape {raw.shape}"
        )
    try:
        scores = raw.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"predict must return numbers; got values of type {raw.dtype}") from exc
    if not np.isfinite(scores).all():
        raise ModelError("predict returned NaN or infinite scores")
    return scores


def permutation_importance(
    predict: Predict,
    frame: pd.DataFrame,
    y_true: Any,
    *,
    metric: str = "roc_auc",
    n_repeats: int = 5,
    seed: int = 0,
    max_rows: int = 5000,
) -> ImportanceResult:
    """Shuffle one feature at a time and measure how much the metric worsens.

    Parameters
    ----------
    predict
        Scores a DataFrame with ``frame``'s columns: one number per row (P(positive) for
        classification metrics).
    frame
        The features, one column each; categorical (object) columns are fine.
    y_true
        Labels or targets for the rows of ``frame``.
    metric
        A name from ``CLASSIFICATION_METRICS`` or ``REGRESSION_METRICS``.
    n_repeats
        Shuffles per feature; ``stds`` shows their spread.
    seed
        Seeds the row subsample and the shuffles.
    max_rows
        Larger frames are subsampled (seeded, without replacement) to this many rows first.

    Returns
    -------
    ImportanceResult
        ``importances`` are mean worsenings (drop for higher-is-better metrics, rise for
        lower-is-better ones), so positive always means "the model uses this feature";
        ``shares`` are the importances clipped at 0 and normalised to sum to 1.

    Raises
    ------
    DataError
        Bad input or options, or a metric undefined on the (subsampled) rows.
    ModelError
        ``predict`` does not return one finite score per row.
    """
    frame = _check_frame(frame, "frame")
    labels = as_vector(y_true, "y_true")
    if len(frame) != len(labels):
        raise DataError(
            f"frame and y_true must have the same length; got {len(frame)} and {len(labels)}"
        )
    for option, value in (("n_repeats", n_repeats), ("max_rows", max_rows)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise DataError(f"{option} must be a positive integer; got {value!r}")
    rng = np.random.default_rng(seed)
    if len(frame) > max_rows:
        keep = np.sort(rng.choice(len(frame), size=max_rows, replace=False))
        frame, labels = frame.iloc[keep], labels[keep]
    frame = frame.reset_index(drop=True)
    y, baseline_scores = prepare_metric_inputs(metric, labels, _scores(predict, frame))
    baseline = evaluate_point(metric, y, baseline_scores)
    sign = 1.0 if HIGHER_IS_BETTER[metric] else -1.0
    n_rows = len(frame)
    rows = np.tile(np.arange(n_rows), n_repeats)
    stacked = frame.iloc[rows].reset_index(drop=True)
    means, stds = [], []
    for column in frame.columns:
        shuffles = np.concatenate([rng.permutation(n_rows) for _ in range(n_repeats)])
        shuffled = stacked.copy()
        shuffled[column] = frame[column].iloc[shuffles].to_numpy()
        scores = _scores(predict, shuffled).reshape(n_repeats, n_rows)
        drops = np.array(
            [sign * (baseline - evaluate_weighted(metric, y, s, None)[0]) for s in scores]
        )
        means.append(float(drops.mean()))
        stds.append(float(drops.std()))
    clipped = np.clip(np.array(means), 0.0, None)
    total = clipped.sum()
    shares = clipped / total if total > 0 else np.zeros_like(clipped)
    return ImportanceResult(
        features=tuple(str(c) for c in frame.columns),
        importances=tuple(means),
        stds=tuple(stds),
        shares=tuple(float(s) for s in shares),
        metric=metric,
    )


def _occlusion(
    predict: Predict, frame: pd.DataFrame, background: pd.DataFrame
) -> npt.NDArray[np.float64]:
    """Contribution matrix (rows x features): score minus mean score over background values."""
    n_rows, n_background = len(frame), len(background)
    base = _scores(predict, frame)
    out = np.empty((n_rows, frame.shape[1]))
    chunk = max(1, _MAX_ROWS_PER_CALL // n_background)
    for start in range(0, n_rows, chunk):
        part = frame.iloc[start : start + chunk]
        size = len(part)
        stacked = part.iloc[np.repeat(np.arange(size), n_background)].reset_index(drop=True)
        tiled = np.tile(np.arange(n_background), size)
        for j, column in enumerate(frame.columns):
            replaced = stacked.copy()
            replaced[column] = background[column].iloc[tiled].reset_index(drop=True)
            scores = _scores(predict, replaced).reshape(size, n_background)
            out[start : start + size, j] = base[start : start + size] - scores.mean(axis=1)
    return out


def reason_codes(
    predict: Predict,
    frame: pd.DataFrame,
    *,
    background: pd.DataFrame,
    top: int = 3,
    positive_only: bool = False,
) -> list[list[ReasonCode]]:
    """Explain each row's score by the features that move it most (occlusion attribution).

    A feature's contribution to a row is ``score(row)`` minus the mean score of the row with that
    feature replaced by each background value in turn: the marginal-expectation (interventional)
    attribution of one feature, holding the others at the row's values. For a linear score
    ``w . x`` it is exactly ``w_j * (x_j - mean(background_j))``. Interactions are not split
    between features, so contributions need not sum to ``score - mean score``; use SHAP where that
    matters.

    Cost: one model call per feature on ``n_rows * n_background`` rows (chunked to bound memory),
    i.e. ``n_features * n_rows * n_background`` scored rows; 50 background rows is usually enough.

    Parameters
    ----------
    predict
        Scores a DataFrame with ``frame``'s columns, one number per row.
    frame
        The rows to explain.
    background
        Reference rows (e.g. a sample of the training data) holding at least ``frame``'s columns.
    top
        Reason codes per row.
    positive_only
        Keep only features that raise the score, largest first (a row may get fewer than ``top``).

    Returns
    -------
    list[list[ReasonCode]]
        Per row, the top features by ``|contribution|`` (or by contribution if ``positive_only``),
        ties broken by column order.

    Raises
    ------
    DataError
        Empty frames, missing background columns, or a bad ``top``.
    ModelError
        ``predict`` does not return one finite score per row.
    """
    frame = _check_frame(frame, "frame")
    background = _check_frame(background, "background")
    missing = [str(c) for c in frame.columns if c not in background.columns]
    if missing:
        raise DataError(f"background must hold every column of frame; missing {missing}")
    if isinstance(top, bool) or not isinstance(top, int | np.integer) or top < 1:
        raise DataError(f"top must be a positive integer; got {top!r}")
    contributions = _occlusion(predict, frame, background[list(frame.columns)])
    key = -contributions if positive_only else -np.abs(contributions)
    order = np.argsort(key, axis=1, kind="stable")[:, :top]
    names = [str(c) for c in frame.columns]
    values = frame.to_numpy(dtype=object)
    codes: list[list[ReasonCode]] = []
    for i, row in enumerate(order.tolist()):
        picked = [j for j in row if not positive_only or contributions[i, j] > 0]
        codes.append(
            [ReasonCode(names[j], float(contributions[i, j]), _plain(values[i, j])) for j in picked]
        )
    return codes


def _plain(value: Any) -> Any:
    """A NumPy scalar as the Python value it holds, so reason codes serialise as JSON."""
    return value.item() if isinstance(value, np.generic) else value
