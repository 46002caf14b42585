"""Fairness by group and by intersection, with Fairlearn as the oracle (to 1e-9)."""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fairlearn import metrics as flm
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_score

from charter.datasets import load_adult
from charter.errors import DataError
from charter.metrics import FAIRNESS_METRICS, FairnessResult, fairness_metrics, group_rates

FAIRLEARN_SUMMARY = {
    "demographic_parity_difference": flm.demographic_parity_difference,
    "demographic_parity_ratio": flm.demographic_parity_ratio,
    "equalized_odds_difference": flm.equalized_odds_difference,
    "equalized_odds_ratio": flm.equalized_odds_ratio,
    "equal_opportunity_difference": flm.equal_opportunity_difference,
}


@pytest.fixture(scope="module")
def adult() -> pd.DataFrame:
    """Adult training rows with a label and two sets of decisions (a model's and a random one)."""
    frame = load_adult().train.reset_index(drop=True)
    y = (frame["income"] == ">50K").to_numpy().astype(int)
    numeric = frame[["age", "education_num", "hours_per_week", "capital_gain"]].to_numpy(float)
    numeric = (numeric - numeric.mean(axis=0)) / numeric.std(axis=0)
    model = LogisticRegression(max_iter=1000).fit(numeric, y)
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "sex": frame["sex"],
            "race": frame["race"],
            "y": y,
            "model": (model.predict_proba(numeric)[:, 1] >= 0.3).astype(int),
            "random": (rng.random(len(y)) + 0.3 * y >= 0.6).astype(int),
        }
    )


def _assert_matches_fairlearn(y: Any, pred: Any, sensitive: Any, result: FairnessResult) -> None:
    frame = flm.MetricFrame(
        metrics={
            "selection_rate": flm.selection_rate,
            "tpr": flm.true_positive_rate,
            "fpr": flm.false_positive_rate,
            "precision": partial(precision_score, zero_division=np.nan),
        },
        y_true=y,
        y_pred=pred,
        sensitive_features=sensitive,
    )
    by_group = frame.by_group.dropna(how="all")
    labels = ["|".join(map(str, k)) if isinstance(k, tuple) else str(k) for k in by_group.index]
    assert labels == [rates.group for rates in result.groups]
    for rates, (_, expected) in zip(result.groups, by_group.iterrows(), strict=True):
        for column in ("selection_rate", "tpr", "fpr", "precision"):
            assert getattr(rates, column) == pytest.approx(expected[column], abs=1e-9, nan_ok=True)
    for name, oracle in FAIRLEARN_SUMMARY.items():
        assert result.metrics[name] == pytest.approx(
            oracle(y, pred, sensitive_features=sensitive), abs=1e-9
        )


@pytest.mark.parametrize(
    ("decisions", "by"),
    [
        ("model", ["sex"]),
        ("model", ["race"]),
        ("model", ["sex", "race"]),
        ("random", ["sex", "race"]),
    ],
)
def test_adult_matches_fairlearn(adult: pd.DataFrame, decisions: str, by: list[str]) -> None:
    # Every non-White row plus 4,000 White ones (seeded): MetricFrame needs seconds per call on
    # all 32,561 rows, and this keeps every sex x race group large and with both classes.
    white = adult["race"] == "White"
    sample = pd.concat([adult[~white], adult[white].sample(n=4000, random_state=3)])
    sensitive = sample[by[0]] if len(by) == 1 else sample[by]
    result = fairness_metrics(sample["y"], sample[decisions], sensitive)
    assert result.by == tuple(by)
    assert result.small_groups == ()
    _assert_matches_fairlearn(sample["y"], sample[decisions], sensitive, result)


def test_full_adult_has_no_small_group_by_sex_and_race(adult: pd.DataFrame) -> None:
    result = fairness_metrics(adult["y"], adult["model"], adult[["sex", "race"]])
    assert result.small_groups == ()
    assert len(result.groups) == 10


@pytest.mark.parametrize(("seed", "intersect"), [(0, False), (1, True)])
def test_random_data_matches_fairlearn(seed: int, intersect: bool) -> None:
    rng = np.random.default_rng(seed)
    n = 1000
    a = rng.choice(["x", "y", "z"], n, p=[0.5, 0.3, 0.2])
    b = rng.integers(0, 2, n)
    y = rng.integers(0, 2, n)
    pred = (rng.random(n) < np.where(a == "x", 0.6, 0.4)).astype(int)
    if intersect:
        both = pd.DataFrame({"a": a, "b": b})
        result = fairness_metrics(y, pred, [a, b], names=["a", "b"])
        _assert_matches_fairlearn(y, pred, both, result)
    else:
        _assert_matches_fairlearn(y, pred, a, fairness_metrics(y, pred, a))


def test_intersection_groups_are_labelled_and_counted(adult: pd.DataFrame) -> None:
    rates = group_rates(adult["y"], adult["model"], [adult["sex"], adult["race"]])
    counts = adult.groupby(["sex", "race"]).size()
    assert [r.group for r in rates] == [f"{s}|{r}" for s, r in counts.index]
    assert [r.n for r in rates] == counts.tolist()
    positives = adult.groupby(["sex", "race"])["y"].sum()
    assert [r.n_positive_true for r in rates] == positives.tolist()


def test_small_groups_are_flagged_and_left_out_of_the_summary() -> None:
    rng = np.random.default_rng(1)
    group = np.array(["big_a"] * 400 + ["big_b"] * 400 + ["tiny"] * 10)
    y = rng.integers(0, 2, group.size)
    pred = rng.integers(0, 2, group.size)
    pred[group == "tiny"] = 1  # an extreme rate that would dominate every gap
    result = fairness_metrics(y, pred, group, min_group_size=30)
    assert result.small_groups == ("tiny",)
    assert result.group("tiny").is_small
    assert result.group("tiny").selection_rate == 1.0
    large = group != "tiny"
    expected = flm.demographic_parity_difference(
        y[large], pred[large], sensitive_features=group[large]
    )
    assert result.metrics["demographic_parity_difference"] == pytest.approx(expected, abs=1e-12)
    everything = fairness_metrics(y, pred, group, min_group_size=0)
    assert everything.metrics["demographic_parity_difference"] > expected


def test_undefined_rates_are_nan_and_skipped() -> None:
    # Group "c" has no positives: its TPR is undefined, not 0 (Fairlearn would say 0).
    group = np.array(["a"] * 4 + ["b"] * 4 + ["c"] * 4)
    y = np.array([1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0])
    pred = np.array([1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0])
    result = fairness_metrics(y, pred, group, min_group_size=0)
    c = result.group("c")
    assert math.isnan(c.tpr)
    assert math.isnan(c.precision)
    assert (c.selection_rate, c.fpr) == (0.0, 0.0)
    assert result.metrics["equal_opportunity_difference"] == pytest.approx(0.5)
    assert result.to_dict()["groups"][2]["tpr"] is None


def test_ratio_with_all_rates_zero_is_one() -> None:
    result = fairness_metrics([0, 1, 0, 1], [0, 0, 0, 0], ["a", "a", "b", "b"], min_group_size=0)
    assert result.metrics["demographic_parity_difference"] == 0.0
    assert result.metrics["demographic_parity_ratio"] == 1.0


def test_fewer_than_two_comparable_groups_gives_nan() -> None:
    result = fairness_metrics([0, 1, 0, 1], [0, 1, 1, 1], ["a", "a", "a", "b"], min_group_size=2)
    assert result.small_groups == ("b",)
    assert all(math.isnan(result.metrics[name]) for name in FAIRNESS_METRICS)
    assert result.to_dict()["metrics"]["demographic_parity_ratio"] is None


def test_group_inputs_in_every_shape_agree() -> None:
    rng = np.random.default_rng(2)
    a, b = rng.choice(["p", "q"], 200), rng.integers(0, 3, 200)
    y, pred = rng.integers(0, 2, 200), rng.integers(0, 2, 200)
    from_list = fairness_metrics(y, pred, [a, b], names=["a", "b"])
    from_frame = fairness_metrics(y, pred, pd.DataFrame({"a": a, "b": b}))
    from_array = fairness_metrics(y, pred, np.column_stack([a, b.astype(str)]), names=["a", "b"])
    assert from_list == from_frame == from_array
    assert from_list.groups[0].group == "p|0"
    series = fairness_metrics(y, pred, pd.Series(a, name="attr"))
    assert series.by == ("attr",)
    assert series.groups == fairness_metrics(y.astype(bool), pred.astype(bool), list(a)).groups


def test_missing_values_form_their_own_group() -> None:
    groups = pd.Series(["a", None, "a", None], dtype=object)
    rates = group_rates([0, 1, 0, 1], [0, 1, 1, 1], groups, min_group_size=0)
    assert [(r.group, r.n) for r in rates] == [("a", 2), ("nan", 2)]


def test_to_dict_round_trips_the_numbers(adult: pd.DataFrame) -> None:
    result = fairness_metrics(adult["y"], adult["model"], adult["sex"])
    body = result.to_dict()
    assert body["by"] == ["sex"]
    assert body["metrics"] == result.metrics
    assert body["groups"][0]["group"] == "Female"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"y_true": [0, 1, 1], "y_pred": [0, 1], "groups": ["a", "b", "c"]},
            "y_true and y_pred must have the same length; got 3 and 2",
        ),
        (
            {"y_true": [0, 1], "y_pred": [0, 1], "groups": ["a", "b", "c"]},
            "y_true and group must have the same length; got 2 and 3",
        ),
        (
            {"y_true": [0, 1], "y_pred": [0.5, 1], "groups": ["a", "b"]},
            "y_pred must be binary (0/1 or bool) for fairness metrics; got 0.5",
        ),
        (
            {"y_true": [], "y_pred": [], "groups": []},
            "y_true must not be empty; got 0 rows",
        ),
        (
            {"y_true": [0, 1], "y_pred": [0, 1], "groups": ["a", "b"], "names": ["a", "b"]},
            "names must give one name per attribute; got 1 attributes and names ['a', 'b']",
        ),
        (
            {"y_true": [0, 1], "y_pred": [0, 1], "groups": ["a", "b"], "min_group_size": -1},
            "min_group_size must be a non-negative integer; got -1",
        ),
    ],
)
def test_bad_input(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(DataError) as info:
        fairness_metrics(**kwargs)
    assert info.value.message == message
