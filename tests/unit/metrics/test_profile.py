"""Profiles: streaming equals one pass, merges associate and commute, inputs are lenient."""

from __future__ import annotations

import json
from functools import reduce

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from charter.errors import DataError
from charter.metrics.profile import (
    ColumnKind,
    Profile,
    ProfileBuilder,
    build_reference,
    compare_quality,
    profile_data,
)
from charter.metrics.sketch import OTHER, CategoricalSketch, NumericSketch


def frame(n: int, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    x = rng.normal(50, 10, n)
    x[rng.random(n) < 0.05] = np.nan
    return pa.table(
        {
            "x": x,
            "k": rng.integers(0, 30, n),
            "c": pa.array(rng.choice(["a", "b", "c", "d", None], n), type=pa.string()),
        }
    )


@pytest.fixture(scope="module")
def spec_and_ref() -> tuple[object, Profile]:
    return build_reference(
        frame(5000, 0), numeric=["x", "k"], categorical=["c"], bounds={"x": (20, 80)}
    )


def assert_same(a: Profile, b: Profile) -> None:
    """Counts identical; float moments equal up to summation order."""
    assert a.n_rows == b.n_rows
    for name, left in a.columns.items():
        right = b.columns[name]
        if isinstance(left, NumericSketch):
            assert isinstance(right, NumericSketch)
            assert np.array_equal(left.counts, right.counts)
            ints = ("n_rows", "n_missing", "n_invalid", "n_infinite", "n_below", "n_above")
            assert [getattr(left, f) for f in ints] == [getattr(right, f) for f in ints]
            assert (left.min, left.max) == (right.min, right.max)
            np.testing.assert_allclose(left.offsets, right.offsets, rtol=1e-9, atol=1e-9)
            assert left.mean == pytest.approx(right.mean, rel=1e-12)
            assert left.m2 == pytest.approx(right.m2, rel=1e-9)
        else:
            assert isinstance(left, CategoricalSketch) and isinstance(right, CategoricalSketch)
            assert np.array_equal(left.counts, right.counts)
            assert dict(left.unseen) == dict(right.unseen)
            assert (left.n_rows, left.n_missing, left.n_pooled) == (
                right.n_rows, right.n_missing, right.n_pooled,
            )  # fmt: skip


def test_batch_size_does_not_change_the_profile(spec_and_ref: tuple) -> None:  # type: ignore[type-arg]
    spec, _ = spec_and_ref
    data = frame(10_000, 1)
    whole = ProfileBuilder(spec).update(data).freeze()
    for rows in (7, 999, 4096, 65_536):
        assert_same(whole, profile_data(spec, data, batch_rows=rows))
    head = data.slice(0, 40)
    assert_same(ProfileBuilder(spec).update(head).freeze(), profile_data(spec, head, batch_rows=1))
    assert_same(whole, profile_data(spec, data.to_pandas()))
    assert_same(
        whole, profile_data(spec, {n: data.column(n).to_numpy() for n in data.column_names})
    )


def test_merge_is_associative_and_commutative(spec_and_ref: tuple) -> None:  # type: ignore[type-arg]
    spec, _ = spec_and_ref
    a, b, c = (profile_data(spec, frame(n, seed)) for n, seed in ((300, 2), (2000, 3), (1, 4)))
    assert_same(a.merge(b), b.merge(a))
    assert_same(a.merge(b).merge(c), a.merge(b.merge(c)))
    assert_same(a.merge(Profile.empty(spec)), a)
    everything = profile_data(spec, pa.concat_tables([frame(300, 2), frame(2000, 3), frame(1, 4)]))
    assert_same(reduce(Profile.merge, [c, a, b]), everything)


def test_merging_profiles_of_different_references_is_refused(spec_and_ref: tuple) -> None:  # type: ignore[type-arg]
    _, ref = spec_and_ref
    other, _ = build_reference(frame(100, 9), numeric=["x"])
    with pytest.raises(DataError, match="different reference specs"):
        ref.merge(profile_data(other, frame(10, 1)))


def test_memory_does_not_grow_with_rows(spec_and_ref: tuple) -> None:  # type: ignore[type-arg]
    spec, _ = spec_and_ref
    small, large = profile_data(spec, frame(100, 1)), profile_data(spec, frame(50_000, 1))
    for name in ("x", "k"):
        assert small[name].counts.shape == large[name].counts.shape  # type: ignore[union-attr]
    assert len(large["c"].unseen) == 0  # type: ignore[union-attr]


def test_reference_spec_and_profile_contents(spec_and_ref: tuple) -> None:  # type: ignore[type-arg]
    spec, ref = spec_and_ref
    assert spec.names == ("x", "k", "c")
    assert spec.kind("x") is ColumnKind.NUMERIC and spec.kind("c") is ColumnKind.CATEGORICAL
    assert spec.column("x").n_bins == 10  # type: ignore[union-attr]
    assert spec.column("k").edges.tolist() == list(range(30))  # type: ignore[union-attr]
    assert set(spec.column("c").categories) == {"a", "b", "c", "d"}  # type: ignore[union-attr]
    x = ref["x"]
    assert isinstance(x, NumericSketch)
    assert x.n + x.n_missing == 5000
    json.dumps(ref.to_dict(), allow_nan=False)
    json.dumps(spec.to_dict(), allow_nan=False)
    with pytest.raises(DataError, match="no column 'y'"):
        spec.column("y")


def test_missing_column_in_data_is_a_data_error(spec_and_ref: tuple) -> None:  # type: ignore[type-arg]
    spec, _ = spec_and_ref
    with pytest.raises(DataError, match="The data has no column 'k'"):
        profile_data(spec, {"x": [1.0], "c": ["a"]})


def test_nan_inf_and_mixed_types_in_a_numeric_column() -> None:
    spec, _ = build_reference({"x": np.arange(10.0)}, numeric=["x"], bounds={"x": (0, 9)})
    values = np.array([1, 2.5, "3", "oops", None, np.nan, np.inf, -np.inf, 12, -1], dtype=object)
    x = profile_data(spec, {"x": values})["x"]
    assert isinstance(x, NumericSketch)
    assert (x.n, x.n_missing, x.n_invalid, x.n_infinite) == (5, 2, 1, 2)
    assert (x.n_below, x.n_above, x.min, x.max) == (1, 1, -1.0, 12.0)
    quality = compare_quality(
        profile_data(spec, {"x": np.arange(10.0)}), profile_data(spec, {"x": values})
    )
    column = quality.columns[0]
    assert column.missing_rate == pytest.approx(0.2)
    assert column.invalid_rate == pytest.approx(0.1)
    assert column.out_of_range_rate == pytest.approx(4 / 7)  # two infinities and two outside
    json.dumps(quality.to_dict(), allow_nan=False)


def test_mixed_types_in_a_categorical_column() -> None:
    spec, ref = build_reference(
        {"c": np.array(["a", 1, True, None, 2.5], dtype=object)}, categorical=["c"]
    )
    assert set(spec.column("c").categories) == {"a", "1", "true", "2.5"}  # type: ignore[union-attr]
    assert ref["c"].n_missing == 1


def test_dictionary_arrays_count_like_strings(spec_and_ref: tuple) -> None:  # type: ignore[type-arg]
    spec, _ = spec_and_ref
    data = frame(3000, 5)
    encoded = data.set_column(2, "c", data.column("c").dictionary_encode())
    assert_same(profile_data(spec, data), profile_data(spec, encoded))
    categorical = pd.DataFrame({"x": [1.0, 2.0], "k": [1, 2], "c": pd.Categorical(["a", "zz"])})
    c = profile_data(spec, categorical)["c"]
    assert isinstance(c, CategoricalSketch) and dict(c.unseen) == {"zz": 1}


def test_category_explosion_is_capped() -> None:
    labels = np.array([f"id{i:06d}" for i in range(100_000)])
    spec, ref = build_reference({"c": labels}, categorical=["c"], max_categories=10_000)
    column = spec.column("c")
    assert len(column.categories) == 10_000 and column.is_truncated  # type: ignore[union-attr]
    assert ref["c"].n_pooled == 90_000  # type: ignore[union-attr]
    current = profile_data(spec, {"c": labels[::-1]})
    quality = compare_quality(ref, current).columns[0]
    assert quality.unseen_rate is None and "unseen rate unknown" in quality.reason


def test_unseen_categories_beyond_the_cap_pool_into_other() -> None:
    spec, ref = build_reference({"c": ["a", "b"]}, categorical=["c"], max_categories=3)
    window = profile_data(spec, {"c": ["a", "x", "x", "y", "z", "w", "v"]})
    c = window["c"]
    assert isinstance(c, CategoricalSketch)
    assert dict(c.unseen) == {"x": 2, "v": 1, "w": 1} and c.n_pooled == 2
    quality = compare_quality(ref, window).columns[0]
    assert quality.unseen_rate == pytest.approx(6 / 7)
    assert OTHER == "__other__"


def test_quality_of_an_empty_window(spec_and_ref: tuple) -> None:  # type: ignore[type-arg]
    spec, ref = spec_and_ref
    quality = compare_quality(ref, Profile.empty(spec))
    assert quality.n_rows == 0
    assert {c.reason for c in quality.columns} == {"no rows in window"}
    assert all(c.missing_rate is None for c in quality.columns)
    json.dumps(quality.to_dict(), allow_nan=False)


def test_missing_rate_increase(spec_and_ref: tuple) -> None:  # type: ignore[type-arg]
    spec, ref = spec_and_ref
    data = frame(1000, 7)
    holes = data.set_column(0, "x", pa.array(np.where(np.arange(1000) < 500, np.nan, 1.0)))
    column = compare_quality(ref, profile_data(spec, holes)).columns[0]
    assert column.missing_rate == pytest.approx(0.5)
    assert column.missing_rate_increase == pytest.approx(0.5 - column.reference_missing_rate)  # type: ignore[operator]
