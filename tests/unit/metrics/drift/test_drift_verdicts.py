"""Verdicts: seeded drift on Adult columns, defaults, learned thresholds and every edge case."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from charter.datasets import load_adult
from charter.errors import ContractError
from charter.metrics.drift import (
    FewChunksWarning,
    Threshold,
    compute_ks,
    compute_psi,
    default_method,
    drift_between,
    learn_thresholds,
)
from charter.metrics.profile import build_reference, profile_chunks, profile_data

NUMERIC = ["age", "hours_per_week"]
CATEGORICAL = ["education", "occupation"]


@pytest.fixture(scope="module")
def adult() -> pd.DataFrame:
    return load_adult().train


def split(adult: pd.DataFrame, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    shuffled = adult.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    return shuffled.iloc[:20_000], shuffled.iloc[20_000:].reset_index(drop=True)


def json_safe(result: object) -> None:
    json.dumps(result.to_dict(), allow_nan=False)  # type: ignore[attr-defined]


def test_no_shift_is_ok_everywhere(adult: pd.DataFrame) -> None:
    reference, current = split(adult)
    spec, ref = build_reference(reference, numeric=NUMERIC, categorical=CATEGORICAL)
    result = drift_between(ref, profile_data(spec, current))
    assert [v.status for v in result.verdicts] == ["ok"] * 4
    assert [v.method for v in result.verdicts] == [
        "wasserstein", "wasserstein", "jensen_shannon", "jensen_shannon",
    ]  # fmt: skip
    assert (result.status, result.drift_share, result.is_drifted) == ("ok", 0.0, False)
    json_safe(result)


@pytest.mark.parametrize("column", NUMERIC)
def test_half_sigma_shift_is_detected_by_psi_ks_and_wasserstein(
    adult: pd.DataFrame, column: str
) -> None:
    reference, current = split(adult)
    shifted = current.assign(**{column: current[column] + 0.5 * reference[column].std()})
    assert compute_psi(reference[column], shifted[column]) > 0.1
    assert compute_ks(reference[column], shifted[column]).p_value < 0.05  # type: ignore[operator]
    spec, ref = build_reference(reference, numeric=NUMERIC, categorical=CATEGORICAL)
    cur = profile_data(spec, shifted)
    methods = {column: "psi"}
    assert drift_between(ref, cur, methods=methods).verdict(column).status in ("warn", "alert")
    assert drift_between(ref, cur, methods={column: "ks"}).verdict(column).status == "alert"
    verdict = drift_between(ref, cur).verdict(column)
    assert (verdict.method, verdict.status) == ("wasserstein", "alert")
    assert verdict.statistic == pytest.approx(0.5, abs=0.05)


def test_categorical_drift_is_detected(adult: pd.DataFrame) -> None:
    reference, current = split(adult)
    # Move a third of the rows into one occupation.
    moved = current.copy()
    moved.loc[: len(moved) // 3, "occupation"] = "Tech-support"
    spec, ref = build_reference(reference, numeric=NUMERIC, categorical=CATEGORICAL)
    result = drift_between(ref, profile_data(spec, moved), methods={"education": "chi2"})
    assert result.verdict("occupation").status == "alert"
    assert result.verdict("education").status == "ok"
    assert result.n_drifted == 1
    assert result.drift_share == pytest.approx(0.25)
    assert result.status == "warn"


def test_small_reference_uses_tests_with_p_values(adult: pd.DataFrame) -> None:
    reference, current = split(adult)
    spec, ref = build_reference(reference.iloc[:1000], numeric=NUMERIC, categorical=CATEGORICAL)
    result = drift_between(ref, profile_data(spec, current.iloc[:1000]))
    assert [v.method for v in result.verdicts] == ["ks", "ks", "chi2", "chi2"]
    assert all(v.threshold == 0.05 and v.threshold_on == "p_value" for v in result.verdicts)
    assert all(v.status == "ok" for v in result.verdicts)
    assert default_method("numeric", 1001) == "wasserstein"


def test_psi_warns_then_alerts() -> None:
    rng = np.random.default_rng(0)
    spec, ref = build_reference({"x": rng.normal(size=20_000)}, numeric=["x"])
    statuses = []
    for shift in (0.0, 0.4, 1.0):
        cur = profile_data(spec, {"x": rng.normal(shift, 1, 20_000)})
        statuses.append(drift_between(ref, cur, methods={"x": "psi"}).verdicts[0].status)
    assert statuses == ["ok", "warn", "alert"]


def test_prediction_drift_is_a_numeric_score_column() -> None:
    rng = np.random.default_rng(1)
    scores = rng.beta(2, 5, 10_000)
    spec, ref = build_reference({"score": scores}, numeric=["score"], bounds={"score": (0, 1)})
    same = drift_between(ref, profile_data(spec, {"score": rng.beta(2, 5, 5_000)}))
    moved = drift_between(ref, profile_data(spec, {"score": rng.beta(3, 4, 5_000)}))
    assert (same.status, moved.status) == ("ok", "alert")


def test_learned_thresholds_quiet_a_noisy_sparse_feature() -> None:
    # 60 Zipf-distributed categories seen in windows of 200 rows: PSI is large from noise alone.
    rng = np.random.default_rng(1)
    labels = np.array([f"k{i}" for i in range(60)])
    shares = 1 / np.arange(1, 61)
    shares /= shares.sum()
    data = {"x": rng.normal(size=2000), "c": rng.choice(labels, 2000, p=shares)}
    spec, ref = build_reference(data, numeric=["x"], categorical=["c"])
    methods = {"x": "psi", "c": "psi"}
    learned = learn_thresholds(profile_chunks(spec, data, n_chunks=10), methods=methods)
    assert {t.source for t in learned.values()} == {"learned"}
    assert learned["c"].method == "psi" and learned["c"].alert > 0.25
    window = profile_data(spec, {"x": rng.normal(size=200), "c": rng.choice(labels, 200, p=shares)})
    assert drift_between(ref, window, methods=methods).verdict("c").status == "alert"
    quiet = drift_between(ref, window, thresholds=learned)
    assert [(v.threshold_source, v.status) for v in quiet.verdicts] == [("learned", "ok")] * 2
    moved = {"x": rng.normal(1.0, 1, 200), "c": rng.choice(labels[::-1], 200, p=shares)}
    loud = drift_between(ref, profile_data(spec, moved), thresholds=learned)
    assert [v.status for v in loud.verdicts] == ["alert", "alert"]


def test_few_chunks_warn() -> None:
    spec, _ = build_reference({"x": np.arange(100.0)}, numeric=["x"])
    chunks = profile_chunks(spec, {"x": np.arange(100.0)}, n_chunks=3)
    with pytest.warns(FewChunksWarning, match="from 3 reference chunks"):
        learned = learn_thresholds(chunks)
    assert learned["x"].alert >= 0


def test_constant_column_learns_a_zero_limit_and_stays_ok() -> None:
    data = {"x": np.full(1000, 7.0)}
    spec, ref = build_reference(data, numeric=["x"])
    learned = learn_thresholds(profile_chunks(spec, data))
    assert learned["x"].alert == 0.0
    assert drift_between(ref, profile_data(spec, data), thresholds=learned).status == "ok"
    moved = profile_data(spec, {"x": np.full(10, 7.5)})
    assert drift_between(ref, moved, thresholds=learned).status == "alert"


# --- edge cases: each a defined result, never a crash or NaN ----------------------------------


@pytest.fixture(scope="module")
def mixed_spec() -> tuple[object, object]:
    rng = np.random.default_rng(0)
    data = {"x": rng.normal(size=3000), "c": rng.choice(["a", "b", "c"], 3000)}
    return build_reference(data, numeric=["x"], categorical=["c"])


def test_empty_window_is_no_data(mixed_spec: tuple) -> None:  # type: ignore[type-arg]
    spec, ref = mixed_spec
    empty = profile_data(
        spec, pa.table({"x": pa.array([], pa.float64()), "c": pa.array([], pa.string())})
    )
    result = drift_between(ref, empty)
    assert result.status == "no_data" and result.reason == "no rows in window"
    assert {(v.status, v.reason) for v in result.verdicts} == {("no_data", "no rows in window")}
    assert result.drift_share is None
    json_safe(result)


def test_single_row_window(mixed_spec: tuple) -> None:  # type: ignore[type-arg]
    spec, ref = mixed_spec
    result = drift_between(ref, profile_data(spec, {"x": [0.1], "c": ["a"]}))
    assert all(v.status in ("ok", "warn", "alert") for v in result.verdicts)
    assert all(np.isfinite(v.statistic) for v in result.verdicts)  # type: ignore[arg-type]
    json_safe(result)


def test_all_missing_in_current_or_reference() -> None:
    data = {"x": [1.0, 2.0, 3.0], "gone": [None, None, None], "c": ["a", None, "b"]}
    spec, ref = build_reference(data, numeric=["x", "gone"], categorical=["c"])
    current = profile_data(spec, {"x": [np.nan, None], "gone": [1.0, 2.0], "c": [None, None]})
    result = drift_between(ref, current)
    reasons = {v.column: (v.status, v.reason) for v in result.verdicts}
    assert reasons == {
        "x": ("no_data", "no non-missing values in the window"),
        "gone": ("no_data", "no non-missing values in the reference"),
        "c": ("no_data", "no non-missing values in the window"),
    }
    assert result.status == "no_data"
    json_safe(result)


def test_constant_reference_column() -> None:
    spec, ref = build_reference({"x": np.full(5000, 3.0)}, numeric=["x"])
    same = drift_between(ref, profile_data(spec, {"x": np.full(100, 3.0)}))
    moved = drift_between(ref, profile_data(spec, {"x": np.full(100, 3.01)}))
    assert same.verdicts[0].statistic == 0.0 and same.status == "ok"
    # Normalised by the 0.001 floor: a 0.01 move is ten "standard deviations".
    assert moved.verdicts[0].statistic == pytest.approx(10.0) and moved.status == "alert"
    for method in ("psi", "ks", "jensen_shannon"):
        verdict = drift_between(ref, profile_data(spec, {"x": [3.0, 4.0]}), methods={"x": method})
        assert np.isfinite(verdict.verdicts[0].statistic)  # type: ignore[arg-type]


def test_nan_and_inf_are_not_in_the_distribution() -> None:
    spec, ref = build_reference({"x": np.arange(1000.0)}, numeric=["x"])
    dirty = np.concatenate([np.arange(1000.0), [np.nan, np.inf, -np.inf]])
    result = drift_between(ref, profile_data(spec, {"x": dirty}))
    assert result.verdicts[0].statistic == 0.0


def test_category_explosion_in_the_window(mixed_spec: tuple) -> None:  # type: ignore[type-arg]
    spec, ref = mixed_spec
    window = {"x": np.zeros(100_000), "c": np.array([f"id{i}" for i in range(100_000)])}
    result = drift_between(ref, profile_data(spec, window))
    assert result.verdict("c").status == "alert"
    json_safe(result)


def test_unknown_or_misfit_method_is_a_contract_error(mixed_spec: tuple) -> None:  # type: ignore[type-arg]
    _, ref = mixed_spec
    with pytest.raises(ContractError, match="Unknown drift method 'kl' for column 'x'"):
        drift_between(ref, ref, methods={"x": "kl"})
    with pytest.raises(ContractError, match="does not apply to categorical column 'c'"):
        drift_between(ref, ref, methods={"c": "ks"})


def test_plain_number_threshold_uses_the_methods_axis(mixed_spec: tuple) -> None:  # type: ignore[type-arg]
    _, ref = mixed_spec
    result = drift_between(
        ref, ref, methods={"x": "ks"}, thresholds={"x": 0.01, "c": Threshold(0.5)}
    )
    assert result.verdict("x").threshold_on == "p_value"
    assert result.verdict("c").threshold == 0.5
