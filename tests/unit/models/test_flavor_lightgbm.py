from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

from charter.errors import ModelError
from charter.models import (
    coerce_frame,
    deserialize_model,
    detect_flavor,
    get_flavor,
    serialize_model,
    wrap_model,
)

lgb = pytest.importorskip("lightgbm")

INPUTS = ("age", "education_num", "hours_per_week", "capital_gain", "workclass")


@pytest.fixture(scope="module")
def classifier(tree_frame: pd.DataFrame, adult: pd.DataFrame) -> Any:
    return lgb.LGBMClassifier(n_estimators=10, num_leaves=7, verbose=-1).fit(
        tree_frame, adult["income"]
    )


@pytest.fixture(scope="module")
def booster(tree_frame: pd.DataFrame, y01: np.ndarray) -> Any:
    params = {"objective": "binary", "num_leaves": 7, "verbose": -1}
    return lgb.train(params, lgb.Dataset(tree_frame, y01), num_boost_round=10)


def test_sklearn_api_model_describes_itself(classifier: Any) -> None:
    model = wrap_model(classifier)

    assert detect_flavor(classifier).name == "lightgbm"
    assert model.input_names == INPUTS
    assert model.classes == ("<=50K", ">50K")
    assert model.categorical_dtype == "category"
    assert model.output == "probability"


def test_coerced_object_categories_score_like_training_categories(
    classifier: Any, tree_frame: pd.DataFrame, adult: pd.DataFrame, features: dict[str, object]
) -> None:
    coerced = coerce_frame(adult, features)  # workclass as object strings, charter order

    expected = classifier.predict_proba(tree_frame)
    np.testing.assert_allclose(wrap_model(classifier).predict_proba(coerced), expected)


def test_unseen_category_is_scored_as_missing(
    classifier: Any, adult: pd.DataFrame, features: dict[str, object]
) -> None:
    frame = coerce_frame(adult.head(3), features).assign(workclass="Never-seen")
    missing = coerce_frame(adult.head(3), features).assign(workclass=np.nan)
    model = wrap_model(classifier)

    np.testing.assert_allclose(model.predict_proba(frame), model.predict_proba(missing))


def test_sklearn_api_round_trip(classifier: Any, tree_frame: pd.DataFrame) -> None:
    flavor, data, metadata = serialize_model(classifier)
    loaded = deserialize_model(flavor, data, metadata)

    assert (flavor, metadata["file_extension"], metadata["kind"]) == (
        "lightgbm",
        ".joblib",
        "sklearn_api",
    )
    assert "lightgbm" in metadata["versions"]
    np.testing.assert_allclose(
        loaded.predict_proba(tree_frame),
        classifier.predict_proba(tree_frame),
    )
    json.dumps(metadata)


def test_binary_booster_gets_two_probability_columns(
    booster: Any, tree_frame: pd.DataFrame
) -> None:
    model = wrap_model(booster)
    proba = model.predict_proba(tree_frame)

    assert model.classes == ("0", "1")
    assert model.input_names == INPUTS
    assert proba.shape == (len(tree_frame), 2)
    np.testing.assert_allclose(proba[:, 1], booster.predict(tree_frame))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(model.predict(tree_frame)) <= {"0", "1"}


def test_booster_round_trips_as_model_text(booster: Any, tree_frame: pd.DataFrame) -> None:
    flavor, data, metadata = serialize_model(booster)
    loaded = deserialize_model(flavor, data, metadata)

    assert metadata["file_extension"] == ".txt"
    assert data.decode("utf-8").startswith("tree")
    np.testing.assert_allclose(
        loaded.predict_scores(tree_frame), wrap_model(booster).predict_scores(tree_frame)
    )
    assert json.dumps(get_flavor("lightgbm").params(booster))


def test_multiclass_booster_and_array_regressor(adult: pd.DataFrame) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(150, 3))
    multi = lgb.train(
        {"objective": "multiclass", "num_class": 3, "verbose": -1},
        lgb.Dataset(x, rng.integers(0, 3, 150)),
        num_boost_round=3,
    )
    regressor = lgb.LGBMRegressor(n_estimators=5, verbose=-1).fit(x, x[:, 0])
    frame = pd.DataFrame(x, columns=["a", "b", "c"])

    assert wrap_model(multi).classes == ("0", "1", "2")
    assert wrap_model(multi).input_names is None
    assert wrap_model(multi).predict_scores(frame).shape == (150, 3)
    reg = wrap_model(regressor)
    assert (reg.classes, reg.input_names, reg.output) == (None, None, "value")
    np.testing.assert_allclose(reg.predict_scores(frame), regressor.predict(x))
    with pytest.raises(ModelError, match=r"is a regressor"):
        reg.predict_proba(frame)


def test_unfitted_wrapper_is_refused() -> None:
    with pytest.raises(ModelError, match=r"LGBMClassifier is not fitted"):
        wrap_model(lgb.LGBMClassifier())
