"""Exact drift functions against their SciPy oracles; profile versions against the exact ones."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.spatial import distance

from charter.errors import DataError
from charter.metrics.drift import (
    PSI_EPSILON,
    chi2_from_profiles,
    compute_chi2,
    compute_jensen_shannon,
    compute_ks,
    compute_psi,
    compute_unseen_share,
    compute_wasserstein,
    jensen_shannon_from_profiles,
    ks_from_profiles,
    psi_from_profiles,
    wasserstein_from_profiles,
)
from charter.metrics.profile import build_reference, profile_data

SEEDS = range(12)


def samples(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n_ref, n_cur = rng.integers(5, 3000, size=2)
    ref = rng.normal(0.0, 1.0, n_ref)
    cur = rng.standard_t(3, n_cur) * rng.uniform(0.5, 2) + rng.uniform(-1, 1)
    return ref, cur


def categories(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = np.array([f"c{i}" for i in range(12)])
    ref = rng.choice(labels[:10], size=rng.integers(20, 2000), p=rng.dirichlet(np.ones(10)))
    cur = rng.choice(labels, size=rng.integers(20, 2000), p=rng.dirichlet(np.ones(12)))
    return ref, cur


@pytest.mark.parametrize("seed", SEEDS)
def test_ks_equals_scipy_asymptotic(seed: int) -> None:
    ref, cur = samples(seed)
    expected = stats.ks_2samp(ref, cur, method="asymp")
    result = compute_ks(ref, cur)
    assert result.value == pytest.approx(expected.statistic, abs=1e-12)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)


@pytest.mark.parametrize("seed", SEEDS)
def test_wasserstein_equals_scipy(seed: int) -> None:
    ref, cur = samples(seed)
    raw = stats.wasserstein_distance(ref, cur)
    assert compute_wasserstein(ref, cur, normalize=False) == pytest.approx(raw, rel=1e-12)
    assert compute_wasserstein(ref, cur) == pytest.approx(raw / np.std(ref), rel=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_chi2_equals_scipy_contingency(seed: int) -> None:
    ref, cur = categories(seed)
    labels = sorted(set(ref) | set(cur))
    table = [[np.sum(ref == k) for k in labels], [np.sum(cur == k) for k in labels]]
    expected = stats.chi2_contingency(table, correction=False)
    result = compute_chi2(ref, cur)
    assert result.value == pytest.approx(expected.statistic, rel=1e-12)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)


@pytest.mark.parametrize("seed", SEEDS)
def test_jensen_shannon_equals_scipy_on_the_same_bins(seed: int) -> None:
    ref, cur = samples(seed)
    edges = np.unique(np.quantile(ref, np.arange(1, 10) / 10))
    p = np.bincount(np.searchsorted(edges, ref, side="left"), minlength=edges.size + 1)
    q = np.bincount(np.searchsorted(edges, cur, side="left"), minlength=edges.size + 1)
    assert compute_jensen_shannon(ref, cur) == pytest.approx(distance.jensenshannon(p, q), 1e-12)
    cref, ccur = categories(seed)
    labels = sorted(set(cref) | set(ccur))
    p = np.array([np.sum(cref == k) for k in labels])
    q = np.array([np.sum(ccur == k) for k in labels])
    result = compute_jensen_shannon(cref, ccur, kind="categorical")
    assert result == pytest.approx(distance.jensenshannon(p, q), rel=1e-12)


def test_psi_matches_its_formula_with_the_epsilon_floor() -> None:
    ref = np.arange(100.0)
    cur = np.full(10, 5.0)  # every current value in the first decile: nine empty bins
    p = np.full(10, 0.1)
    q = np.array([1.0] + [PSI_EPSILON] * 9)
    assert compute_psi(ref, cur) == pytest.approx(np.sum((p - q) * np.log(p / q)), rel=1e-12)
    assert compute_psi(ref, ref) == 0.0


def test_binary_chi2_equals_the_two_proportion_z_test() -> None:
    ref = np.array(["a"] * 70 + ["b"] * 30)
    cur = np.array(["a"] * 50 + ["b"] * 50)
    pooled = 120 / 200
    z = (0.7 - 0.5) / np.sqrt(pooled * (1 - pooled) * (1 / 100 + 1 / 100))
    result = compute_chi2(ref, cur)
    assert result.value == pytest.approx(z**2, rel=1e-12)
    assert result.p_value == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-9)


def test_unseen_share() -> None:
    assert compute_unseen_share(["a", "b", None], ["a", "c", "c", None]) == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    "call",
    [
        lambda: compute_ks([], [1.0]),
        lambda: compute_wasserstein([1.0], [np.nan]),
        lambda: compute_psi([np.inf], [1.0]),
        lambda: compute_chi2([None], ["a"]),
        lambda: compute_jensen_shannon(["a"], [], kind="categorical"),
    ],
)
def test_exact_functions_refuse_empty_samples(call: object) -> None:
    with pytest.raises(DataError, match="needs at least one present value"):
        call()  # type: ignore[operator]


def profiles(ref: np.ndarray, cur: np.ndarray, **options: int) -> tuple[object, object]:
    spec, reference = build_reference({"x": ref}, numeric=["x"], **options)  # type: ignore[arg-type]
    return reference["x"], profile_data(spec, {"x": cur})["x"]


@pytest.mark.parametrize("seed", SEEDS)
def test_profile_psi_and_jensen_shannon_are_exact(seed: int) -> None:
    ref, cur = samples(seed)
    a, b = profiles(ref, cur)
    assert psi_from_profiles(a, b).value == pytest.approx(compute_psi(ref, cur), rel=1e-12)  # type: ignore[arg-type]
    js = jensen_shannon_from_profiles(a, b).value  # type: ignore[arg-type]
    assert js == pytest.approx(compute_jensen_shannon(ref, cur), rel=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_profile_categorical_statistics_are_exact(seed: int) -> None:
    ref, cur = categories(seed)
    spec, reference = build_reference({"c": ref}, categorical=["c"])
    current = profile_data(spec, {"c": cur})
    a, b = reference["c"], current["c"]
    chi2 = chi2_from_profiles(a, b)
    assert chi2.value == pytest.approx(compute_chi2(ref, cur).value, rel=1e-12)
    assert chi2.p_value == pytest.approx(compute_chi2(ref, cur).p_value, rel=1e-9, abs=1e-300)
    assert psi_from_profiles(a, b).value == pytest.approx(
        compute_psi(ref, cur, kind="categorical"), rel=1e-12
    )
    assert jensen_shannon_from_profiles(a, b).value == pytest.approx(
        compute_jensen_shannon(ref, cur, kind="categorical"), rel=1e-12
    )


def random_pair(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A reference and a current from a zoo of shapes: skewed, heavy-tailed, discrete, mixed."""
    makers = [
        lambda n: rng.normal(rng.uniform(-1, 1), rng.uniform(0.5, 3), n),
        lambda n: rng.lognormal(0, rng.uniform(0.2, 1.5), n),
        lambda n: rng.standard_t(2, n),
        lambda n: rng.integers(0, rng.integers(2, 400), n).astype(float),
        lambda n: np.where(rng.random(n) < 0.7, 0.0, rng.exponential(1000, n)),
        lambda n: rng.uniform(0, 1, n) ** 3,
    ]
    ref = makers[rng.integers(len(makers))](int(rng.integers(50, 5000)))
    cur = makers[rng.integers(len(makers))](int(rng.integers(1, 3000)))
    if rng.random() < 0.5:
        cur = cur * rng.uniform(0.5, 2) + rng.uniform(-1, 1)
    return ref, cur


@pytest.mark.parametrize("grid_size", [20, 200])
def test_binned_ks_and_wasserstein_stay_within_their_documented_bounds(grid_size: int) -> None:
    rng = np.random.default_rng(2024)
    widest_ks = 0.0
    for _ in range(150):
        ref, cur = random_pair(rng)
        a, b = profiles(ref, cur, grid_size=grid_size)
        exact_d = stats.ks_2samp(ref, cur, method="asymp").statistic
        ks = ks_from_profiles(a, b)  # type: ignore[arg-type]
        assert ks.error_bound is not None
        assert ks.value - 1e-12 <= exact_d <= ks.value + ks.error_bound + 1e-12
        # The bound itself: at most the largest share of either side inside one open grid cell.
        ref_cell = 1.0 / grid_size
        assert ks.error_bound <= ref_cell + 1.0 / len(ref) + max_open_cell_share(b) + 1e-12
        widest_ks = max(widest_ks, ks.error_bound)
        exact_w = compute_wasserstein(ref, cur)
        w = wasserstein_from_profiles(a, b)  # type: ignore[arg-type]
        assert w.error_bound is not None
        tolerance = 1e-9 * max(1.0, exact_w)
        assert w.value - tolerance <= exact_w <= w.value + w.error_bound + tolerance
    assert widest_ks > 0  # the loop did exercise approximate cases


def max_open_cell_share(sketch: object) -> float:
    counts = sketch.counts  # type: ignore[attr-defined]
    return float(counts[0::2].max() / counts.sum())


def test_binned_ks_and_wasserstein_are_exact_on_discrete_columns() -> None:
    rng = np.random.default_rng(5)
    ref = rng.integers(17, 91, 5000).astype(float)
    cur = rng.integers(20, 80, 700).astype(float)
    a, b = profiles(ref, cur)
    ks = ks_from_profiles(a, b)  # type: ignore[arg-type]
    assert ks.error_bound == 0.0
    assert ks.value == pytest.approx(stats.ks_2samp(ref, cur).statistic, abs=1e-12)
    w = wasserstein_from_profiles(a, b)  # type: ignore[arg-type]
    assert w.error_bound == 0.0
    assert w.value == pytest.approx(compute_wasserstein(ref, cur), rel=1e-10)
