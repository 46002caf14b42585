from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OrdinalEncoder

from charter.errors import ModelError
from charter.models import (
    coerce_frame,
    deserialize_model,
    detect_flavor,
    get_flavor,
    serialize_model,
    wrap_model,
)

xgb = pytest.importorskip("xgboost")

INPUTS = ("age", "education_num", "hours_per_week", "capital_gain", "workclass")


@pytest.fixture(scope="module")
def classifier(tree_frame: pd.DataFrame, y01: np.ndarray) -> Any:
    model = xgb.XGBClassifier(n_estimators=10, max_depth=3, enable_categorical=True)
    return model.fit(tree_frame, y01)


@pytest.fixture(scope="module")
def booster(tree_frame: pd.DataFrame, y01: np.ndarray) -> Any:
    numeric = tree_frame.drop(columns="workclass")
    params = {"objective": "binary:logistic", "max_depth": 3}
    return xgb.train(params, xgb.DMatrix(numeric, y01), num_boost_round=10)


def test_sklearn_api_model_describes_itself(classifier: Any) -> None:
    model = wrap_model(classifier)

    assert detect_flavor(classifier).name == "xgboost"
    assert model.input_names == INPUTS
    assert model.classes == ("0", "1")
    assert model.categorical_dtype == "category"
    assert model.output == "probability"


def test_coerced_object_categories_score_like_training_categories(
    classifier: Any, tree_frame: pd.DataFrame, adult: pd.DataFrame, features: dict[str, object]
) -> None:
    coerced = coerce_frame(adult, features)
    one_category = coerced[coerced["workclass"] == "Gov"]  # fewer categories than in training

    expected = classifier.predict_proba(tree_frame)
    model = wrap_model(classifier)
    np.testing.assert_allclose(model.predict_proba(coerced), expected, rtol=1e-6)
    np.testing.assert_allclose(
        model.predict_proba(one_category), expected[one_category.index], rtol=1e-6
    )


def test_sklearn_api_round_trip_uses_xgboost_json(
    classifier: Any, tree_frame: pd.DataFrame
) -> None:
    flavor, data, metadata = serialize_model(classifier)
    loaded = deserialize_model(flavor, data, metadata)

    assert (flavor, metadata["file_extension"], metadata["wrapper"]) == (
        "xgboost",
        ".json",
        "XGBClassifier",
    )
    assert json.loads(data)["learner"]["attributes"]["scikit_learn"]
    assert loaded.classes == ("0", "1")
    assert loaded.input_names == INPUTS
    np.testing.assert_allclose(
        loaded.predict_proba(tree_frame),
        classifier.predict_proba(tree_frame),
    )
    assert json.dumps(metadata)


def test_binary_booster_round_trip(booster: Any, tree_frame: pd.DataFrame) -> None:
    numeric = tree_frame.drop(columns="workclass")
    model = wrap_model(booster)
    flavor, data, metadata = serialize_model(booster)
    loaded = deserialize_model(flavor, data, metadata)

    assert model.classes == ("0", "1")
    assert model.input_names == ("age", "education_num", "hours_per_week", "capital_gain")
    assert metadata["kind"] == "booster"
    raw = booster.predict(xgb.DMatrix(numeric))
    np.testing.assert_allclose(model.predict_scores(numeric), raw, rtol=1e-6)
    np.testing.assert_allclose(loaded.predict_proba(numeric), model.predict_proba(numeric))
    assert json.dumps(get_flavor("xgboost").params(booster))


def test_array_regressor_has_no_names(adult: pd.DataFrame) -> None:
    x = adult[["age", "hours_per_week"]].to_numpy(dtype=float)
    regressor = xgb.XGBRegressor(n_estimators=5).fit(x, adult["education_num"])
    model = wrap_model(regressor)
    frame = adult[["age", "hours_per_week"]]

    assert (model.input_names, model.classes, model.output) == (None, None, "value")
    np.testing.assert_allclose(model.predict_scores(frame), regressor.predict(x), rtol=1e-6)
    with pytest.raises(ModelError, match=r"gives no class probabilities"):
        model.predict_proba(frame)
    assert json.dumps(get_flavor("xgboost").params(regressor))


def test_pipeline_with_encoder_in_front_is_sklearn(
    adult: pd.DataFrame, y01: np.ndarray, features: dict[str, object]
) -> None:
    prep = ColumnTransformer(
        [
            (
                "cat",
                OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
                ["workclass"],
            )
        ],
        remainder="passthrough",
    )
    pipe = make_pipeline(prep, xgb.XGBClassifier(n_estimators=5))
    pipe.fit(adult[list(INPUTS)], y01)
    model = wrap_model(pipe)

    assert model.flavor == "sklearn"
    assert model.categorical_dtype == "object"
    np.testing.assert_allclose(
        model.predict_proba(coerce_frame(adult, features)), pipe.predict_proba(adult[list(INPUTS)])
    )


def test_unfitted_wrapper_is_refused() -> None:
    with pytest.raises(ModelError, match="XGBClassifier is not fitted"):
        wrap_model(xgb.XGBClassifier())
