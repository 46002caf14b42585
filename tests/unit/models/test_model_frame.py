from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

import numpy as np
import pandas as pd
import pytest

from charter.errors import DataError
from charter.models import coerce_frame


def test_charter_order_types_and_nothing_else(
    adult: pd.DataFrame, features: dict[str, Any]
) -> None:
    before = adult.copy()

    out = coerce_frame(adult, features)

    assert list(out.columns) == list(features)
    assert out.dtypes.astype(str).to_dict() == {
        "age": "float64",
        "workclass": "object",
        "education_num": "float64",
        "hours_per_week": "float64",
        "capital_gain": "float64",
    }
    assert out["workclass"].isna().sum() == adult["workclass"].isna().sum() > 0
    assert {type(v) for v in out["workclass"].dropna()} == {str}
    pd.testing.assert_frame_equal(adult, before)
    assert out.index.equals(adult.index)


def test_missing_and_text_numbers(make_feature: Callable[..., Any]) -> None:
    frame = pd.DataFrame(
        {
            "n": pd.array([1, None, 3], dtype="Int64"),
            "t": ["1.5", None, "2"],
            "c": [1, 2, None],
        }
    )
    features = {
        "n": make_feature("integer", nullable=True),
        "t": make_feature("number", nullable=True),
        "c": make_feature("category", nullable=True),
    }

    out = coerce_frame(frame, features)

    np.testing.assert_array_equal(out["n"].to_numpy(), [1.0, np.nan, 3.0])
    np.testing.assert_array_equal(out["t"].to_numpy(), [1.5, np.nan, 2.0])
    assert out["c"].tolist()[:2] == ["1.0", "2.0"]
    assert pd.isna(out["c"].iloc[2])


def test_booleans(make_feature: Callable[..., Any]) -> None:
    frame = pd.DataFrame({"a": ["yes", "False", "1"], "b": [0, 1, 1], "c": [True, None, False]})
    features = {name: make_feature("boolean", nullable=True) for name in "abc"}

    out = coerce_frame(frame, features)

    assert out["a"].tolist() == [True, False, True]
    assert out["a"].dtype == bool
    assert out["b"].tolist() == [False, True, True]
    assert out["c"].tolist() == [True, None, False]
    with pytest.raises(DataError, match=r"^b: expected a boolean \(true/false or 0/1\), got 2"):
        coerce_frame(frame.assign(b=[0, 2, 1]), features)
    with pytest.raises(DataError, match=r"^a: expected a boolean .*, got 'maybe'$"):
        coerce_frame(frame.assign(a=["maybe", "yes", "no"]), features)


def test_datetimes_and_pandas_categories(make_feature: Callable[..., Any]) -> None:
    frame = pd.DataFrame({"when": ["2024-01-02", "2024-03-04"], "kind": ["x", "y"]})
    features = {"when": make_feature("datetime"), "kind": make_feature("category")}

    out = coerce_frame(frame, features, categorical_dtype="category")

    assert pd.api.types.is_datetime64_any_dtype(out["when"])
    assert isinstance(out["kind"].dtype, pd.CategoricalDtype)
    with pytest.raises(DataError, match=r"^when: expected a date-time"):
        coerce_frame(frame.assign(when=["soon", "later"]), features)


def test_absent_features(make_feature: Callable[..., Any]) -> None:
    frame = pd.DataFrame({"a": [1, 2]})
    features = {
        "a": make_feature("integer"),
        "b": make_feature("number", nullable=True),
        "c": make_feature("category"),
        "d": make_feature("string"),
    }

    with pytest.raises(DataError) as caught:
        coerce_frame(frame, features)
    assert caught.value.message == "the frame lacks the charter's feature(s): c, d"
    out = coerce_frame(frame, {"a": features["a"], "b": features["b"]})
    assert out["b"].isna().all()
    assert out["b"].dtype == np.float64


def test_bad_values_name_the_column(make_feature: Callable[..., Any]) -> None:
    frame = pd.DataFrame({"age": ["41", "old"]})

    with pytest.raises(DataError) as caught:
        coerce_frame(frame, {"age": make_feature("integer")})
    assert caught.value.message == "age: expected a number, got 'old'"


def test_duplicate_columns_and_unknown_types(make_feature: Callable[..., Any]) -> None:
    frame = pd.DataFrame([[1, 2]], columns=["a", "a"])

    with pytest.raises(DataError, match=r"^the frame has duplicate columns: a$"):
        coerce_frame(frame, {"a": make_feature("integer")})
    with pytest.raises(DataError, match=r"^unknown feature type 'decimal'; expected one of"):
        coerce_frame(pd.DataFrame({"a": [1]}), {"a": make_feature("decimal")})


def test_enum_feature_types_are_read_by_value(make_feature: Callable[..., Any]) -> None:
    class FeatureType(Enum):
        NUMBER = "number"

    out = coerce_frame(pd.DataFrame({"a": [1]}), {"a": make_feature(FeatureType.NUMBER)})

    assert out["a"].dtype == np.float64


def test_object_columns_are_copied_not_modified(make_feature: Callable[..., Any]) -> None:
    frame = pd.DataFrame({"c": pd.Series(["x", None], dtype=object), "n": [1, 2]})

    out = coerce_frame(frame, {"c": make_feature("category", nullable=True)})

    assert frame["c"].tolist() == ["x", None]
    assert out["c"].dtype == object
    assert out["c"].tolist()[0] == "x"
    assert pd.isna(out["c"].iloc[1])
