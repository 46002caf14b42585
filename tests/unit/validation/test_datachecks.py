"""Leakage's univariate AUC against scikit-learn, either direction, categories by positive rate."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from charter.validation.datachecks import univariate_auc


def test_numeric_auc_matches_sklearn_in_either_direction() -> None:
    rng = np.random.default_rng(0)
    y = rng.random(500) < 0.3
    x = rng.normal(size=500) + y
    assert abs(univariate_auc(pd.Series(x), y) - roc_auc_score(y, x)) < 1e-12
    assert abs(univariate_auc(pd.Series(-x), y) - roc_auc_score(y, x)) < 1e-12


def test_a_category_that_is_the_label_is_perfect() -> None:
    y = np.array([True, False] * 50)
    leak = pd.Series(np.where(y, "yes", "no"), dtype=object)
    assert univariate_auc(leak, y) == 1.0
    with_missing = pd.Series([None if i % 7 == 0 else v for i, v in enumerate(leak)], dtype=object)
    assert 0.5 < univariate_auc(with_missing, y) <= 1.0
