"""What every drift statistic shares: its result type and the reading of sketches and raw arrays."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pyarrow.compute as pc

from charter.errors import DataError
from charter.metrics.sketch import (
    OTHER,
    CategoricalSketch,
    ColumnSketch,
    NumericSketch,
    quantile_edges,
    to_float,
    to_strings,
)

__all__ = ["Kind", "Statistic", "category_table", "finite_values", "numeric_pair", "raw_table"]

Kind = Literal["numeric", "categorical"]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

EMPTY_INPUT = (
    "{name} needs at least one present value in reference and current; got {n_ref} and {n_cur}."
)


@dataclass(frozen=True)
class Statistic:
    """A drift statistic, its p-value for tests, and for binned approximations an error bound.

    ``error_bound`` means: the exact statistic on the raw rows lies in
    ``[value, value + error_bound]`` (KS and Wasserstein from profiles); ``None`` means exact.
    """

    value: float
    p_value: float | None = None
    error_bound: float | None = None


def finite_values(values: Any) -> FloatArray:
    """The finite float values of an array-like: missing, invalid and infinite entries dropped."""
    x, _ = to_float(values)
    return x[np.isfinite(x)]


def check_sizes(name: str, n_ref: int, n_cur: int) -> None:
    if n_ref == 0 or n_cur == 0:
        raise DataError(EMPTY_INPUT.format(name=name, n_ref=n_ref, n_cur=n_cur))


def numeric_pair(
    reference: ColumnSketch, current: ColumnSketch
) -> tuple[NumericSketch, NumericSketch]:
    if isinstance(reference, NumericSketch) and isinstance(current, NumericSketch):
        return reference, current
    raise DataError(
        f"Expected numeric sketches of column {reference.spec.name!r}; "
        f"got {type(reference).__name__} and {type(current).__name__}."
    )


def categorical_pair(
    reference: ColumnSketch, current: ColumnSketch
) -> tuple[CategoricalSketch, CategoricalSketch]:
    if isinstance(reference, CategoricalSketch) and isinstance(current, CategoricalSketch):
        return reference, current
    raise DataError(
        f"Expected categorical sketches of column {reference.spec.name!r}; "
        f"got {type(reference).__name__} and {type(current).__name__}."
    )


def coarse_counts(sketch: NumericSketch) -> FloatArray:
    """Counts on the reference-quantile bins (PSI, Jensen-Shannon), summed from the grid cells."""
    spec = sketch.spec
    counts = np.bincount(spec.cell_bins, weights=sketch.counts, minlength=spec.n_bins)
    return counts.astype(np.float64)


def category_table(
    reference: CategoricalSketch, current: CategoricalSketch
) -> tuple[list[str], FloatArray, FloatArray]:
    """Counts over the union of categories: the reference's, the unseen ones, then ``__other__``."""
    keys = sorted(set(reference.unseen) | set(current.unseen))
    labels = [*reference.spec.categories, *keys]
    ref = np.concatenate([reference.counts, [reference.unseen.get(k, 0) for k in keys]])
    cur = np.concatenate([current.counts, [current.unseen.get(k, 0) for k in keys]])
    if reference.n_pooled or current.n_pooled:
        labels.append(OTHER)
        ref = np.append(ref, reference.n_pooled)
        cur = np.append(cur, current.n_pooled)
    return labels, ref.astype(np.float64), cur.astype(np.float64)


def raw_bin_counts(
    name: str, reference: Any, current: Any, n_bins: int
) -> tuple[FloatArray, FloatArray]:
    """Counts of two raw samples on ``n_bins`` reference-quantile bins ``(e_{i-1}, e_i]``."""
    ref, cur = finite_values(reference), finite_values(current)
    check_sizes(name, ref.size, cur.size)
    edges = quantile_edges(ref, n_bins)
    size = edges.size + 1
    ref_counts = np.bincount(np.searchsorted(edges, ref, side="left"), minlength=size)
    cur_counts = np.bincount(np.searchsorted(edges, cur, side="left"), minlength=size)
    return ref_counts.astype(np.float64), cur_counts.astype(np.float64)


def raw_counts(
    name: str, reference: Any, current: Any, *, kind: str, n_bins: int
) -> tuple[FloatArray, FloatArray]:
    """Counts of two raw samples on numeric bins or over the union of categories."""
    if kind == "categorical":
        _, ref_counts, cur_counts = raw_table(reference, current)
        check_sizes(name, int(ref_counts.sum()), int(cur_counts.sum()))
        return ref_counts, cur_counts
    return raw_bin_counts(name, reference, current, n_bins)


def profile_counts(reference: ColumnSketch, current: ColumnSketch) -> tuple[FloatArray, FloatArray]:
    """Counts of two sketches on the spec's numeric bins or over the union of categories."""
    if isinstance(reference, NumericSketch):
        ref, cur = numeric_pair(reference, current)
        return coarse_counts(ref), coarse_counts(cur)
    ref_c, cur_c = categorical_pair(reference, current)
    _, ref_counts, cur_counts = category_table(ref_c, cur_c)
    return ref_counts, cur_counts


def raw_table(reference: Any, current: Any) -> tuple[list[str], FloatArray, FloatArray]:
    """Category counts of two raw arrays over the union of their categories (missing dropped)."""
    counts: list[dict[str, int]] = []
    for values in (reference, current):
        counted = pc.value_counts(to_strings(values).drop_null())
        labels = counted.field("values").to_pylist()
        counts.append(dict(zip(labels, counted.field("counts").to_pylist(), strict=True)))
    union = sorted(set(counts[0]) | set(counts[1]))
    ref = np.array([counts[0].get(k, 0) for k in union], dtype=np.float64)
    cur = np.array([counts[1].get(k, 0) for k in union], dtype=np.float64)
    return union, ref, cur
