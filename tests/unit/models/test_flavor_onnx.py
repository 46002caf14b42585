from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from charter.errors import DataError, ModelError
from charter.models import (
    OnnxModel,
    coerce_frame,
    deserialize_model,
    detect_flavor,
    serialize_model,
    wrap_model,
)

pytest.importorskip("onnxruntime")
skl2onnx = pytest.importorskip("skl2onnx")
from skl2onnx.common.data_types import (  # noqa: E402  (after the importorskip guard)
    FloatTensorType,
    Int64TensorType,
    StringTensorType,
)

NUMERIC = ["age", "education_num", "hours_per_week", "capital_gain"]
INPUTS = ("age", "workclass", "education_num", "hours_per_week", "capital_gain")
TYPES = [
    ("age", Int64TensorType([None, 1])),
    ("workclass", StringTensorType([None, 1])),
    ("education_num", Int64TensorType([None, 1])),
    ("hours_per_week", Int64TensorType([None, 1])),
    ("capital_gain", FloatTensorType([None, 1])),
]


@pytest.fixture(scope="module")
def frame(adult: pd.DataFrame) -> pd.DataFrame:
    """Training rows without missing text: skl2onnx cannot convert a NaN category."""
    rows = adult[list(INPUTS)].copy()
    rows["workclass"] = rows["workclass"].fillna("?")
    return rows


@pytest.fixture(scope="module")
def pipeline(frame: pd.DataFrame, adult: pd.DataFrame) -> Pipeline:
    prep = ColumnTransformer(
        [
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["workclass"]),
            ("num", StandardScaler(), NUMERIC),
        ]
    )
    model = Pipeline([("prep", prep), ("clf", LogisticRegression(max_iter=1000))])
    return model.fit(frame, adult["income"])


def to_onnx(model: object, types: list[tuple[str, object]], **options: object) -> bytes:
    proto = skl2onnx.convert_sklearn(model, initial_types=types, options=options or None)
    return bytes(proto.SerializeToString())


@pytest.mark.parametrize("zipmap", [True, False])
def test_scores_equal_sklearn_within_1e5(
    pipeline: Pipeline, frame: pd.DataFrame, features: dict[str, object], zipmap: bool
) -> None:
    data = to_onnx(pipeline, TYPES, zipmap=zipmap)
    model = wrap_model(OnnxModel(data))
    coerced = coerce_frame(frame, features)

    assert detect_flavor(OnnxModel(data)).name == "onnx"
    assert model.input_names == INPUTS
    assert model.classes == ("<=50K", ">50K")
    assert model.output == "probability"
    assert model.input_types == {
        "age": "integer",
        "workclass": "string",
        "education_num": "integer",
        "hours_per_week": "integer",
        "capital_gain": "number",
    }
    expected = pipeline.predict_proba(frame)
    np.testing.assert_allclose(model.predict_proba(coerced), expected, atol=1e-5)
    np.testing.assert_allclose(model.predict_scores(coerced), expected[:, 1], atol=1e-5)
    np.testing.assert_array_equal(model.predict(coerced), pipeline.predict(frame))


def test_round_trip_and_model_proto(pipeline: Pipeline, frame: pd.DataFrame) -> None:
    proto = skl2onnx.convert_sklearn(pipeline, initial_types=TYPES)
    flavor, data, metadata = serialize_model(proto)
    loaded = deserialize_model(flavor, data, metadata)

    assert (flavor, metadata["file_extension"]) == ("onnx", ".onnx")
    assert data == proto.SerializeToString()
    assert "onnxruntime" in metadata["versions"]
    assert json.dumps(metadata)
    assert isinstance(loaded.source, OnnxModel)
    np.testing.assert_allclose(
        loaded.predict_proba(frame), wrap_model(proto).predict_proba(frame), atol=0
    )


def test_single_tensor_takes_names_from_the_model_or_metadata(
    frame: pd.DataFrame, adult: pd.DataFrame
) -> None:
    numeric = frame[NUMERIC].astype(float)
    clf = LogisticRegression(max_iter=1000).fit(numeric.to_numpy(), adult["income"])
    proto = skl2onnx.convert_sklearn(
        clf, initial_types=[("input", FloatTensorType([None, 4]))], options={"zipmap": False}
    )
    unnamed = wrap_model(OnnxModel(proto.SerializeToString()))
    named = wrap_model(OnnxModel(proto.SerializeToString(), feature_names=tuple(NUMERIC)))
    entry = proto.metadata_props.add()
    entry.key, entry.value = "feature_names", json.dumps(NUMERIC)
    from_metadata = wrap_model(proto)

    assert unnamed.input_names is None
    assert named.input_names == from_metadata.input_names == tuple(NUMERIC)
    assert named.input_types == dict.fromkeys(NUMERIC, "number")
    expected = clf.predict_proba(numeric.to_numpy())
    shuffled = frame[list(reversed(INPUTS))]
    np.testing.assert_allclose(named.predict_proba(shuffled), expected, atol=1e-5)
    np.testing.assert_allclose(unnamed.predict_proba(numeric), expected, atol=1e-5)
    _, data, metadata = serialize_model(named)
    assert deserialize_model("onnx", data, metadata).input_names == tuple(NUMERIC)


def test_regressor_gives_values(frame: pd.DataFrame) -> None:
    x = frame[["age", "hours_per_week"]].to_numpy(dtype=np.float32)
    reg = LinearRegression().fit(x, frame["education_num"])
    data = to_onnx(reg, [("x", FloatTensorType([None, 2]))])
    model = wrap_model(OnnxModel(data, feature_names=("age", "hours_per_week")))

    assert (model.classes, model.output) == (None, "value")
    np.testing.assert_allclose(model.predict_scores(frame), reg.predict(x), rtol=1e-5)
    with pytest.raises(ModelError, match=r"no probability output"):
        model.predict_proba(frame)


def test_bad_bytes_and_bad_values_are_named(pipeline: Pipeline, frame: pd.DataFrame) -> None:
    model = wrap_model(OnnxModel(to_onnx(pipeline, TYPES)))

    with pytest.raises(ModelError, match=r"^not a usable ONNX model: "):
        wrap_model(OnnxModel(b"not an onnx model"))
    with pytest.raises(DataError, match=r"^age: the model's tensor\(int64\) input cannot take"):
        model.predict_proba(frame.assign(age=np.nan))
    with pytest.raises(DataError, match=r"^the frame lacks the model's input\(s\): age$"):
        model.predict_proba(frame.drop(columns="age"))


def test_lightgbm_compiled_with_onnxmltools_has_integer_classes(
    frame: pd.DataFrame, adult: pd.DataFrame
) -> None:
    lgb = pytest.importorskip("lightgbm")
    onnxmltools = pytest.importorskip("onnxmltools")
    from onnxmltools.convert.common.data_types import FloatTensorType as MLFloat

    numeric = frame[NUMERIC].astype(np.float32)
    y = (adult["income"] == ">50K").astype(int).to_numpy()
    clf = lgb.LGBMClassifier(n_estimators=10, num_leaves=7, verbose=-1).fit(numeric.to_numpy(), y)
    proto = onnxmltools.convert_lightgbm(clf, initial_types=[("x", MLFloat([None, 4]))])
    model = wrap_model(OnnxModel(proto.SerializeToString(), feature_names=tuple(NUMERIC)))

    assert model.classes == ("0", "1")
    np.testing.assert_allclose(
        model.predict_proba(frame), clf.predict_proba(numeric.to_numpy()), atol=1e-5
    )
