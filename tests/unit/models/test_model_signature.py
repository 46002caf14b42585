from __future__ import annotations

import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder

from charter.errors import DataError, ModelError, SignatureDiff, SignatureMismatchError
from charter.models import (
    ColumnSignature,
    ModelSignature,
    coerce_frame,
    compare_signature,
    infer_signature,
    wrap_model,
)
from charter.models.signature import column_type


def onehot_logistic(frame: pd.DataFrame, target: Any, *, text: list[str]) -> Pipeline:
    prep = ColumnTransformer(
        [("cat", OneHotEncoder(handle_unknown="ignore"), text)], remainder="passthrough"
    )
    return make_pipeline(prep, LogisticRegression(max_iter=2000)).fit(frame, target)


def test_pipeline_matching_its_charter(
    pipeline: Pipeline, adult: pd.DataFrame, features: dict[str, Any]
) -> None:
    signature = infer_signature(wrap_model(pipeline), adult, features=features)

    assert signature.names_from == "model"
    assert [col.to_dict() for col in signature.inputs] == [
        {"name": "age", "type": "integer"},
        {"name": "education_num", "type": "integer"},
        {"name": "hours_per_week", "type": "integer"},
        {"name": "capital_gain", "type": "number"},
        {"name": "workclass", "type": "category"},
    ]
    assert (signature.output, signature.classes) == ("probability", ("<=50K", ">50K"))
    assert signature.extra == {
        "flavor": "sklearn",
        "categorical_dtype": "object",
        "smoke_rows": 100,
    }
    assert compare_signature(signature, features=features).is_empty
    assert ModelSignature.from_dict(json.loads(json.dumps(signature.to_dict()))) == signature


def test_sensitive_attribute_as_input_is_forbidden(
    adult: pd.DataFrame,
    features: dict[str, Any],
    sensitive: dict[str, Any],
    make_feature: Callable[..., Any],
    make_sensitive: Callable[..., Any],
) -> None:
    columns = ["age", "workclass", "sex"]
    model = onehot_logistic(adult[columns], adult["income"], text=["workclass", "sex"])
    charter = SimpleNamespace(features=features, sensitive=sensitive)

    signature = infer_signature(model, adult, features=features)
    diff = compare_signature(signature, charter)
    allowed = compare_signature(
        signature,
        features={**features, "sex": make_feature("category")},
        sensitive={"sex": make_sensitive(allow_as_input=True)},
    )

    assert diff.forbidden == ("sex",)
    assert diff.missing == ()
    assert str(SignatureMismatchError(diff)).endswith(
        "sensitive attributes used as model inputs (the charter forbids it): sex"
    )
    assert allowed.forbidden == ()
    assert allowed.extra == ("education_num", "hours_per_week", "capital_gain")


def test_missing_and_extra_columns(make_feature: Callable[..., Any]) -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rng.normal(size=(120, 4)), columns=["a", "b", "c", "d"])
    model = LogisticRegression().fit(frame[["a", "b", "c"]], frame["a"] > 0)
    features = {name: make_feature("number") for name in ("a", "b", "d")}

    diff = compare_signature(infer_signature(model, frame, features=features), features=features)

    assert diff == SignatureDiff(missing=("c",), extra=("d",))


def test_sample_without_a_non_charter_input_skips_the_smoke_test(
    make_feature: Callable[..., Any],
) -> None:
    rng = np.random.default_rng(4)
    frame = pd.DataFrame(rng.normal(size=(50, 3)), columns=["a", "b", "c"])
    model = LogisticRegression().fit(frame, frame["a"] > 0)
    features = {name: make_feature("number") for name in ("a", "b", "d")}

    signature = infer_signature(model, frame[["a", "b"]], features=features)

    assert signature.inputs[2] == ColumnSignature("c", "unknown")
    assert signature.extra["smoke_test"] == "skipped: the sample lacks c"
    assert compare_signature(signature, features=features).missing == ("c",)


def test_wrong_type_says_expected_and_got(adult: pd.DataFrame, features: dict[str, Any]) -> None:
    frame = adult[["age", "workclass"]].astype({"age": str})
    model = onehot_logistic(frame, adult["income"], text=["age", "workclass"])
    charter_features = {"age": features["age"], "workclass": features["workclass"]}

    signature = infer_signature(model, frame, features=charter_features)
    diff = compare_signature(signature, features=charter_features)

    assert diff.wrong_type == (("age", "integer", "string"),)
    assert diff.lines() == ["age: the charter says integer, the sample has string"]
    assert signature.extra["smoke_test"] == "skipped: the sample mistypes age"


@pytest.mark.parametrize(
    ("values", "declared", "expected"),
    [
        ([1.0, 2.0, np.nan], "integer", "integer"),  # NaN made the ints floats
        ([1.5, 2.0], "integer", "number"),
        ([0, 1, 1], "boolean", "boolean"),
        ([0, 1, 2], "boolean", "integer"),
        ([True, False], None, "boolean"),
        (["a", None], "category", "category"),
        (["a", None], "string", "string"),
        (["a", "b"], "integer", "string"),
        (pd.to_datetime(["2024-01-01"]), "datetime", "datetime"),
    ],
)
def test_column_type(values: Any, declared: str | None, expected: str) -> None:
    assert column_type(pd.Series(values), declared) == expected


def test_boolean_charter_accepts_0_1_integers(make_feature: Callable[..., Any]) -> None:
    frame = pd.DataFrame({"flag": [0, 1] * 30, "x": np.linspace(0, 1, 60)})
    model = LogisticRegression().fit(frame.to_numpy(), frame["flag"])
    features = {"flag": make_feature("boolean"), "x": make_feature("number")}

    signature = infer_signature(model, frame, features=features)

    assert signature.names_from == "sample"
    assert compare_signature(signature, features=features).is_empty


def test_array_fitted_model_takes_names_from_the_sample(
    adult: pd.DataFrame, features: dict[str, Any]
) -> None:
    numeric = ["age", "education_num", "hours_per_week", "capital_gain"]
    model = LogisticRegression(max_iter=2000).fit(adult[numeric].to_numpy(), adult["income"])
    charter = {name: features[name] for name in numeric}

    signature = infer_signature(model, adult, features=charter)

    assert (signature.names_from, signature.input_names) == ("sample", tuple(numeric))
    assert compare_signature(signature, features={**charter, "other": features["age"]}).is_empty


def test_model_that_fails_on_the_sample(
    adult: pd.DataFrame, features: dict[str, Any], make_feature: Callable[..., Any]
) -> None:
    numeric = ["age", "education_num"]
    model = LogisticRegression().fit(adult[numeric].to_numpy(), adult["income"])
    too_many = {**{n: features[n] for n in numeric}, "capital_gain": make_feature("number")}

    with pytest.raises(ModelError, match=r"^the model failed on the sample: LogisticRegression"):
        infer_signature(model, adult, features=too_many)


def test_sample_must_hold_the_charter_features_the_model_takes(
    pipeline: Pipeline, adult: pd.DataFrame, features: dict[str, Any]
) -> None:
    with pytest.raises(DataError, match=r"^the sample lacks the charter feature\(s\) the model"):
        infer_signature(pipeline, adult.drop(columns="age"), features=features)
    with pytest.raises(DataError, match=r"^the sample holds none of the charter's features"):
        infer_signature(
            LogisticRegression().fit([[0], [1]], [0, 1]), adult[["sex"]], features=features
        )


def test_compare_needs_features() -> None:
    signature = ModelSignature(inputs=(), output="value")

    with pytest.raises(TypeError, match=r"needs a charter or features="):
        compare_signature(signature)


def test_onnx_tensor_that_cannot_take_the_data_is_reported(
    adult: pd.DataFrame, make_feature: Callable[..., Any]
) -> None:
    skl2onnx = pytest.importorskip("skl2onnx")
    pytest.importorskip("onnxruntime")
    from skl2onnx.common.data_types import StringTensorType

    frame = pd.DataFrame({"code": adult["age"].astype(str)})
    model = onehot_logistic(frame, adult["income"], text=["code"])
    proto = skl2onnx.convert_sklearn(model, initial_types=[("code", StringTensorType([None, 1]))])
    features = {"code": make_feature("number")}
    sample = pd.DataFrame({"code": adult["age"].astype(float)})

    signature = infer_signature(proto, sample, features=features)

    assert signature.extra["input_tensors"] == {"code": "string"}
    assert compare_signature(signature, features=features).wrong_type == (
        ("code", "number", "string"),
    )


def test_real_contract_objects_are_read_by_duck_typing(
    pipeline: Pipeline, adult: pd.DataFrame
) -> None:
    contract = pytest.importorskip("charter.contract")
    needed = ("infer_features", "parse_charter", "render_template")
    if not all(hasattr(contract, name) for name in needed):
        pytest.skip("charter.contract does not offer " + ", ".join(needed) + " yet")
    inputs = ["age", "education_num", "hours_per_week", "capital_gain", "workclass"]
    features = contract.infer_features(adult[inputs])
    text = contract.render_template("adult-test", features, target="income", sensitive=["sex"])
    charter = contract.parse_charter(text)
    with_sex = onehot_logistic(adult[["age", "sex"]], adult["income"], text=["sex"])

    signature = infer_signature(pipeline, adult, features=charter.features)

    assert compare_signature(signature, charter).is_empty
    assert coerce_frame(adult, charter.features).columns.tolist() == inputs
    diff = compare_signature(infer_signature(with_sex, adult, features=charter.features), charter)
    assert (diff.forbidden, diff.missing) == (("sex",), ())
