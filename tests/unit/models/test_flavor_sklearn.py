from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LinearRegression, LogisticRegression, RidgeClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder

from charter.errors import ModelError
from charter.models import (
    coerce_frame,
    deserialize_model,
    detect_flavor,
    get_flavor,
    serialize_model,
    wrap_model,
)
from charter.models.sklearn import json_safe

INPUTS = ("age", "education_num", "hours_per_week", "capital_gain", "workclass")


def test_pipeline_is_detected_and_describes_itself(pipeline: Pipeline) -> None:
    model = wrap_model(pipeline)

    assert detect_flavor(pipeline).name == "sklearn"
    assert model.flavor == "sklearn"
    assert model.input_names == INPUTS
    assert model.classes == ("<=50K", ">50K")
    assert model.output == "probability"
    assert model.native is pipeline


def test_round_trip_gives_identical_predictions(pipeline: Pipeline, adult: pd.DataFrame) -> None:
    flavor, data, metadata = serialize_model(pipeline)
    loaded = deserialize_model(flavor, data, metadata)

    frame = adult[list(INPUTS)]
    assert flavor == "sklearn"
    assert metadata["file_extension"] == ".joblib"
    assert "sklearn" in metadata["versions"]
    np.testing.assert_allclose(loaded.predict_proba(frame), pipeline.predict_proba(frame))
    np.testing.assert_array_equal(loaded.predict(frame), pipeline.predict(frame))


def test_scores_charter_ordered_coerced_frames(
    pipeline: Pipeline, adult: pd.DataFrame, features: dict[str, object]
) -> None:
    model = wrap_model(pipeline)
    coerced = coerce_frame(adult, features)  # charter order differs from the training order

    expected = pipeline.predict_proba(adult[list(INPUTS)])[:, 1]
    np.testing.assert_allclose(model.predict_scores(coerced), expected)
    np.testing.assert_allclose(model.predict_scores(coerced, positive="<=50K"), 1 - expected)


def test_params_are_json_safe(pipeline: Pipeline) -> None:
    params = get_flavor("sklearn").params(pipeline)
    _, _, metadata = serialize_model(pipeline)

    assert json.loads(json.dumps(params))["steps"] == [
        ["prep", "ColumnTransformer"],
        ["clf", "LogisticRegression"],
    ]
    json.dumps(metadata)


def test_json_safe_renders_what_json_cannot_hold() -> None:
    value = {"a": np.float32(0.5), "b": float("nan"), "c": (1, np.int64(2)), "d": object}

    assert json_safe(value) == {"a": 0.5, "b": "nan", "c": [1, 2], "d": "object"}


def test_array_fitted_regressor_has_no_names_or_classes(adult: pd.DataFrame) -> None:
    numeric = adult[["age", "hours_per_week"]]
    regressor = LinearRegression().fit(numeric.to_numpy(), adult["education_num"])
    model = wrap_model(regressor)

    assert model.input_names is None
    assert model.classes is None
    assert model.output == "value"
    np.testing.assert_allclose(model.predict_scores(numeric), regressor.predict(numeric.to_numpy()))
    with pytest.raises(ModelError, match=r"does not give class probabilities"):
        model.predict_proba(numeric)


def test_classifier_without_probabilities_predicts_labels(adult: pd.DataFrame) -> None:
    numeric = adult[["age", "education_num"]]
    model = wrap_model(RidgeClassifier().fit(numeric, adult["income"]))

    assert model.output == "label"
    assert model.classes == ("<=50K", ">50K")
    assert set(model.predict(numeric)) <= {"<=50K", ">50K"}


def test_unfitted_estimator_is_refused() -> None:
    with pytest.raises(ModelError, match=r"LogisticRegression is not fitted"):
        wrap_model(LogisticRegression())


def test_library_errors_become_model_errors(pipeline: Pipeline, adult: pd.DataFrame) -> None:
    frame = adult[list(INPUTS)].assign(age="old")

    with pytest.raises(ModelError, match=r"^Pipeline.predict_proba failed: ValueError"):
        wrap_model(pipeline).predict_proba(frame)


def test_pipeline_ending_in_a_lightgbm_wrapper_is_sklearn(
    adult: pd.DataFrame, y01: np.ndarray
) -> None:
    lightgbm = pytest.importorskip("lightgbm")
    prep = ColumnTransformer(
        [("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), ["workclass"])],
        remainder="passthrough",
    )
    clf = lightgbm.LGBMClassifier(n_estimators=5, verbose=-1)
    pipe = make_pipeline(prep, clf).fit(adult[list(INPUTS)], y01)

    assert detect_flavor(pipe).name == "sklearn"
    assert detect_flavor(clf).name == "lightgbm"
    assert wrap_model(pipe).classes == ("0", "1")
