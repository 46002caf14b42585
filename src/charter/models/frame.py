"""Bring a frame into the shape a model expects: the charter's features, in order, typed.

The charter's feature specs are read by duck typing (``FeatureLike``), so this core module does not
depend on how the contract package spells its classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn, Protocol

import numpy as np
import pandas as pd

from charter.errors import DataError
from charter.models.base import CategoricalDtype

__all__ = ["FeatureLike", "SensitiveLike", "coerce_frame", "feature_type", "select_inputs"]

FEATURE_TYPES = ("integer", "number", "category", "boolean", "string", "datetime")

_BOOL_WORDS: dict[str, bool] = {
    **dict.fromkeys(("true", "t", "yes", "y", "1", "1.0"), True),
    **dict.fromkeys(("false", "f", "no", "n", "0", "0.0"), False),
}


class FeatureLike(Protocol):
    """What Charter reads from a charter's feature spec."""

    @property
    def type(self) -> Any: ...

    @property
    def nullable(self) -> bool: ...


class SensitiveLike(Protocol):
    """What Charter reads from a charter's sensitive-attribute spec."""

    @property
    def allow_as_input(self) -> bool: ...


def feature_type(spec: FeatureLike) -> str:
    """The spec's type as a plain string, whether the contract stores it as str or Enum."""
    raw = spec.type
    value = str(getattr(raw, "value", raw))
    if value not in FEATURE_TYPES:
        raise DataError(
            f"unknown feature type {value!r}; expected one of {', '.join(FEATURE_TYPES)}"
        )
    return value


def coerce_frame(
    frame: pd.DataFrame,
    features: Mapping[str, FeatureLike],
    *,
    categorical_dtype: CategoricalDtype = "object",
) -> pd.DataFrame:
    """A new frame holding exactly the charter's features, in charter order, with model dtypes.

    integer/number become float64 (missing as NaN), category/string become object strings (missing
    as NaN, as pandas reads it, so encoders fitted on read data recognise it; or pandas
    ``category`` when ``categorical_dtype="category"``), boolean becomes bool
    (object with None when values are missing), datetime becomes datetime64. Other columns are
    left out and ``frame`` is not modified. A nullable feature absent from the frame becomes an
    all-missing column; an absent non-nullable feature raises ``DataError`` naming it.
    """
    if frame.columns.has_duplicates:
        dupes = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        raise DataError(f"the frame has duplicate columns: {', '.join(dupes)}")
    absent = [name for name, spec in features.items() if name not in frame.columns]
    required = [name for name in absent if not _is_nullable(features[name])]
    if required:
        raise DataError(f"the frame lacks the charter's feature(s): {', '.join(required)}")
    columns: dict[str, Any] = {}
    for name, spec in features.items():
        kind = feature_type(spec)
        if name in absent:
            values = np.full(len(frame), None, dtype=object)
        else:
            values = frame[name].to_numpy()
        columns[name] = _coerce_column(values, name, kind, categorical_dtype)
    out = pd.DataFrame(columns, copy=False)  # every column is already a fresh array
    out.index = frame.index
    return out


def select_inputs(frame: pd.DataFrame, names: tuple[str, ...] | None) -> pd.DataFrame:
    """The model's declared inputs in the model's own order (libraries check the order)."""
    if names is None or tuple(frame.columns) == names:
        return frame
    absent = [name for name in names if name not in frame.columns]
    if absent:
        raise DataError(f"the frame lacks the model's input(s): {', '.join(absent)}")
    return frame[list(names)]


def _is_nullable(spec: FeatureLike) -> bool:
    return bool(getattr(spec, "nullable", False))


# Coercion works on NumPy arrays, not Series: serving coerces one-row frames, where pandas'
# per-Series overhead would cost more than the model's own predict.


def _coerce_column(values: Any, name: str, kind: str, categorical_dtype: CategoricalDtype) -> Any:
    if kind in ("integer", "number"):
        return _to_float(values, name)
    if kind in ("category", "string"):
        strings = _to_strings(values)
        if kind == "category" and categorical_dtype == "category":
            return pd.Categorical(strings)
        return pd.Series(strings, dtype=object, copy=False)  # pandas 3 would infer ``str``
    if kind == "boolean":
        return _to_bool(values, name)
    return _to_datetime(values, name)


def _to_float(values: Any, name: str) -> np.ndarray:
    if values.dtype.kind in "biuf":
        return np.asarray(values, dtype=np.float64).copy()  # the input frame stays untouched
    # text, or nullable Int64/boolean with pd.NA, which to_numpy gives as objects
    converted = np.asarray(pd.to_numeric(values, errors="coerce"), dtype=np.float64)
    bad = np.isnan(converted) & ~pd.isna(values)
    if bad.any():
        raise DataError(f"{name}: expected a number, got {_shown(values[np.flatnonzero(bad)[0]])}")
    return converted


def _to_strings(values: Any) -> np.ndarray:
    out = np.array(values, dtype=object, copy=True)
    missing = pd.isna(out)
    present = ~missing
    if present.any() and pd.api.types.infer_dtype(out[present], skipna=False) != "string":
        out[present] = out[present].astype(str)
    out[missing] = np.nan
    return out


def _to_bool(values: Any, name: str) -> np.ndarray:
    if isinstance(values, np.ndarray) and values.dtype.kind == "b":
        return values.copy()
    objects = np.array(values, dtype=object, copy=True)
    missing = pd.isna(objects)
    present = objects[~missing]
    if present.size and pd.api.types.infer_dtype(present, skipna=False) == "boolean":
        flags = present.astype(bool)
    elif present.size and pd.api.types.is_number(present[0]):
        numbers = pd.to_numeric(present, errors="coerce").astype(np.float64)
        bad = ~np.isin(numbers, (0.0, 1.0))
        if bad.any():
            _raise_not_bool(name, present[np.flatnonzero(bad)[0]])
        flags = numbers == 1.0
    else:
        words = pd.Series(present.astype(str)).str.strip().str.lower().map(_BOOL_WORDS)
        bad_mask = words.isna().to_numpy()
        if bad_mask.any():
            _raise_not_bool(name, present[np.flatnonzero(bad_mask)[0]])
        flags = words.to_numpy(dtype=bool)
    if not missing.any():
        return np.asarray(flags, dtype=bool)
    out = np.full(len(objects), None, dtype=object)
    out[~missing] = flags
    return out


def _raise_not_bool(name: str, value: Any) -> NoReturn:
    raise DataError(f"{name}: expected a boolean (true/false or 0/1), got {_shown(value)}")


def _shown(value: Any) -> str:
    """``repr`` of a cell as the user wrote it (``2``, not NumPy 2's ``np.int64(2)``)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _to_datetime(values: Any, name: str) -> Any:
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.copy()
    try:
        return pd.to_datetime(values, format="mixed")
    except (ValueError, TypeError) as exc:
        raise DataError(f"{name}: expected a date-time: {exc}") from exc
