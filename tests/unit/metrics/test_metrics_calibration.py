"""Calibration against scikit-learn's calibration_curve and a hand-computed ECE."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.calibration import calibration_curve

from charter.errors import DataError
from charter.metrics import calibration


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
@pytest.mark.parametrize("seed", range(4))
def test_reliability_curve_equals_sklearn(strategy: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    score = np.round(rng.random(700) ** 2, 1 + seed % 3)  # skewed, with ties on the bin edges
    y = (rng.random(700) < np.clip(score * 1.2, 0, 1)).astype(int)
    fraction, mean_score = calibration_curve(y, score, n_bins=10, strategy=strategy)
    result = calibration(y, score, n_bins=10, strategy=strategy)
    assert result.strategy == strategy
    assert [b.fraction_positive for b in result.bins] == pytest.approx(fraction, abs=1e-12)
    assert [b.mean_score for b in result.bins] == pytest.approx(mean_score, abs=1e-12)
    assert sum(b.count for b in result.bins) == 700
    gaps = np.abs(fraction - mean_score)
    weights = np.array([b.count for b in result.bins]) / 700
    assert result.ece == pytest.approx(float((weights * gaps).sum()), abs=1e-12)
    assert result.mce == pytest.approx(float(gaps.max()), abs=1e-12)


def test_ece_by_hand() -> None:
    # Bins [0, .5] and (.5, 1]: scores .2, .4 (1 positive of 2) and .8, .8, .8 (all positive).
    y = [0, 1, 1, 1, 1]
    score = [0.2, 0.4, 0.8, 0.8, 0.8]
    result = calibration(y, score, n_bins=2)
    assert [(b.lower, b.upper, b.count, b.fraction_positive) for b in result.bins] == [
        (0.0, 0.5, 2, 0.5),
        (0.5, 1.0, 3, 1.0),
    ]
    assert [b.mean_score for b in result.bins] == pytest.approx([0.3, 0.8])
    assert [b.gap for b in result.bins] == pytest.approx([0.2, 0.2])
    assert result.ece == pytest.approx(2 / 5 * 0.2 + 3 / 5 * 0.2)
    assert result.mce == pytest.approx(0.2)


def test_a_score_on_an_inner_edge_falls_in_the_lower_bin() -> None:
    result = calibration([0, 1], [0.5, 0.9], n_bins=2)
    assert [(b.lower, b.upper, b.count) for b in result.bins] == [(0.0, 0.5, 1), (0.5, 1.0, 1)]


def test_perfect_calibration_has_zero_ece() -> None:
    y = [0, 0, 0, 1, 1, 1, 1, 0]
    score = [0.25] * 4 + [0.75] * 4
    assert calibration(y, score, n_bins=4).ece == 0.0


def test_to_dict() -> None:
    body = calibration([0, 1], [0.1, 0.9], n_bins=2).to_dict()
    assert body["strategy"] == "uniform"
    assert body["bins"][0] == {
        "lower": 0.0,
        "upper": 0.5,
        "count": 1,
        "mean_score": 0.1,
        "fraction_positive": 0.0,
    }


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"y_true": [0, 1], "score": [0.1, 1.2]},
            "score must be a probability in [0, 1] for calibration; got min 0.1, max 1.2",
        ),
        (
            {"y_true": [0, 1], "score": [0.1]},
            "y_true and score must have the same length; got 2 and 1",
        ),
        (
            {"y_true": [0, 1], "score": [0.1, 0.2], "n_bins": 0},
            "n_bins must be a positive integer; got 0",
        ),
        (
            {"y_true": [0, 1], "score": [0.1, 0.2], "strategy": "kmeans"},
            "strategy must be 'uniform' or 'quantile'; got 'kmeans'",
        ),
        (
            {"y_true": [0, 3], "score": [0.1, 0.2]},
            "y_true must be binary (0/1 or bool) for calibration; got 3",
        ),
    ],
)
def test_bad_input(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(DataError) as info:
        calibration(**kwargs)
    assert info.value.message == message
