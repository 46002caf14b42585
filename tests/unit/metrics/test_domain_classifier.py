"""Domain classifier: no drift near 0.5, thin and strong drift found, AUROC equal to its oracle.

Every test runs the booster on one OpenMP thread: on a machine shared by several jobs, its default
of one thread per core can make a fit thirty times slower. The results do not depend on it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from threadpoolctl import threadpool_limits

from charter.datasets import load_adult
from charter.errors import DataError
from charter.examples.adult import ADULT_CATEGORICAL, ADULT_NUMERIC
from charter.metrics import DomainClassifierResult, compute_metric, domain_classifier
from charter.metrics.domain_classifier import _MODEL_PARAMS, MAX_CATEGORIES, _category_codes

ADULT_COLUMNS = {"numeric": list(ADULT_NUMERIC), "categorical": list(ADULT_CATEGORICAL)}


@pytest.fixture(autouse=True, scope="module")
def _one_thread() -> Iterator[None]:
    with threadpool_limits(limits=1, user_api="openmp"):
        yield


@pytest.fixture(scope="module")
def adult_halves() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two random, disjoint halves of Adult's training split: no drift between them."""
    train = load_adult().train
    order = np.random.default_rng(0).permutation(len(train))
    half = len(train) // 2
    return train.iloc[order[:half]], train.iloc[order[half:]]


def _correlated(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Six correlated features ``s0..s5`` (one shared factor) and four independent ``u0..u3``."""
    factor = rng.normal(size=(n, 1))
    related = (factor + 0.3 * rng.normal(size=(n, 6))) / np.sqrt(1.09)
    columns = [f"s{i}" for i in range(6)] + [f"u{i}" for i in range(4)]
    return pd.DataFrame(np.c_[related, rng.normal(size=(n, 4))], columns=columns)


def test_two_halves_of_adult_do_not_separate(
    adult_halves: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    reference, current = adult_halves
    result = domain_classifier(reference, current, **ADULT_COLUMNS, max_rows=3_000)
    assert result.auroc is not None and result.auroc_std is not None
    assert 0.45 < result.auroc < 0.55
    assert (result.n_reference, result.n_current, result.folds) == (3_000, 3_000, 5)
    assert {name for name, _ in result.top_features} == set(ADULT_NUMERIC + ADULT_CATEGORICAL)


def test_drift_spread_thinly_over_many_features_is_found() -> None:
    # A vendor recalibrates a family of related fields: each moves by 5% of its std, half up and
    # half down. No feature drifts on its own (KS), but together they leave the shared factor.
    rng = np.random.default_rng(1)
    reference, current = _correlated(2_000, rng), _correlated(2_000, rng)
    for i in range(6):
        current[f"s{i}"] += 0.05 if i % 2 == 0 else -0.05
    p_values = [stats.ks_2samp(reference[c], current[c]).pvalue for c in reference.columns]
    assert min(p_values) > 0.05

    result = domain_classifier(reference, current, numeric=list(reference.columns))
    unshifted = domain_classifier(
        reference, _correlated(2_000, rng), numeric=list(reference.columns)
    )
    assert result.auroc is not None and unshifted.auroc is not None
    assert result.auroc > 0.55
    assert abs(unshifted.auroc - 0.5) < 0.03
    top_six = {name for name, _ in result.top_features[:6]}
    assert top_six == {f"s{i}" for i in range(6)}


def test_one_strongly_drifted_feature_comes_first(
    adult_halves: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    reference, current = adult_halves
    current = current.assign(hours_per_week=current["hours_per_week"] + 6)  # half a std
    result = domain_classifier(reference, current, **ADULT_COLUMNS, max_rows=3_000)
    assert result.auroc is not None
    assert result.auroc > 0.6
    assert result.top_features[0][0] == "hours_per_week"
    assert result.top_features[0][1] > 5 * abs(result.top_features[1][1])


def test_auroc_equals_sklearn_on_recomputed_out_of_fold_predictions() -> None:
    rng = np.random.default_rng(2)
    reference = pd.DataFrame(rng.normal(size=(700, 3)), columns=list("abc"))
    current = pd.DataFrame(rng.normal(0.2, 1.0, size=(500, 3)), columns=list("abc"))
    result = domain_classifier(reference, current, numeric=list("abc"), folds=4, seed=3)

    x = pd.concat([reference, current], ignore_index=True).to_numpy()
    y = np.r_[np.zeros(700), np.ones(500)]
    model = HistGradientBoostingClassifier(**_MODEL_PARAMS, random_state=3)
    folds = StratifiedKFold(n_splits=4, shuffle=True, random_state=3)
    oof = cross_val_predict(model, x, y, cv=folds, method="predict_proba")[:, 1]
    per_fold = [compute_metric("roc_auc", y[test], oof[test]) for _, test in folds.split(x, y)]
    assert result.auroc == pytest.approx(compute_metric("roc_auc", y, oof), abs=1e-12)
    assert result.auroc_std == pytest.approx(np.std(per_fold, ddof=1), abs=1e-12)


def test_subsampling_is_bounded_and_seeded(
    adult_halves: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    reference, current = adult_halves
    numeric = list(ADULT_NUMERIC)
    first = domain_classifier(reference, current, numeric=numeric, max_rows=500, seed=4)
    again = domain_classifier(reference, current, numeric=numeric, max_rows=500, seed=4)
    other = domain_classifier(reference, current, numeric=numeric, max_rows=500, seed=5)
    assert first == again
    assert first.auroc != other.auroc
    assert (first.n_reference, first.n_current) == (500, 500)


@pytest.mark.parametrize(("n_reference", "n_current"), [(3, 100), (100, 4), (0, 100), (100, 0)])
def test_too_few_rows_give_a_result_without_auroc(n_reference: int, n_current: int) -> None:
    frame = pd.DataFrame({"x": np.arange(100.0), "c": ["a", "b"] * 50})
    result = domain_classifier(
        frame.iloc[:n_reference], frame.iloc[:n_current], numeric=["x"], categorical=["c"]
    )
    assert result == DomainClassifierResult(
        auroc=None,
        auroc_std=None,
        n_reference=n_reference,
        n_current=n_current,
        top_features=(),
        folds=5,
        reason=(
            "the domain classifier needs at least 5 rows on each side for 5 folds; "
            f"got {n_reference} reference and {n_current} current"
        ),
    )
    assert result.to_dict()["auroc"] is None


def test_missing_values_infinities_and_unseen_categories() -> None:
    rng = np.random.default_rng(5)
    reference = pd.DataFrame(
        {"x": rng.normal(size=400), "flag": rng.random(400) < 0.5, "c": rng.choice(["a", "b"], 400)}
    )
    current = reference.copy()
    current.loc[::3, "x"] = np.nan
    current.loc[1::7, "x"] = np.inf
    current.loc[::5, "c"] = None
    current.loc[2::5, "c"] = "new"
    result = domain_classifier(reference, current, numeric=["x", "flag"], categorical=["c"])
    assert result.auroc is not None and result.auroc > 0.7
    assert all(np.isfinite(value) for _, value in result.top_features)
    assert result.to_dict()["top_features"][0] == {
        "feature": result.top_features[0][0],
        "importance": result.top_features[0][1],
    }


def test_a_column_of_100k_distinct_values_is_capped() -> None:
    values = pd.Series([f"id{i:06d}" for i in range(100_000)] + [None, "id000007", "id000009"])
    codes = _category_codes(values)
    assert np.nanmax(codes) == MAX_CATEGORIES
    assert len(np.unique(codes[~np.isnan(codes)])) == MAX_CATEGORIES + 1
    assert np.isnan(codes[100_000])
    # The most frequent values come first, ties broken by value.
    assert (codes[7], codes[9], codes[0], codes[1]) == (0, 1, 2, 3)

    rng = np.random.default_rng(6)
    reference = pd.DataFrame({"id": values.iloc[:100_000], "x": rng.normal(size=100_000)})
    current = pd.DataFrame({"id": values.iloc[:100_000], "x": rng.normal(size=100_000)})
    started = time.perf_counter()
    result = domain_classifier(
        reference, current, numeric=["x"], categorical=["id"], max_rows=2_000
    )
    assert time.perf_counter() - started < 60
    assert result.auroc is not None and np.isfinite(result.auroc)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"numeric": ["age", "nope"]}, "reference lacks the columns ['nope']"),
        ({"categorical": ["education"], "numeric": ["workclass"]}, None),
        ({}, "the domain classifier needs at least one numeric or categorical column"),
        (
            {"numeric": ["age"], "categorical": ["age"]},
            "columns must be named once in numeric and categorical; got ['age']",
        ),
        ({"numeric": "age"}, "numeric must be a list of column names; got the string 'age'"),
        ({"numeric": ["age"], "folds": 1}, "folds must be an integer >= 2; got 1"),
        ({"numeric": ["age"], "max_rows": 0}, "max_rows must be an integer >= 1; got 0"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], message: str | None) -> None:
    frame = load_adult().train.head(50)
    with pytest.raises(DataError) as info:
        domain_classifier(frame, frame, **kwargs)  # type: ignore[arg-type]
    if message is None:  # the dtype's name depends on the pandas version
        assert info.value.message.startswith(
            "reference column 'workclass' must be numeric; got dtype"
        )
    else:
        assert info.value.message == message
