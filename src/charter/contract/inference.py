"""Draft charter sections from a sample of data, so ``charter init --from-data`` starts close.

Inference only describes what the sample shows (types, observed ranges, category lists); the
owner still decides what production should accept. The literal string ``"?"`` counts as a missing
value, as in UCI Adult and other classic data sets, so such columns come out ``nullable``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from charter.contract.inputs import FeatureSpec, SensitiveSpec, TargetSpec
from charter.errors import DataError

__all__ = [
    "MAX_CATEGORIES",
    "MISSING_MARKERS",
    "InferredTarget",
    "infer_features",
    "infer_sensitive",
    "infer_target",
]

MAX_CATEGORIES = 50  # more distinct values than this and a text column is free text, not a category
MISSING_MARKERS = frozenset({"?"})


def _label(value: object) -> str:
    """A label as the charter writes it (``1.0`` -> ``"1"``, ``True`` -> ``"true"``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _clean(series: pd.Series) -> pd.Series:
    """The column with ``"?"`` markers turned into missing values (text columns only)."""
    if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
        stripped = series.map(lambda v: v.strip() if isinstance(v, str) else v)
        return stripped.where(~stripped.isin(list(MISSING_MARKERS)), None)
    return series


def _number(value: object) -> float:
    return float(value)  # type: ignore[arg-type]


def _numeric_spec(values: pd.Series, nullable: bool) -> FeatureSpec:
    present = values.dropna()
    if present.empty:
        return FeatureSpec(type="number", nullable=True)
    low, high = _number(present.min()), _number(present.max())
    if pd.api.types.is_integer_dtype(present):
        kind = "integer"
    elif not nullable and bool((present.astype("float64") % 1 == 0).all()):
        kind = "integer"  # whole floats with no gap: the column was an integer column
    else:
        kind = "number"
    if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
        return FeatureSpec(type=kind, nullable=nullable)
    return FeatureSpec(type=kind, min=low, max=high, nullable=nullable)


def _infer_column(series: pd.Series) -> FeatureSpec:
    values = _clean(series)
    nullable = bool(values.isna().any())
    if pd.api.types.is_bool_dtype(values):
        return FeatureSpec(type="boolean", nullable=nullable)
    if pd.api.types.is_datetime64_any_dtype(values):
        return FeatureSpec(type="datetime", nullable=nullable)
    if pd.api.types.is_timedelta64_dtype(values):
        return FeatureSpec(type="string", nullable=nullable)  # no duration type; kept as text
    if pd.api.types.is_numeric_dtype(values):
        return _numeric_spec(values, nullable)
    present = values.dropna()
    if not present.empty and bool(present.map(lambda v: isinstance(v, bool)).all()):
        return FeatureSpec(type="boolean", nullable=nullable)
    as_numbers = pd.to_numeric(present, errors="coerce")
    if (
        not present.empty
        and bool(as_numbers.notna().all())
        and not present.map(lambda v: isinstance(v, bool)).any()
    ):
        return _numeric_spec(as_numbers.reindex(values.index), nullable)
    labels = sorted({_label(v) for v in present})
    if 0 < len(labels) <= MAX_CATEGORIES:
        return FeatureSpec(type="category", categories=labels, nullable=nullable)
    return FeatureSpec(type="string", nullable=nullable)


def infer_features(frame: pd.DataFrame, *, exclude: Iterable[str] = ()) -> dict[str, FeatureSpec]:
    """One ``FeatureSpec`` per column of ``frame`` (in order), except the ``exclude``d ones.

    Integer columns become ``integer`` with the observed min/max; floats ``number`` (``integer``
    when every value is whole and none is missing); booleans ``boolean``; datetimes ``datetime``;
    text with at most 50 distinct values ``category`` (sorted list), otherwise ``string``.
    A column is ``nullable`` when the sample has a missing value (``"?"`` counts as missing).
    """
    skip = set(exclude)
    return {str(name): _infer_column(frame[name]) for name in frame.columns if name not in skip}


@dataclass(frozen=True)
class InferredTarget:
    """The task and target drawn from a target column, and a note to write beside them."""

    task: str
    target: TargetSpec
    note: str


def infer_target(series: pd.Series) -> InferredTarget:
    """Guess the task from the target column: two values -> binary (minority class positive),
    numbers with many values -> regression, up to 50 labels -> multiclass."""
    values = _clean(series).dropna()
    column = str(series.name)
    if values.empty:
        raise DataError(f"the target column '{column}' has no values in the sample")
    counts = values.map(_label).value_counts()
    if len(counts) == 2:
        ordered = counts.sort_index().sort_values(kind="stable")
        positive, count = str(ordered.index[0]), int(ordered.iloc[0])
        note = (
            f"positive class '{positive}' is the minority class ({count:,} of {len(values):,} "
            "rows); change it if the event of interest is the other class"
        )
        target = TargetSpec(column=column, positive=positive, classes=sorted(counts.index))
        return InferredTarget("binary_classification", target, note)
    numeric = pd.to_numeric(values, errors="coerce")
    if bool(numeric.notna().all()) and len(counts) > 20:
        return InferredTarget(
            "regression",
            TargetSpec(column=column),
            f"numeric target with {len(counts):,} distinct values: regression",
        )
    if 2 < len(counts) <= MAX_CATEGORIES:
        target = TargetSpec(column=column, classes=sorted(counts.index))
        return InferredTarget(
            "multiclass_classification", target, f"{len(counts)} classes: multiclass classification"
        )
    raise DataError(
        f"cannot infer a task from the target column '{column}' ({len(counts)} distinct values); "
        "write the task and target sections by hand"
    )


def infer_sensitive(frame: pd.DataFrame, columns: Iterable[str]) -> dict[str, SensitiveSpec]:
    """Sensitive attributes with the most frequent group as the fairness reference."""
    out: dict[str, SensitiveSpec] = {}
    for column in columns:
        values = _clean(frame[column]).dropna().map(_label)
        reference = str(values.value_counts().index[0]) if not values.empty else None
        out[column] = SensitiveSpec(reference=reference)
    return out
