"""Mergeable data profiles: build a reference once, stream current windows against its bins.

Follows whylogs' shape: accumulate (``ProfileBuilder.update`` per Arrow batch), freeze
(``Profile``), merge frozen profiles (``Profile.merge``: associative and commutative, so windows and
Dask partitions combine in any order). Memory depends on the spec (bins, categories), never on rows.

Defaults: ``n_bins=10`` reference-quantile bins for PSI and Jensen-Shannon (SageMaker's 10 buckets),
a ``grid_size=200`` quantile grid for KS and Wasserstein, and at most ``max_categories=10_000``
categories per column; the rest pool into ``__other__`` so a category explosion cannot blow memory.
The reference is read once in full (exact quantiles keep PSI reproducible); only current windows
stream.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import pyarrow as pa

from charter.errors import DataError
from charter.metrics.sketch import (
    CategoricalColumnSpec,
    CategoricalSketch,
    ColumnSketch,
    NumericColumnSpec,
    NumericSketch,
    to_float,
    to_strings,
)

__all__ = [
    "ColumnKind",
    "ColumnQuality",
    "Profile",
    "ProfileBuilder",
    "QualityResult",
    "ReferenceSpec",
    "build_reference",
    "compare_quality",
    "profile_chunks",
    "profile_data",
]

ColumnSpec = NumericColumnSpec | CategoricalColumnSpec

MISSING_COLUMN = "The data has no column {name!r}; expected the columns of the reference: {names}."
SPEC_MISMATCH = "Profiles built on different reference specs cannot be combined ({a} vs {b})."


class ColumnKind(StrEnum):
    """How a column is summarised: binned on reference quantiles, or counted by category."""

    NUMERIC = "numeric"
    CATEGORICAL = "categorical"


@dataclass(frozen=True, eq=False)
class ReferenceSpec:
    """The reference's bins and categories for every monitored column; current data uses them."""

    columns: tuple[ColumnSpec, ...]
    fingerprint: str = field(init=False)

    def __post_init__(self) -> None:
        digest = hashlib.sha256()
        for spec in self.columns:
            digest.update(spec.name.encode() + b"\0")
            if isinstance(spec, NumericColumnSpec):
                digest.update(spec.edges.tobytes() + spec.bin_edges.tobytes())
                digest.update(repr((spec.bounds, spec.reference_std)).encode())
            else:
                digest.update("\0".join(spec.categories).encode())
                digest.update(repr((spec.is_truncated, spec.max_categories)).encode())
        object.__setattr__(self, "fingerprint", digest.hexdigest()[:16])

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.columns)

    def column(self, name: str) -> ColumnSpec:
        for spec in self.columns:
            if spec.name == name:
                return spec
        raise DataError(f"The reference has no column {name!r}; it has {list(self.names)}.")

    def kind(self, name: str) -> ColumnKind:
        spec = self.column(name)
        return ColumnKind.NUMERIC if isinstance(spec, NumericColumnSpec) else ColumnKind.CATEGORICAL

    def to_dict(self) -> dict[str, object]:
        return {
            "fingerprint": self.fingerprint,
            "columns": [spec.to_dict() for spec in self.columns],
        }


@dataclass(frozen=True, eq=False)
class Profile:
    """A frozen summary of some rows against a ``ReferenceSpec``; merge to combine windows."""

    spec: ReferenceSpec
    n_rows: int
    columns: Mapping[str, ColumnSketch]

    @classmethod
    def empty(cls, spec: ReferenceSpec) -> Profile:
        """The profile of no rows: the identity of ``merge``."""
        return cls(spec, 0, {s.name: _empty_sketch(s) for s in spec.columns})

    def __getitem__(self, name: str) -> ColumnSketch:
        return self.columns[name]

    def merge(self, other: Profile) -> Profile:
        """Combine two profiles of the same spec (associative and commutative)."""
        if other.spec.fingerprint != self.spec.fingerprint:
            raise DataError(SPEC_MISMATCH.format(a=self.spec.fingerprint, b=other.spec.fingerprint))
        merged = {
            name: _merge(sketch, other.columns[name]) for name, sketch in self.columns.items()
        }
        return Profile(self.spec, self.n_rows + other.n_rows, merged)

    def to_dict(self) -> dict[str, object]:
        """A JSON-safe summary (counts and moments; bins stay in the spec)."""
        out: dict[str, object] = {"fingerprint": self.spec.fingerprint, "n_rows": self.n_rows}
        out["columns"] = {name: _sketch_dict(sketch) for name, sketch in self.columns.items()}
        return out


class ProfileBuilder:
    """Accumulates batches into a profile in one streaming pass; ``freeze`` returns it."""

    def __init__(self, spec: ReferenceSpec) -> None:
        self.spec = spec
        self._profile = Profile.empty(spec)

    def update(self, batch: Any) -> ProfileBuilder:
        """Add one batch: an Arrow ``RecordBatch``/``Table``, a DataFrame or a mapping of arrays."""
        parts = batch.to_batches() if isinstance(batch, pa.Table) else [batch]
        for part in parts:
            n_rows, sketches = _sketch_batch(self.spec, part)
            self._profile = self._profile.merge(Profile(self.spec, n_rows, sketches))
        return self

    def freeze(self) -> Profile:
        return self._profile


def profile_data(spec: ReferenceSpec, data: Any, *, batch_rows: int = 65_536) -> Profile:
    """Profile ``data`` against ``spec`` in batches of ``batch_rows`` rows."""
    builder = ProfileBuilder(spec)
    for chunk in _slices(_as_frame(data), batch_rows):
        builder.update(chunk)
    return builder.freeze()


def profile_chunks(spec: ReferenceSpec, data: Any, *, n_chunks: int = 10) -> list[Profile]:
    """Split ``data`` into ``n_chunks`` contiguous chunks of nearly equal size; profile each."""
    frame = _as_frame(data)
    bounds = np.linspace(0, _num_rows(frame), n_chunks + 1).round().astype(int)
    return [
        ProfileBuilder(spec).update(_slice(frame, int(start), int(stop))).freeze()
        for start, stop in itertools.pairwise(bounds)
    ]


def build_reference(
    data: Any,
    *,
    numeric: Sequence[str] = (),
    categorical: Sequence[str] = (),
    bounds: Mapping[str, tuple[float, float]] | None = None,
    n_bins: int = 10,
    grid_size: int = 200,
    max_categories: int = 10_000,
) -> tuple[ReferenceSpec, Profile]:
    """Learn the bins and categories from reference data, and profile it on them.

    Parameters
    ----------
    data
        An Arrow ``Table``/``RecordBatch``, a pandas DataFrame or a mapping of column arrays.
    numeric, categorical
        The columns to monitor; a prediction score is just another numeric column.
    bounds
        Optional ``(min, max)`` per numeric column for the out-of-range rate.
    n_bins
        Reference-quantile bins for PSI and Jensen-Shannon (fewer when quantiles tie).
    grid_size
        Quantile-grid size for KS and Wasserstein; their error is about ``1 / grid_size``.
    max_categories
        Categories kept per column; the rarer rest pools into ``__other__``.

    Returns
    -------
    (ReferenceSpec, Profile)
        The spec to profile current windows with, and the reference's own profile.
    """
    if n_bins < 1 or grid_size < 1 or max_categories < 1:
        raise DataError(
            "n_bins, grid_size and max_categories must be positive; "
            f"got {n_bins}, {grid_size}, {max_categories}."
        )
    table = _as_frame(data)
    bounds = dict(bounds or {})
    specs: list[ColumnSpec] = []
    for name in numeric:
        values, _ = to_float(_column(table, name))
        finite = values[np.isfinite(values)]
        specs.append(
            NumericColumnSpec.from_reference(
                name, finite, n_bins=n_bins, grid_size=grid_size, bounds=bounds.get(name)
            )
        )
    for name in categorical:
        strings = to_strings(_column(table, name))
        specs.append(
            CategoricalColumnSpec.from_reference(name, strings, max_categories=max_categories)
        )
    spec = ReferenceSpec(tuple(specs))
    return spec, profile_data(spec, table)


@dataclass(frozen=True)
class ColumnQuality:
    """Data-quality rates of one column in a window, with the reference's for comparison."""

    column: str
    kind: ColumnKind
    n_rows: int
    missing_rate: float | None
    reference_missing_rate: float | None
    missing_rate_increase: float | None
    invalid_rate: float | None
    out_of_range_rate: float | None
    unseen_rate: float | None
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {**self.__dict__, "kind": str(self.kind)}


@dataclass(frozen=True)
class QualityResult:
    """Row count and per-column quality of a window against the reference."""

    n_rows: int
    reference_n_rows: int
    columns: tuple[ColumnQuality, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "n_rows": self.n_rows,
            "reference_n_rows": self.reference_n_rows,
            "columns": [column.to_dict() for column in self.columns],
        }


def compare_quality(reference: Profile, current: Profile) -> QualityResult:
    """Missing, invalid, out-of-range and unseen-category rates of ``current``.

    Rates are shares of the window's rows (out-of-range and unseen: of its present values). An
    infinite value always counts as out of range; finite values count when the spec has bounds.
    An empty window gives ``None`` rates with the reason "no rows in window", never NaN.
    """
    out = []
    for spec in current.spec.columns:
        ref, cur = reference.columns[spec.name], current.columns[spec.name]
        out.append(_column_quality(spec, ref, cur))
    return QualityResult(current.n_rows, reference.n_rows, tuple(out))


def _column_quality(spec: ColumnSpec, ref: ColumnSketch, cur: ColumnSketch) -> ColumnQuality:
    kind = ColumnKind.NUMERIC if isinstance(spec, NumericColumnSpec) else ColumnKind.CATEGORICAL
    if cur.n_rows == 0:
        return ColumnQuality(
            spec.name, kind, 0, None, None, None, None, None, None, "no rows in window"
        )
    ref_missing = ref.n_missing / ref.n_rows if ref.n_rows else None
    missing = cur.n_missing / cur.n_rows
    increase = missing - ref_missing if ref_missing is not None else None
    invalid = out_of_range = unseen = None
    reason = ""
    if isinstance(cur, NumericSketch):
        invalid = cur.n_invalid / cur.n_rows
        present = cur.n + cur.n_infinite
        if present:
            out_of_range = (cur.n_infinite + cur.n_below + cur.n_above) / present
    elif isinstance(cur, CategoricalSketch):
        invalid = 0.0
        if cur.spec.is_truncated:
            reason = f"reference has over {cur.spec.max_categories} categories: unseen rate unknown"
        elif cur.n:
            unseen = cur.n_not_in_reference / cur.n
    if not reason and (out_of_range is None and unseen is None):
        reason = "no present values in window"
    return ColumnQuality(
        spec.name, kind, cur.n_rows, missing, ref_missing, increase, invalid, out_of_range, unseen,
        reason,
    )  # fmt: skip


def _empty_sketch(spec: ColumnSpec) -> ColumnSketch:
    if isinstance(spec, NumericColumnSpec):
        return NumericSketch.empty(spec)
    return CategoricalSketch.empty(spec)


def _merge(a: ColumnSketch, b: ColumnSketch) -> ColumnSketch:
    if isinstance(a, NumericSketch) and isinstance(b, NumericSketch):
        return a.merge(b)
    if isinstance(a, CategoricalSketch) and isinstance(b, CategoricalSketch):
        return a.merge(b)
    raise DataError(f"Cannot merge a {type(a).__name__} with a {type(b).__name__}.")


def _sketch_dict(sketch: ColumnSketch) -> dict[str, object]:
    common: dict[str, object] = {"n_rows": sketch.n_rows, "n_missing": sketch.n_missing}
    if isinstance(sketch, NumericSketch):
        return {
            **common,
            "kind": "numeric",
            "n": sketch.n,
            "n_invalid": sketch.n_invalid,
            "n_infinite": sketch.n_infinite,
            "n_below": sketch.n_below,
            "n_above": sketch.n_above,
            "mean": sketch.mean if sketch.n else None,
            "std": sketch.std,
            "min": sketch.min,
            "max": sketch.max,
        }
    top = sorted(sketch.unseen.items(), key=lambda item: (-item[1], item[0]))[:20]
    return {
        **common,
        "kind": "categorical",
        "n": sketch.n,
        "counts": dict(zip(sketch.spec.categories, sketch.counts.tolist(), strict=True)),
        "top_unseen": dict(top),
        "n_pooled": sketch.n_pooled,
    }


def _sketch_batch(spec: ReferenceSpec, batch: Any) -> tuple[int, dict[str, ColumnSketch]]:
    sketches: dict[str, ColumnSketch] = {}
    n_rows = 0
    for column in spec.columns:
        values = _column(batch, column.name)
        if isinstance(column, NumericColumnSpec):
            sketches[column.name] = NumericSketch.from_values(column, values)
        else:
            sketches[column.name] = CategoricalSketch.from_values(column, values)
        n_rows = sketches[column.name].n_rows
    if not spec.columns:
        n_rows = _num_rows(batch)
    return n_rows, sketches


def _column(data: Any, name: str) -> Any:
    try:
        if isinstance(data, pa.Table | pa.RecordBatch):
            return data.column(name)
        return data[name]
    except (KeyError, IndexError) as exc:
        names = list(getattr(data, "column_names", None) or list(getattr(data, "keys", list)()))
        raise DataError(MISSING_COLUMN.format(name=name, names=names)) from exc


def _num_rows(data: Any) -> int:
    if isinstance(data, pa.Table | pa.RecordBatch):
        return int(data.num_rows)
    if isinstance(data, Mapping):
        return len(next(iter(data.values()))) if data else 0
    return len(data)


def _as_frame(data: Any) -> Any:
    """Arrow stays Arrow; other inputs become a dict of Arrow arrays (object arrays if mixed)."""
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    if isinstance(data, Mapping):
        return {str(name): _arrow(values) for name, values in data.items()}
    names = getattr(data, "columns", None)
    if names is None:
        raise DataError(
            f"Expected an Arrow table, a DataFrame or a mapping of arrays; got {type(data)}."
        )
    return {str(name): _arrow(data[name]) for name in names}


def _arrow(values: Any) -> Any:
    # A mixed-type column has no Arrow type; keep its Python objects for the sketches to sort out.
    try:
        return pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        return np.asarray(values, dtype=object).ravel()


def _slices(frame: Any, batch_rows: int) -> Iterable[Any]:
    if isinstance(frame, pa.Table):
        return list(frame.to_batches(max_chunksize=batch_rows))
    n_rows = _num_rows(frame)
    return (
        {name: values[start : start + batch_rows] for name, values in frame.items()}
        for start in range(0, max(n_rows, 1), batch_rows)
    )


def _slice(frame: Any, start: int, stop: int) -> Any:
    if isinstance(frame, pa.Table):
        return frame.slice(start, stop - start)
    return {name: values[start:stop] for name, values in frame.items()}
