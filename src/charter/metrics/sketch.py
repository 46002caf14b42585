"""Mergeable column sketches: a quantile-grid histogram for numbers, a capped category counter.

A sketch summarises one column of one batch in memory that does not grow with the row count, and two
sketches of the same column spec add up exactly (counts are integers), so windows, batches and Dask
partitions combine in any order.

Numeric cells. A column spec holds ``edges`` g_0 < … < g_{m-1}: the reference quantiles (a fine
grid, or the distinct reference values when there are few) united with the coarse PSI bin edges.
Each finite value falls in one of ``2m + 1`` cells: cell ``2j`` is the open interval
(g_{j-1}, g_j) (with g_{-1} = -inf, g_m = +inf) and cell ``2j + 1`` is the point {g_j}. Point cells
make the CDF known exactly at every edge and just before it, which is what bounds the KS and
Wasserstein approximations (see ``charter.metrics.drift.ks``/``wasserstein``). Each cell also keeps
the sum of its values' offsets from an anchor (the cell's left edge; g_0 for the lower tail), enough
to integrate the CDF over the cell exactly.

Missing values: null and NaN are *missing*; values of the wrong type (a string that is not a number
in a numeric column) are *invalid*; +-inf are *infinite*. None of them enter the distribution, and
``charter.metrics.profile`` reports them as data quality (infinite values count as out of range).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "OTHER",
    "CategoricalColumnSpec",
    "CategoricalSketch",
    "ColumnSketch",
    "NumericColumnSpec",
    "NumericSketch",
    "quantile_edges",
    "to_float",
    "to_strings",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

OTHER = "__other__"
"""The pooled bucket for categories beyond the cap (both sides of a comparison use it)."""


def quantile_edges(finite_values: FloatArray, n_bins: int) -> FloatArray:
    """Inner edges of ``n_bins`` reference-quantile bins (NumPy linear quantiles, de-duplicated)."""
    if finite_values.size == 0 or n_bins < 2:
        return np.empty(0, dtype=np.float64)
    levels = np.arange(1, n_bins, dtype=np.float64) / n_bins
    return np.unique(np.quantile(finite_values, levels))


def _frozen(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class NumericColumnSpec:
    """The reference's grid for one numeric column; current windows are counted on it."""

    name: str
    edges: FloatArray
    bin_edges: FloatArray
    reference_std: float | None
    bounds: tuple[float, float] | None = None
    cell_bins: IntArray = field(init=False, repr=False)
    anchors: FloatArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        edges, m = self.edges, self.edges.size
        left = np.concatenate([[-np.inf], edges])  # each open cell's left edge
        open_bins = np.searchsorted(self.bin_edges, left, side="right")
        point_bins = np.searchsorted(self.bin_edges, edges, side="left")
        cell_bins = np.empty(2 * m + 1, dtype=np.int64)
        cell_bins[0::2], cell_bins[1::2] = open_bins, point_bins
        anchors = np.zeros(2 * m + 1, dtype=np.float64)
        if m:
            anchors[0], anchors[2::2], anchors[1::2] = edges[0], edges, edges
        object.__setattr__(self, "cell_bins", _frozen(cell_bins))
        object.__setattr__(self, "anchors", _frozen(anchors))
        _frozen(self.edges)
        _frozen(self.bin_edges)

    @classmethod
    def from_reference(
        cls,
        name: str,
        finite_values: FloatArray,
        *,
        n_bins: int,
        grid_size: int,
        bounds: tuple[float, float] | None = None,
    ) -> NumericColumnSpec:
        """Grid = distinct values when there are at most ``grid_size + 1``, else quantiles."""
        bin_edges = quantile_edges(finite_values, n_bins)
        if finite_values.size == 0:
            return cls(name, np.empty(0), bin_edges, None, bounds)
        distinct = np.unique(finite_values)
        if distinct.size > grid_size + 1:
            distinct = np.unique(np.quantile(finite_values, np.linspace(0.0, 1.0, grid_size + 1)))
        edges = np.union1d(distinct, bin_edges)
        return cls(name, edges, bin_edges, float(np.std(finite_values)), bounds)

    @property
    def n_cells(self) -> int:
        return 2 * self.edges.size + 1

    @property
    def n_bins(self) -> int:
        return self.bin_edges.size + 1

    def cells(self, finite_values: FloatArray) -> npt.NDArray[np.intp]:
        """The cell index of each finite value (vectorised binary search)."""
        m = self.edges.size
        if m == 0:
            return np.zeros(finite_values.size, dtype=np.intp)
        below = np.searchsorted(self.edges, finite_values, side="left")
        is_point = self.edges[np.minimum(below, m - 1)] == finite_values
        cells: npt.NDArray[np.intp] = 2 * below + is_point
        return cells

    def cell_counts(self, sorted_finite: FloatArray) -> IntArray:
        """Counts per cell of sorted finite values: two searches per edge, none per value."""
        if self.edges.size == 0:
            return np.array([sorted_finite.size], dtype=np.int64)
        bounds = np.empty(2 * self.edges.size + 2, dtype=np.int64)
        bounds[0], bounds[-1] = 0, sorted_finite.size
        bounds[1:-1:2] = np.searchsorted(sorted_finite, self.edges, side="left")
        bounds[2:-1:2] = np.searchsorted(sorted_finite, self.edges, side="right")
        return np.diff(bounds)

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kind": "numeric",
            "n_bins": self.n_bins,
            "bin_edges": self.bin_edges.tolist(),
            "n_grid_edges": int(self.edges.size),
            "reference_std": self.reference_std,
            "bounds": list(self.bounds) if self.bounds is not None else None,
        }


@dataclass(frozen=True, eq=False)
class CategoricalColumnSpec:
    """The reference's categories for one column, most frequent first, capped."""

    name: str
    categories: tuple[str, ...]
    is_truncated: bool
    max_categories: int
    value_set: pa.Array = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "value_set", pa.array(self.categories, type=pa.string()))

    @classmethod
    def from_reference(
        cls, name: str, values: pa.Array, *, max_categories: int
    ) -> CategoricalColumnSpec:
        labels, counts = _value_counts(values)
        order = sorted(range(len(labels)), key=lambda i: (-counts[i], labels[i]))
        kept = tuple(labels[i] for i in order[:max_categories])
        return cls(name, kept, len(labels) > max_categories, max_categories)

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kind": "categorical",
            "n_categories": len(self.categories),
            "is_truncated": self.is_truncated,
            "max_categories": self.max_categories,
        }


@dataclass(frozen=True, eq=False)
class NumericSketch:
    """Counts on the spec's cells plus moments, extremes and quality counters of one column."""

    spec: NumericColumnSpec
    n_rows: int
    n_missing: int
    n_invalid: int
    n_infinite: int
    n_below: int
    n_above: int
    counts: IntArray
    offsets: FloatArray
    mean: float
    m2: float
    min: float | None
    max: float | None

    @property
    def n(self) -> int:
        """Finite values counted in the distribution."""
        return int(self.counts.sum())

    @classmethod
    def empty(cls, spec: NumericColumnSpec) -> NumericSketch:
        zeros = np.zeros(spec.n_cells, dtype=np.int64)
        return cls(spec, 0, 0, 0, 0, 0, 0, zeros, np.zeros(spec.n_cells), 0.0, 0.0, None, None)

    @classmethod
    def from_values(cls, spec: NumericColumnSpec, values: Any) -> NumericSketch:
        """Sketch one batch of a column (any array-like; see ``to_float``).

        Sorting the batch and locating the few edges in it is ~5x faster than a binary search
        per value, and gives the extremes and the bound counts for free.
        """
        x, n_invalid = to_float(values)
        n_nan = int(np.count_nonzero(np.isnan(x)))
        finite = np.sort(x[np.isfinite(x)])
        counts = spec.cell_counts(finite)
        relative = finite - np.repeat(spec.anchors, counts)
        running = np.concatenate([[0.0], np.cumsum(relative)])
        stops = np.cumsum(counts)
        offsets = running[stops] - running[stops - counts]
        n_below = n_above = 0
        if spec.bounds is not None:
            n_below = int(np.searchsorted(finite, spec.bounds[0], side="left"))
            n_above = int(finite.size - np.searchsorted(finite, spec.bounds[1], side="right"))
        has = finite.size > 0
        mean = float(finite.mean()) if has else 0.0
        m2 = float(np.square(finite - mean).sum()) if has else 0.0
        return cls(
            spec,
            int(x.size),
            n_nan - n_invalid,
            n_invalid,
            int(x.size - finite.size) - n_nan,
            n_below,
            n_above,
            _frozen(counts),
            _frozen(offsets),
            mean,
            m2,
            float(finite[0]) if has else None,
            float(finite[-1]) if has else None,
        )

    def merge(self, other: NumericSketch) -> NumericSketch:
        """Add two sketches of the same column (Chan et al.'s update for mean and M2)."""
        n_a, n_b = self.n, other.n
        n = n_a + n_b
        delta = other.mean - self.mean
        mean = self.mean + delta * n_b / n if n else 0.0
        m2 = self.m2 + other.m2 + delta * delta * n_a * n_b / n if n else 0.0
        return NumericSketch(
            self.spec,
            self.n_rows + other.n_rows,
            self.n_missing + other.n_missing,
            self.n_invalid + other.n_invalid,
            self.n_infinite + other.n_infinite,
            self.n_below + other.n_below,
            self.n_above + other.n_above,
            _frozen(self.counts + other.counts),
            _frozen(self.offsets + other.offsets),
            mean,
            m2,
            _extreme(min, self.min, other.min),
            _extreme(max, self.max, other.max),
        )

    @property
    def std(self) -> float | None:
        """Population standard deviation of the finite values (None without any)."""
        return math.sqrt(self.m2 / self.n) if self.n else None


@dataclass(frozen=True, eq=False)
class CategoricalSketch:
    """Counts of the spec's categories, plus unseen ones itemised up to the cap."""

    spec: CategoricalColumnSpec
    n_rows: int
    n_missing: int
    counts: IntArray
    unseen: Mapping[str, int]
    n_pooled: int

    @property
    def n(self) -> int:
        """Non-missing values counted."""
        return int(self.counts.sum()) + sum(self.unseen.values()) + self.n_pooled

    @property
    def n_not_in_reference(self) -> int:
        return sum(self.unseen.values()) + self.n_pooled

    @classmethod
    def empty(cls, spec: CategoricalColumnSpec) -> CategoricalSketch:
        return cls(spec, 0, 0, _frozen(np.zeros(len(spec.categories), dtype=np.int64)), {}, 0)

    @classmethod
    def from_values(cls, spec: CategoricalColumnSpec, values: Any) -> CategoricalSketch:
        """Sketch one batch: one hash lookup per value, then integer counting.

        Dictionary-encoded input (Parquet, pandas categoricals) is counted on its codes and only
        its dictionary is looked up.
        """
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        if isinstance(values, pa.Array) and pa.types.is_dictionary(values.type):
            codes = pc.fill_null(values.indices, -1).to_numpy(zero_copy_only=False)
            tallies = np.bincount(codes + 1, minlength=len(values.dictionary) + 1)
            labels = to_strings(values.dictionary)
            n_missing = int(tallies[0]) + int(tallies[1:][labels.is_null().to_numpy(False)].sum())
            counts, new = _tally(spec, labels, tallies[1:])
            return cls._build(spec, len(values), n_missing, counts, new)
        strings = to_strings(values)
        index = pc.fill_null(pc.index_in(strings, value_set=spec.value_set), -1).to_numpy()
        tallies = np.bincount(index + 1, minlength=len(spec.categories) + 1)
        new = {}
        if int(tallies[0]) > strings.null_count:
            outside = pc.filter(strings, pc.and_(pc.equal(index, -1), strings.is_valid()))
            counted = pc.value_counts(outside)
            _, new = _tally(spec, counted.field("values"), counted.field("counts").to_numpy())
        return cls._build(spec, len(strings), strings.null_count, tallies[1:], new)

    @classmethod
    def _build(
        cls,
        spec: CategoricalColumnSpec,
        n_rows: int,
        n_missing: int,
        counts: npt.NDArray[Any],
        new: dict[str, int],
    ) -> CategoricalSketch:
        unseen, pooled = _cap(new, spec)
        return cls(spec, n_rows, n_missing, _frozen(counts.astype(np.int64)), unseen, pooled)

    def merge(self, other: CategoricalSketch) -> CategoricalSketch:
        """Add two sketches; unseen categories beyond the cap pool deterministically."""
        joined = dict(self.unseen)
        for label, count in other.unseen.items():
            joined[label] = joined.get(label, 0) + count
        unseen, pooled = _cap(joined, self.spec)
        return CategoricalSketch(
            self.spec,
            self.n_rows + other.n_rows,
            self.n_missing + other.n_missing,
            _frozen(self.counts + other.counts),
            unseen,
            self.n_pooled + other.n_pooled + pooled,
        )


ColumnSketch = NumericSketch | CategoricalSketch


def _cap(counts: dict[str, int], spec: CategoricalColumnSpec) -> tuple[dict[str, int], int]:
    # A truncated reference cannot tell unseen from rare-but-seen, so everything outside the kept
    # categories pools into OTHER; otherwise keep the largest (ties by label) and pool the rest.
    if spec.is_truncated:
        return {}, sum(counts.values())
    if len(counts) <= spec.max_categories:
        return counts, 0
    order = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    kept = dict(order[: spec.max_categories])
    return kept, sum(count for _, count in order[spec.max_categories :])


def _tally(
    spec: CategoricalColumnSpec, labels: pa.Array, tallies: npt.NDArray[Any]
) -> tuple[npt.NDArray[Any], dict[str, int]]:
    """Spread (label, count) pairs over the spec's categories and a dict of the others."""
    index = pc.fill_null(pc.index_in(labels, value_set=spec.value_set), -1).to_numpy()
    known = index >= 0
    counts = np.bincount(index[known], weights=tallies[known], minlength=len(spec.categories))
    new: dict[str, int] = {}
    present = labels.is_valid().to_numpy(zero_copy_only=False)
    outside = ~known & present
    names = pc.filter(labels, pa.array(outside)).to_pylist()
    for name, count in zip(names, tallies[outside].tolist(), strict=True):
        new[name] = new.get(name, 0) + int(count)
    return counts, new


def _extreme(pick: Any, a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    if b is None:
        return a
    return float(pick(a, b))


def _value_counts(strings: pa.Array) -> tuple[list[str], list[int]]:
    counted = pc.value_counts(strings.drop_null())
    return counted.field("values").to_pylist(), counted.field("counts").to_pylist()


# --- lenient conversion at the edge: Arrow, NumPy, pandas or lists in, one type out -------------


def _is_missing(value: object) -> bool:
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return True
    return isinstance(value, float) and math.isnan(value)


def _object_to_float(value: object) -> tuple[float, bool]:
    if _is_missing(value):
        return math.nan, False
    try:
        return float(value), False  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan, True


def _objects_to_float(values: npt.NDArray[Any]) -> tuple[FloatArray, int]:
    # The slow path, for mixed-type object columns only: one Python call per element.
    floats, invalid = np.frompyfunc(_object_to_float, 1, 2)(values)
    return np.asarray(floats, dtype=np.float64), int(np.count_nonzero(invalid.astype(bool)))


def to_float(values: Any) -> tuple[FloatArray, int]:
    """Float64 values with NaN for missing and invalid entries, and the count of invalid ones."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        kind = values.type
        if pa.types.is_dictionary(kind):
            return to_float(values.dictionary_decode())
        if pa.types.is_null(kind):
            return np.full(len(values), np.nan), 0
        numeric = (
            pa.types.is_integer(kind)
            or pa.types.is_floating(kind)
            or pa.types.is_boolean(kind)
            or pa.types.is_decimal(kind)
        )
        if numeric or pa.types.is_string(kind) or pa.types.is_large_string(kind):
            try:
                cast = pc.fill_null(pc.cast(values, pa.float64()), math.nan)
                return cast.to_numpy(zero_copy_only=False), 0
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass
        return _objects_to_float(np.asarray(values.to_pylist(), dtype=object))
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
        return values.astype(np.float64, copy=False).ravel(), 0
    try:
        return to_float(pa.array(values, from_pandas=True))
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        return _objects_to_float(np.asarray(values, dtype=object).ravel())


def _object_to_string(value: object) -> str | None:
    if _is_missing(value):
        return None
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    return str(value)


def to_strings(values: Any) -> pa.Array:
    """An Arrow string array with nulls for missing values (NaN and None)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        kind = values.type
        if pa.types.is_string(kind):
            return values
        if pa.types.is_dictionary(kind):
            return to_strings(values.dictionary_decode())
        if pa.types.is_floating(kind):
            values = pc.if_else(pc.is_nan(values), pa.scalar(None, kind), values)
        try:
            return pc.cast(values, pa.string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            objects = np.asarray(values.to_pylist(), dtype=object)
    else:
        try:
            return to_strings(pa.array(values, from_pandas=True))
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
            objects = np.asarray(values, dtype=object).ravel()
    strings = np.frompyfunc(_object_to_string, 1, 1)(objects)
    return pa.array(strings.tolist(), type=pa.string())
