"""Bootstrap intervals: exact resampling semantics, determinism, width and coverage."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm
from sklearn.metrics import average_precision_score, roc_auc_score

from charter.errors import DataError
from charter.metrics import (
    CLASSIFICATION_METRICS,
    Interval,
    bootstrap_metric,
    bootstrap_metrics,
    compute_metric,
    paired_bootstrap_difference,
)
from charter.metrics._weighted import KERNELS
from charter.metrics.bootstrap import _resample_counts


def _binary(seed: int, n: int, separation: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Binormal scores: positives ~ N(separation, 1), negatives ~ N(0, 1), squashed to (0, 1)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    score = 1.0 / (1.0 + np.exp(-(rng.normal(size=n) + separation * y)))
    return y, score


@pytest.mark.parametrize("name", CLASSIFICATION_METRICS)
def test_interval_contains_the_full_data_estimate(name: str) -> None:
    y, score = _binary(0, 2000)
    interval = bootstrap_metric(name, y, score, n_boot=100)
    assert interval.estimate == compute_metric(name, y, score)
    assert interval.low <= interval.estimate <= interval.high
    assert interval.n_boot == 100
    assert interval.level == 0.95


def test_same_seed_same_interval_and_another_seed_differs() -> None:
    y, score = _binary(1, 1000)
    first = bootstrap_metric("roc_auc", y, score, seed=3)
    assert bootstrap_metric("roc_auc", y, score, seed=3) == first
    assert bootstrap_metric("roc_auc", y, score, seed=4) != first


def test_a_larger_sample_gives_a_narrower_interval() -> None:
    small = bootstrap_metric("roc_auc", *_binary(2, 500))
    large = bootstrap_metric("roc_auc", *_binary(2, 8000))
    assert large.width < small.width / 2


def test_a_higher_level_gives_a_wider_interval() -> None:
    y, score = _binary(3, 1000)
    assert (
        bootstrap_metric("f1", y, score, level=0.99).width
        > bootstrap_metric("f1", y, score, level=0.8).width
    )


@pytest.mark.parametrize("name", [*CLASSIFICATION_METRICS, "r2", "rmse", "mape"])
def test_resample_counts_equal_the_metric_on_the_resampled_rows(name: str) -> None:
    # The weighted kernels must agree with recomputing the metric on repeated rows.
    y, score = _binary(4, 60)
    values = y.astype(float) + score if name in ("r2", "rmse", "mape") else y
    counts = next(_resample_counts(y.size, 5, seed=9))
    prepared = values.astype(bool) if name in CLASSIFICATION_METRICS else values
    weighted = KERNELS[name](prepared, score, counts, 0.5)
    for row, value in zip(counts, weighted, strict=True):
        rows = np.repeat(np.arange(y.size), row.astype(int))
        assert value == pytest.approx(compute_metric(name, values[rows], score[rows]), abs=1e-12)


def test_ranking_kernels_match_sklearn_on_resamples_with_ties() -> None:
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 80).astype(bool)
    score = rng.integers(0, 5, 80) / 4
    counts = next(_resample_counts(80, 20, seed=1))
    auc = KERNELS["roc_auc"](y, score, counts, 0.5)
    ap = KERNELS["pr_auc"](y, score, counts, 0.5)
    for row, auc_value, ap_value in zip(counts, auc, ap, strict=True):
        rows = np.repeat(np.arange(80), row.astype(int))
        assert auc_value == pytest.approx(roc_auc_score(y[rows], score[rows]), abs=1e-12)
        assert ap_value == pytest.approx(average_precision_score(y[rows], score[rows]), abs=1e-12)


def test_paired_difference_of_a_model_with_itself_is_exactly_zero() -> None:
    y, score = _binary(6, 1000)
    for name in ("roc_auc", "log_loss", "accuracy"):
        interval = paired_bootstrap_difference(name, y, score, score.copy())
        assert (interval.estimate, interval.low, interval.high) == (0.0, 0.0, 0.0)
        assert interval.width == 0.0


def test_paired_difference_is_candidate_minus_champion_and_tighter_than_unpaired() -> None:
    y, champion = _binary(7, 3000, separation=1.0)
    noise = np.random.default_rng(8).normal(0, 0.05, y.size)
    candidate = np.clip(champion + 0.1 * (y - 0.5) + noise, 0, 1)
    paired = paired_bootstrap_difference("roc_auc", y, candidate, champion)
    expected = compute_metric("roc_auc", y, candidate) - compute_metric("roc_auc", y, champion)
    assert paired.estimate == pytest.approx(expected, abs=1e-15)
    assert paired.low > 0
    separate = bootstrap_metric("roc_auc", y, candidate)
    assert paired.width < separate.width


def test_coverage_of_the_true_auc_is_near_the_level() -> None:
    # Binormal with unit variances: the population AUC is Phi(separation / sqrt(2)).
    separation = 1.0
    truth = float(norm.cdf(separation / np.sqrt(2)))
    covered = [
        bootstrap_metric(
            "roc_auc", *_binary(seed, 400, separation), n_boot=200, seed=seed
        ).contains(truth)
        for seed in range(80)
    ]
    assert 0.85 <= np.mean(covered) <= 1.0


def test_degenerate_resamples_are_skipped_and_counted() -> None:
    # One positive in 20 rows: about (19/20)^20 = 36% of resamples miss it.
    y = np.zeros(20, dtype=int)
    y[0] = 1
    score = np.linspace(0, 1, 20)
    interval = bootstrap_metric("roc_auc", y, score, n_boot=400)
    assert 200 < interval.n_boot < 320
    assert interval.estimate == 0.0


def test_bootstrap_metrics_shares_resamples_with_bootstrap_metric() -> None:
    y, score = _binary(9, 500)
    together = bootstrap_metrics(["accuracy", "brier"], y, score, n_boot=50, seed=2)
    assert together["brier"] == bootstrap_metric("brier", y, score, n_boot=50, seed=2)


def test_to_dict_is_json_ready() -> None:
    interval = Interval(estimate=0.5, low=float("nan"), high=0.6, level=0.9, n_boot=10)
    assert interval.to_dict() == {
        "estimate": 0.5,
        "low": None,
        "high": 0.6,
        "level": 0.9,
        "n_boot": 10,
    }


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"n_boot": 0}, "n_boot must be a positive integer; got 0"),
        ({"level": 1.0}, "level must lie strictly between 0 and 1; got 1.0"),
    ],
)
def test_bad_options(options: dict[str, float], message: str) -> None:
    with pytest.raises(DataError) as info:
        bootstrap_metric("roc_auc", [0, 1], [0.1, 0.9], **options)
    assert info.value.message == message


def test_paired_scores_of_different_lengths() -> None:
    with pytest.raises(DataError) as info:
        paired_bootstrap_difference("roc_auc", [0, 1, 1], [0.1, 0.9, 0.8], [0.1, 0.9])
    assert info.value.message == (
        "score_candidate and score_champion must have the same length; got 3 and 2"
    )


def test_one_class_on_the_full_data_is_an_error() -> None:
    with pytest.raises(DataError, match="roc_auc needs both classes in y_true; got only 1"):
        bootstrap_metric("roc_auc", np.zeros(10), np.linspace(0, 1, 10))
