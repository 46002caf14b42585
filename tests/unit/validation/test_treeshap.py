"""SHAP reason codes for tree pipelines: additive to the model's output and equal to shap's own."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from charter.examples.adult import ADULT_FEATURES
from charter.validation.treeshap import tree_attribution

shap = pytest.importorskip("shap")


def test_values_add_up_to_the_log_odds_and_match_shap(
    adult_model: Pipeline, adult_sample: pd.DataFrame
) -> None:
    rows = adult_sample[list(ADULT_FEATURES)].head(25)
    attribution = tree_attribution(adult_model, rows, positive=">50K")
    assert attribution is not None and attribution.features == ADULT_FEATURES
    raw = adult_model.decision_function(rows)
    total = attribution.values.sum(axis=1) + attribution.base_value
    np.testing.assert_allclose(total, raw, atol=1e-9)

    matrix = adult_model[:-1].transform(rows)
    own = shap.TreeExplainer(adult_model[-1]).shap_values(matrix)
    names = list(adult_model[:-1].get_feature_names_out())
    # one-hot columns are "<feature>_<category>"; education_num is its own feature, not education's
    owner = [
        n
        if n in ADULT_FEATURES
        else max((f for f in ADULT_FEATURES if n.startswith(f + "_")), key=len)
        for n in names
    ]
    for j, feature in enumerate(ADULT_FEATURES):
        columns = [i for i, o in enumerate(owner) if o == feature]
        np.testing.assert_allclose(
            attribution.values[:, j], own[:, columns].sum(axis=1), atol=1e-12
        )


def test_the_negative_class_as_positive_flips_the_sign(
    adult_model: Pipeline, adult_sample: pd.DataFrame
) -> None:
    rows = adult_sample[list(ADULT_FEATURES)].head(5)
    up = tree_attribution(adult_model, rows, positive=">50K")
    down = tree_attribution(adult_model, rows, positive="<=50K")
    assert up is not None and down is not None
    np.testing.assert_allclose(up.values, -down.values)


def test_a_non_tree_model_falls_back() -> None:
    from sklearn.linear_model import LogisticRegression

    frame = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0]})
    model = LogisticRegression().fit(frame, [0, 0, 1, 1])
    assert tree_attribution(model, frame) is None
