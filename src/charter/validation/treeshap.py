"""SHAP reason codes for tree models, in the charter's feature names.

Used when the ``explain`` extra (``shap``) is installed and the model is a tree ensemble SHAP's
``TreeExplainer`` reads: LightGBM, XGBoost, scikit-learn's HistGradientBoosting, RandomForest and
GradientBoosting, alone or last in a Pipeline. The pipeline's preprocessing is applied first and
the attributions of its output columns are summed back to the input feature they came from
(``workclass_Private`` -> ``workclass``), so contributions still add up to the model's raw output
(log-odds for classifiers). Anything SHAP or the name mapping cannot handle returns ``None`` and
the gate falls back to the model-agnostic method.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["TreeAttribution", "is_shap_available", "tree_attribution"]

_TREE_CLASSES = frozenset(
    {
        "HistGradientBoostingClassifier",
        "HistGradientBoostingRegressor",
        "RandomForestClassifier",
        "RandomForestRegressor",
        "ExtraTreesClassifier",
        "ExtraTreesRegressor",
        "GradientBoostingClassifier",
        "GradientBoostingRegressor",
        "DecisionTreeClassifier",
        "DecisionTreeRegressor",
        "LGBMClassifier",
        "LGBMRegressor",
        "Booster",
        "XGBClassifier",
        "XGBRegressor",
    }
)


@dataclass(frozen=True)
class TreeAttribution:
    """SHAP values per input feature (rows x features) and the base value they add up from."""

    features: tuple[str, ...]
    values: npt.NDArray[np.float64]
    base_value: float
    output: str


def is_shap_available() -> bool:
    """Whether the optional ``shap`` package can be imported."""
    return importlib.util.find_spec("shap") is not None


def _split(native: Any) -> tuple[Any, Any] | None:
    """(preprocessing or None, tree estimator), or None when the model is not a tree model."""
    steps = getattr(native, "steps", None)
    if steps is not None:
        last = steps[-1][1]
        if type(last).__name__ not in _TREE_CLASSES:
            return None
        return (native[:-1] if len(steps) > 1 else None), last
    if type(native).__name__ in _TREE_CLASSES:
        return None, native
    return None


def _origin(column: str, features: tuple[str, ...]) -> str | None:
    """The input feature an output column comes from, by name (``cat__age`` and ``age_x`` too)."""
    name = column.split("__", 1)[1] if "__" in column else column
    if name in features:
        return name
    matches = [f for f in features if name.startswith(f + "_")]
    return max(matches, key=len) if matches else None


def _positive_column(values: Any, estimator: Any, positive: str | None) -> Any:
    """SHAP's values for the positive class when it returns one block per class."""
    array = np.asarray(values)
    if array.ndim == 3:
        classes = [str(c) for c in getattr(estimator, "classes_", [])]
        index = classes.index(positive) if positive in classes else array.shape[2] - 1
        return array[:, :, index], index
    return array, None


def tree_attribution(
    native: Any, frame: pd.DataFrame, *, positive: str | None = None
) -> TreeAttribution | None:
    """Exact TreeSHAP values of ``frame``'s rows summed per input feature, or ``None``."""
    if not is_shap_available():
        return None
    split = _split(native)
    if split is None:
        return None
    preprocess, estimator = split
    import shap

    features = tuple(str(c) for c in frame.columns)
    if preprocess is not None:
        matrix = preprocess.transform(frame)
        matrix = matrix.toarray() if hasattr(matrix, "toarray") else np.asarray(matrix)
        columns = [str(c) for c in preprocess.get_feature_names_out()]
    else:
        if any(frame[c].dtype.kind not in "biuf" for c in features):
            return None
        matrix, columns = frame.to_numpy(dtype=np.float64), list(features)
    origins = [_origin(column, features) for column in columns]
    if any(origin is None for origin in origins):
        return None
    explainer = shap.TreeExplainer(estimator)
    raw = explainer.shap_values(np.asarray(matrix, dtype=np.float64))
    if isinstance(raw, list):
        raw = np.stack(raw, axis=-1)
    values, index = _positive_column(raw, estimator, positive)
    expected = np.ravel(np.asarray(explainer.expected_value, dtype=np.float64))
    base = float(expected[index] if index is not None and expected.size > 1 else expected[-1])
    classes = [str(c) for c in getattr(estimator, "classes_", [])]
    if index is None and len(classes) == 2 and positive == classes[0]:
        values, base = -values, -base  # one log-odds block, for classes_[1]: flip it
    summed = np.zeros((len(frame), len(features)))
    position = {name: i for i, name in enumerate(features)}
    for j, origin in enumerate(origins):
        summed[:, position[str(origin)]] += values[:, j]
    return TreeAttribution(features, summed, base, "raw (log-odds for classifiers)")
