from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from charter.contract import load_charter
from charter.data import OTHER_CATEGORY, validate_frame
from charter.datasets import load_adult


@dataclass(frozen=True)
class Spec:
    type: str
    nullable: bool = False
    min: float | None = None
    max: float | None = None
    categories: list[str] | None = None
    unseen: str = "reject"


FEATURES = {
    "age": Spec("integer", min=17, max=100),
    "income": Spec("number", nullable=True, min=0),
    "colour": Spec("category", categories=["red", "blue"], unseen="reject"),
    "city": Spec("category", categories=["Paris"], unseen="map_to_other", nullable=True),
    "vip": Spec("boolean", nullable=True),
    "note": Spec("string", nullable=True),
}


def test_valid_rows_pass_and_come_back_typed() -> None:
    frame = pd.DataFrame(
        {
            "age": [30, 45],
            "income": [1.5, None],
            "colour": ["red", "blue"],
            "city": ["Paris", None],
            "vip": ["yes", 0],
            "note": [12, "x"],
            "extra": [1, 2],
        }
    )
    check = validate_frame(frame, FEATURES)
    assert check.is_valid and check.n_rejected == 0
    assert list(check.frame.columns) == list(FEATURES)
    assert check.frame["age"].dtype == np.float64
    assert check.frame["vip"].tolist() == [True, False]
    assert check.frame["note"].tolist() == ["12", "x"]
    assert check.frame["city"].tolist() == ["Paris", None]
    assert check.reasons() == ["", ""]


def test_every_rule_names_the_field_and_the_rule() -> None:
    frame = pd.DataFrame(
        {
            "age": [130, 16.5, "abc", None, float("inf")],
            "income": [-1, 0, 0, 0, 0],
            "colour": ["green", "red", "red", "red", "red"],
            "city": ["Lyon", "Paris", "Paris", "Paris", "Paris"],
            "vip": ["maybe", True, True, True, True],
        }
    )
    check = validate_frame(frame, FEATURES)
    assert check.valid.tolist() == [False] * 5
    rules = {(i.row, i.field, i.rule) for i in check.issues}
    assert {
        (0, "age", "max"),
        (0, "income", "min"),
        (0, "colour", "unseen"),
        (0, "vip", "type"),
        (1, "age", "integer"),
        (1, "age", "min"),
        (2, "age", "type"),
        (3, "age", "required"),
        (4, "age", "finite"),
    } <= rules
    assert check.frame["city"].tolist()[0] == OTHER_CATEGORY  # mapped, not rejected
    assert check.unseen_counts["city"] == 1
    reasons = check.reasons()
    assert "age: must be ≤ 100, got 130" in reasons[0]
    assert "colour: unknown category 'green' (expected one of red, blue)" in reasons[0]
    assert "age: expected a number, got 'abc'" in reasons[2]


def test_an_absent_required_column_fails_every_row_and_a_nullable_one_is_filled() -> None:
    check = validate_frame(
        pd.DataFrame({"age": [20, 30]}),
        {"age": FEATURES["age"], "income": FEATURES["income"], "colour": FEATURES["colour"]},
    )
    assert check.n_rejected == 2
    assert [i.rule for i in check.issues_of(0)] == ["required"]
    assert check.frame["income"].isna().all()


def test_empty_strings_count_as_missing() -> None:
    check = validate_frame(pd.DataFrame({"colour": ["  "]}), {"colour": FEATURES["colour"]})
    assert [i.rule for i in check.issues] == ["required"]


@pytest.mark.parametrize("rows", [0, 1])
def test_tiny_frames(rows: int) -> None:
    check = validate_frame(pd.DataFrame({"age": [40] * rows}), {"age": FEATURES["age"]})
    assert check.n_rows == rows and check.is_valid


def test_the_quickstart_charter_accepts_every_adult_test_row() -> None:
    charter = load_charter(Path(str(resources.files("charter.examples") / "adult_charter.yaml")))
    check = validate_frame(load_adult().test, charter.features)
    assert check.n_rejected == 0
    assert len(check.frame) == 16_281
