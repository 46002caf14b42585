"""Permutation importance against scikit-learn's, and occlusion reason codes on a linear model."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.inspection import permutation_importance as sklearn_permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from charter.errors import DataError, ModelError
from charter.metrics import ImportanceResult, ReasonCode, permutation_importance, reason_codes

WEIGHTS = {"a": 1.5, "b": -2.0, "c": 0.25, "d": 0.0}


@pytest.fixture(scope="module")
def problem() -> tuple[pd.DataFrame, np.ndarray, LogisticRegression]:
    """Four numeric features; ``a`` dominates the outcome."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(3000, 4)), columns=list("abcd"))
    y = (3.0 * frame["a"] + 0.4 * frame["b"] + rng.normal(size=3000) > 0).astype(int).to_numpy()
    return frame, y, LogisticRegression().fit(frame, y)


def _linear(frame: pd.DataFrame) -> np.ndarray:
    return sum(w * frame[c].to_numpy(dtype=float) for c, w in WEIGHTS.items())


def test_one_dominant_feature_takes_most_of_the_importance(
    problem: tuple[pd.DataFrame, np.ndarray, LogisticRegression],
) -> None:
    frame, y, model = problem
    result = permutation_importance(lambda f: model.predict_proba(f)[:, 1], frame, y)
    assert result.top(1)[0][0] == "a"
    assert result.max_share > 0.8
    assert sum(result.shares) == pytest.approx(1.0)
    assert result.metric == "roc_auc"


@pytest.mark.parametrize("metric", ["roc_auc", "log_loss"])
def test_agrees_with_sklearn_permutation_importance(
    problem: tuple[pd.DataFrame, np.ndarray, LogisticRegression], metric: str
) -> None:
    frame, y, model = problem
    ours = permutation_importance(
        lambda f: model.predict_proba(f)[:, 1], frame, y, metric=metric, n_repeats=10
    )
    scoring = "roc_auc" if metric == "roc_auc" else "neg_log_loss"
    theirs = sklearn_permutation_importance(
        model, frame, y, scoring=scoring, n_repeats=10, random_state=0
    )
    assert [f for f, _ in ours.top(2)] == [
        frame.columns[i] for i in np.argsort(-theirs.importances_mean)[:2]
    ]
    # Different shuffles, so equal only up to Monte-Carlo noise: a few standard errors.
    tolerance = 4 * (np.array(ours.stds) + theirs.importances_std) / np.sqrt(10) + 1e-3
    assert np.all(np.abs(np.array(ours.importances) - theirs.importances_mean) <= tolerance)


def test_seeded_and_subsampled(
    problem: tuple[pd.DataFrame, np.ndarray, LogisticRegression],
) -> None:
    frame, y, model = problem
    calls: list[int] = []

    def predict(f: pd.DataFrame) -> np.ndarray:
        calls.append(len(f))
        return model.predict_proba(f)[:, 1]

    first = permutation_importance(predict, frame, y, max_rows=500, n_repeats=3, seed=5)
    assert calls == [500] + [1500] * 4  # the baseline, then one stacked call per feature
    assert permutation_importance(predict, frame, y, max_rows=500, n_repeats=3, seed=5) == first


def test_shares_are_zero_when_nothing_matters() -> None:
    frame = pd.DataFrame({"x": np.arange(100.0), "y": np.ones(100)})
    y = np.arange(100) % 2
    result = permutation_importance(lambda f: np.full(len(f), 0.5), frame, y)
    assert result.shares == (0.0, 0.0)
    assert result.max_share == 0.0
    assert result.to_dict()["features"][0] == {
        "feature": "x",
        "importance": 0.0,
        "std": 0.0,
        "share": 0.0,
    }


def test_reason_codes_of_a_linear_model_are_exact() -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(size=(20, 4)), columns=list("abcd"))
    background = pd.DataFrame(rng.normal(size=(50, 4)), columns=list("abcd"))
    codes = reason_codes(_linear, frame, background=background, top=4)
    w = np.array(list(WEIGHTS.values()))
    expected = w * (frame.to_numpy() - background.mean().to_numpy())
    for row, row_codes in zip(expected, codes, strict=True):
        by_feature = {code.feature: code.contribution for code in row_codes}
        for j, column in enumerate(frame.columns):
            assert by_feature[column] == pytest.approx(row[j], abs=1e-9)
        magnitudes = [abs(code.contribution) for code in row_codes]
        assert magnitudes == sorted(magnitudes, reverse=True)


def test_top_k_and_positive_only() -> None:
    frame = pd.DataFrame({"a": [2.0], "b": [1.0], "c": [-4.0], "d": [9.0]})
    background = pd.DataFrame({"a": [0.0], "b": [0.0], "c": [0.0], "d": [0.0]})
    # contributions: a +3, b -2, c -1, d 0
    top = reason_codes(_linear, frame, background=background, top=2)
    assert [(c.feature, c.contribution, c.value) for c in top[0]] == [
        ("a", 3.0, 2.0),
        ("b", -2.0, 1.0),
    ]
    positive = reason_codes(_linear, frame, background=background, top=3, positive_only=True)
    assert positive == [[ReasonCode("a", 3.0, 2.0)]]


def test_reason_codes_work_with_categorical_columns() -> None:
    rng = np.random.default_rng(2)
    frame = pd.DataFrame(
        {
            "colour": rng.choice(["red", "green", "blue"], 400).astype(object),
            "size": rng.normal(size=400),
        }
    )
    y = ((frame["colour"] == "red") | (frame["size"] > 1.5)).astype(int)
    model = make_pipeline(
        make_column_transformer((OneHotEncoder(), ["colour"]), remainder="passthrough"),
        LogisticRegression(),
    ).fit(frame, y)
    explained = frame.iloc[:5]
    codes = reason_codes(
        lambda f: model.predict_proba(f)[:, 1], explained, background=frame.iloc[100:150]
    )
    assert [len(row) for row in codes] == [2] * 5
    for row, colour, size in zip(codes, explained["colour"], explained["size"], strict=True):
        by_feature = {code.feature: code for code in row}
        assert by_feature["colour"].value == colour
        assert type(by_feature["size"].value) is float
        assert by_feature["size"].value == size
        if colour == "red":
            assert by_feature["colour"].contribution > 0
        assert by_feature["colour"].to_dict()["value"] == colour


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: reason_codes(
                _linear, pd.DataFrame({"a": [1.0]}), background=pd.DataFrame({"b": [1.0]})
            ),
            DataError,
            "background must hold every column of frame; missing ['a']",
        ),
        (
            lambda: reason_codes(
                _linear, pd.DataFrame({"a": [1.0]}), background=pd.DataFrame({"a": [1.0]}), top=0
            ),
            DataError,
            "top must be a positive integer; got 0",
        ),
        (
            lambda: permutation_importance(_linear, pd.DataFrame({"a": [1.0, 2.0]}), [0, 1, 1]),
            DataError,
            "frame and y_true must have the same length; got 2 and 3",
        ),
        (
            lambda: permutation_importance(
                lambda f: np.zeros((len(f), 2)), pd.DataFrame({"a": [1.0, 2.0]}), [0, 1]
            ),
            ModelError,
            "predict must return one score per row, shape (2,); got shape (2, 2)",
        ),
        (
            lambda: permutation_importance(_linear, np.zeros((2, 2)), [0, 1]),
            DataError,
            "frame must be a pandas DataFrame; got ndarray",
        ),
    ],
)
def test_bad_input(call: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as info:
        call()
    assert info.value.message == message


def test_importance_result_helpers() -> None:
    result = ImportanceResult(
        ("x", "y", "z"), (0.1, 0.3, -0.1), (0.0, 0.0, 0.0), (0.25, 0.75, 0.0), "roc_auc"
    )
    assert result.top(2) == [("y", 0.3), ("x", 0.1)]
    assert result.max_share == 0.75
