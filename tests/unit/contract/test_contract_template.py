"""Drafting a charter: inference from data and the commented template that must parse back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from charter.contract import (
    FeatureSpec,
    IdentifierSpec,
    check_charter,
    infer_features,
    infer_sensitive,
    infer_target,
    parse_charter,
    render_template,
    slugify,
)
from charter.contract.loader import evaluate_charter
from charter.errors import DataError


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age": pd.Series([17, 35, 90, 41], dtype="int64"),
            "income": [1200.5, 0.0, 33.25, 10.0],
            "children": [0.0, 2.0, 1.0, 3.0],
            "rooms": [1.0, np.nan, 2.0, 3.0],
            "member": [True, False, True, True],
            "city": ["Paris", "Lyon", "?", "Paris"],
            "name": [f"person {i}" for i in range(4)],
            "joined": pd.to_datetime(["2020-01-01", "2021-05-02", "2022-03-04", "2023-01-01"]),
            "code": ["1", "2", "?", "10"],
            "flag": [True, None, False, True],
        }
    )


def test_infer_features_on_a_small_frame(frame: pd.DataFrame) -> None:
    features = infer_features(frame, exclude=["name"])
    assert list(features) == [
        "age",
        "income",
        "children",
        "rooms",
        "member",
        "city",
        "joined",
        "code",
        "flag",
    ]
    assert features["age"] == FeatureSpec(type="integer", min=17, max=90)
    assert features["income"] == FeatureSpec(type="number", min=0.0, max=1200.5)
    assert features["children"] == FeatureSpec(type="integer", min=0, max=3)
    assert features["rooms"] == FeatureSpec(type="number", min=1, max=3, nullable=True)
    assert features["member"] == FeatureSpec(type="boolean")
    assert features["city"] == FeatureSpec(
        type="category", categories=["Lyon", "Paris"], nullable=True
    )
    assert features["joined"] == FeatureSpec(type="datetime")
    assert features["code"] == FeatureSpec(type="number", min=1, max=10, nullable=True)
    assert features["flag"] == FeatureSpec(type="boolean", nullable=True)


def test_many_distinct_text_values_make_a_string_feature() -> None:
    frame = pd.DataFrame({"word": [f"w{i}" for i in range(51)]})
    assert infer_features(frame)["word"] == FeatureSpec(type="string")
    frame = pd.DataFrame({"word": [f"w{i}" for i in range(50)]})
    assert infer_features(frame)["word"].type == "category"


def test_constant_or_empty_numeric_columns_get_no_range() -> None:
    frame = pd.DataFrame({"one": [5, 5, 5], "none": [np.nan, np.nan, np.nan]})
    features = infer_features(frame)
    assert features["one"] == FeatureSpec(type="integer")
    assert features["none"] == FeatureSpec(type="number", nullable=True)


def test_infer_target_binary_picks_the_minority_class() -> None:
    inferred = infer_target(pd.Series(["no", "yes", "no", "no"], name="churned"))
    assert inferred.task == "binary_classification"
    assert inferred.target.positive == "yes"
    assert inferred.target.classes == ["no", "yes"]
    assert inferred.note.startswith("positive class 'yes' is the minority class (1 of 4 rows)")


def test_infer_target_regression_and_multiclass() -> None:
    assert infer_target(pd.Series(np.arange(100.0), name="y")).task == "regression"
    multi = infer_target(pd.Series(["a", "b", "c", "a"], name="kind"))
    assert multi.task == "multiclass_classification"
    assert multi.target.classes == ["a", "b", "c"]
    with pytest.raises(DataError, match="cannot infer a task from the target column 'id'"):
        infer_target(pd.Series([f"x{i}" for i in range(60)], name="id"))


def test_infer_features_on_adult(adult: pd.DataFrame) -> None:
    features = infer_features(adult, exclude=["income", "sex", "race"])
    assert list(features) == [
        "age",
        "workclass",
        "fnlwgt",
        "education",
        "education_num",
        "marital_status",
        "occupation",
        "relationship",
        "capital_gain",
        "capital_loss",
        "hours_per_week",
        "native_country",
    ]
    assert features["age"] == FeatureSpec(type="integer", min=17, max=90)
    assert features["hours_per_week"] == FeatureSpec(type="integer", min=1, max=99)
    assert features["workclass"].nullable and features["occupation"].nullable
    assert features["native_country"].nullable and not features["education"].nullable
    assert "?" not in (features["workclass"].categories or [])
    assert len(features["education"].categories or []) == 16
    assert features["capital_gain"].min == 0


def test_adult_draft_passes_check_with_no_issues(adult: pd.DataFrame) -> None:
    target = infer_target(adult["income"])
    assert (target.task, target.target.positive) == ("binary_classification", ">50K")
    text = render_template(
        "adult-income",
        infer_features(adult, exclude=["income", "sex", "race"]),
        target=target.target,
        task=target.task,
        sensitive=infer_sensitive(adult, ["sex", "race"]),
        target_note=target.note,
        source="adult_train.csv",
    )
    result = evaluate_charter(text)
    assert result.issues == ()
    charter = result.charter
    assert charter is not None
    assert charter.sensitive["sex"].reference == "Male"
    assert charter.sensitive["race"].reference == "White"
    assert charter.validation.fairness is not None
    assert "# positive class '>50K' is the minority class" in text
    assert max(len(line) for line in text.splitlines()) <= 100


@pytest.mark.parametrize(
    "task", ["binary_classification", "multiclass_classification", "regression"]
)
def test_template_round_trips_for_each_task(task: str) -> None:
    text = render_template("demo", task=task, sensitive=["sex"], identifiers=["customer_id"])
    charter = parse_charter(text)
    assert charter.task == task
    assert charter.identifiers == {"customer_id": IdentifierSpec(log="hash")}
    assert evaluate_charter(text).issues == ()


def test_template_comments_every_section() -> None:
    lines = render_template("demo").splitlines()
    for section in (
        "decision",
        "risk",
        "task",
        "target",
        "features",
        "identifiers",
        "sensitive",
        "outputs",
        "delivery",
        "validation",
        "approvals",
        "monitoring",
        "policies",
    ):
        index = next(i for i, line in enumerate(lines) if line.startswith(f"{section}:"))
        assert lines[index - 1].startswith("# "), section


def test_template_quotes_awkward_labels() -> None:
    features: dict[str, Any] = {
        "kind": FeatureSpec(type="category", categories=["yes", "no", "1", "a: b", "#x", "é"]),
        "odd name": FeatureSpec(type="number"),
    }
    charter = parse_charter(render_template("demo", features, target="label"))
    assert charter.features["kind"].categories == ["yes", "no", "1", "a: b", "#x", "é"]
    assert "odd name" in charter.features


def test_template_refuses_a_bad_model_name() -> None:
    with pytest.raises(ValueError, match="try 'adult-income'"):
        render_template("Adult Income")
    assert slugify("My Model!") == "my-model"
    assert slugify("***") == "my-model"


def test_example_charter_checks_clean_but_for_its_entrypoint(example_path: Path) -> None:
    result = check_charter(example_path)
    lines = example_path.read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.strip().startswith("entrypoint:"))
    assert [(i.path, i.line) for i in result.errors] == [("retraining.entrypoint", line)]
    assert result.errors[0].message.startswith("module 'training' not found")
    assert check_charter(example_path, check_entrypoint=False).issues == ()
