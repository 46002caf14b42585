"""Multivariate drift by a domain classifier: can a model tell current rows from reference rows?

Per-feature tests miss drift spread thinly over many features, or living only in how features
combine, and each extra test adds false alarms. A classifier trained to separate the two samples
looks at every feature at once: its out-of-fold AUROC is 0.5 when the samples are exchangeable and
rises towards 1 as they separate (NannyML flags drift outside 0.45-0.65; the charter sets the bar).

The classifier is a ``HistGradientBoostingClassifier`` (native categories and missing values),
scored with stratified K-fold cross-validation, so every row is predicted by a model that never
saw it. Cost is bounded: each side is subsampled to ``max_rows`` (seeded), and each categorical
column keeps its 254 most frequent values (ties by value) plus one "other" code, the most the
booster's 255 bins allow. The features that drive it are ranked by permutation importance on each
held-out fold (2,000 rows at most): the AUROC lost when that column is shuffled, averaged over the
folds. 10,000 + 10,000 Adult rows take about 3 s of one core. The booster uses every OpenMP
thread; where cores are shared with other jobs, call it under ``threadpool_limits(1)``
(threadpoolctl): oversubscribed, its threads spin and the same call took 7 times longer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold

from charter.errors import DataError
from charter.metrics._weighted import Floats
from charter.metrics.performance import evaluate_weighted

__all__ = ["DomainClassifierResult", "domain_classifier"]

MAX_CATEGORIES = 254  # kept values per categorical column; the rest share one "other" code
_MAX_PERMUTED_ROWS = 2_000  # held-out rows per fold for permutation importance (bounds its cost)
_MODEL_PARAMS: dict[str, Any] = {
    "max_iter": 50,
    "learning_rate": 0.1,
    "max_leaf_nodes": 15,
    "early_stopping": False,  # every fold trains the same way, so the result is reproducible
}


@dataclass(frozen=True)
class DomainClassifierResult:
    """Out-of-fold AUROC of reference-versus-current, and the features that separate them.

    ``auroc`` is ``None`` (with a ``reason``) when there are too few rows to cross-validate;
    ``auroc_std`` is the standard deviation of the per-fold AUROCs; ``n_reference``/``n_current``
    the rows used after subsampling; ``top_features`` every feature with its importance, most
    important first.
    """

    auroc: float | None
    auroc_std: float | None
    n_reference: int
    n_current: int
    top_features: tuple[tuple[str, float], ...]
    folds: int
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "auroc": self.auroc,
            "auroc_std": self.auroc_std,
            "n_reference": self.n_reference,
            "n_current": self.n_current,
            "top_features": [
                {"feature": name, "importance": value} for name, value in self.top_features
            ],
            "folds": self.folds,
            "reason": self.reason,
        }


def domain_classifier(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    numeric: Sequence[str] = (),
    categorical: Sequence[str] = (),
    max_rows: int = 10_000,
    folds: int = 5,
    seed: int = 0,
) -> DomainClassifierResult:
    """Train a classifier to tell ``current`` rows from ``reference`` rows; report how well it can.

    Parameters
    ----------
    reference, current
        The two samples; they must hold every column named in ``numeric`` and ``categorical``.
    numeric
        Numeric (or boolean) columns; NaN and infinities count as missing.
    categorical
        Columns compared by value (as text); missing stays missing.
    max_rows
        Each side is subsampled, without replacement, to at most this many rows.
    folds
        Folds of the stratified cross-validation (at least 2).
    seed
        Seeds the subsamples, the folds, the booster and the permutations.

    Returns
    -------
    DomainClassifierResult
        ``auroc`` pooled over every out-of-fold prediction (``roc_auc_score`` on them). Fewer
        rows than ``folds`` on either side gives ``auroc=None`` and a ``reason``, not an error.

    Raises
    ------
    DataError
        A missing or non-numeric column, no features, a column named twice, or bad options.
    """
    features = _check(reference, current, numeric, categorical, max_rows, folds)
    rng = np.random.default_rng(seed)
    ref, cur = _subsample(reference, max_rows, rng), _subsample(current, max_rows, rng)
    n_ref, n_cur = len(ref), len(cur)
    if min(n_ref, n_cur) < folds:
        reason = (
            f"the domain classifier needs at least {folds} rows on each side for {folds} folds; "
            f"got {n_ref} reference and {n_cur} current"
        )
        return DomainClassifierResult(None, None, n_ref, n_cur, (), folds, reason)

    x = _encode(ref[features], cur[features], numeric)
    y = np.r_[np.zeros(n_ref, dtype=np.bool_), np.ones(n_cur, dtype=np.bool_)]
    is_categorical = np.isin(features, list(categorical))
    oof = np.empty(y.size)
    fold_auroc: list[float] = []
    drops = np.zeros(len(features))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(x, y):
        model = HistGradientBoostingClassifier(
            **_MODEL_PARAMS, categorical_features=is_categorical, random_state=seed
        ).fit(x[train], y[train])
        oof[test] = model.predict_proba(x[test])[:, 1]
        held_out = _auroc(y[test], oof[test])
        fold_auroc.append(held_out)
        drops += _importance(model, x[test], y[test], oof[test], rng)
    importance = drops / folds
    order = np.argsort(-importance, kind="stable")
    return DomainClassifierResult(
        auroc=_auroc(y, oof),
        auroc_std=float(np.std(fold_auroc, ddof=1)),
        n_reference=n_ref,
        n_current=n_cur,
        top_features=tuple((features[i], float(importance[i])) for i in order.tolist()),
        folds=folds,
    )


def _check(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    numeric: Sequence[str],
    categorical: Sequence[str],
    max_rows: int,
    folds: int,
) -> list[str]:
    for name, value, low in (("folds", folds, 2), ("max_rows", max_rows, 1)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
            raise DataError(f"{name} must be an integer >= {low}; got {value!r}")
    for name, columns in (("numeric", numeric), ("categorical", categorical)):
        if isinstance(columns, str):
            raise DataError(f"{name} must be a list of column names; got the string {columns!r}")
    features = [*numeric, *categorical]
    if not features:
        raise DataError("the domain classifier needs at least one numeric or categorical column")
    twice = sorted({name for name in features if features.count(name) > 1})
    if twice:
        raise DataError(f"columns must be named once in numeric and categorical; got {twice}")
    for side, frame in (("reference", reference), ("current", current)):
        if not isinstance(frame, pd.DataFrame):
            raise DataError(f"{side} must be a pandas DataFrame; got {type(frame).__name__}")
        missing = [name for name in features if name not in frame.columns]
        if missing:
            raise DataError(f"{side} lacks the columns {missing}")
        for name in numeric:
            dtype = frame[name].dtype
            if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
                raise DataError(f"{side} column {name!r} must be numeric; got dtype {dtype}")
    return features


def _subsample(frame: pd.DataFrame, max_rows: int, rng: np.random.Generator) -> pd.DataFrame:
    if len(frame) <= max_rows:
        return frame
    return frame.iloc[np.sort(rng.choice(len(frame), size=max_rows, replace=False))]


def _encode(reference: pd.DataFrame, current: pd.DataFrame, numeric: Sequence[str]) -> Floats:
    """One float matrix: numbers with NaN for missing, categories as capped integer codes."""
    both = pd.concat([reference, current], ignore_index=True)
    columns = [
        _numbers(both[name]) if name in numeric else _category_codes(both[name])
        for name in both.columns
    ]
    return np.column_stack(columns)


def _numbers(column: pd.Series) -> Floats:
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    return np.where(np.isfinite(values), values, np.nan)


def _category_codes(column: pd.Series) -> Floats:
    missing = column.isna().to_numpy()
    text = column.astype(str).where(~missing)
    counts = text.value_counts().rename_axis("value").reset_index(name="count")
    kept = counts.sort_values(["count", "value"], ascending=[False, True], kind="stable")
    categories = kept["value"].to_numpy()[:MAX_CATEGORIES]
    codes: Floats = pd.Index(categories).get_indexer(text).astype(np.float64)
    codes[codes < 0] = MAX_CATEGORIES  # "other": a value outside the kept ones
    codes[missing] = np.nan
    return codes


def _auroc(y: npt.NDArray[np.bool_], score: Floats) -> float:
    return float(evaluate_weighted("roc_auc", y, score, None)[0])


def _importance(
    model: HistGradientBoostingClassifier,
    x: Floats,
    y: npt.NDArray[np.bool_],
    score: Floats,
    rng: np.random.Generator,
) -> Floats:
    """AUROC lost on held-out rows when each column in turn is shuffled (up to 2,000 rows)."""
    if y.size > _MAX_PERMUTED_ROWS:
        rows = rng.choice(y.size, size=_MAX_PERMUTED_ROWS, replace=False)
        x, y, score = x[rows], y[rows], score[rows]
    held_out = _auroc(y, score)
    lost = np.empty(x.shape[1])
    shuffled = x.copy()
    for j in range(x.shape[1]):
        shuffled[:, j] = x[rng.permutation(y.size), j]
        lost[j] = held_out - _auroc(y, model.predict_proba(shuffled)[:, 1])
        shuffled[:, j] = x[:, j]
    return lost
