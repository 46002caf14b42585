"""Checks that turn caller input into clean NumPy arrays once, at the edge of each computation.

Every message names the argument and the rule, and says what arrived, so a gate or an API client
can show it unchanged (``y_true and score must have the same length; got 10 and 9``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from charter.errors import DataError

__all__ = [
    "as_binary",
    "as_finite",
    "as_vector",
    "check_probability",
    "check_same_length",
    "json_float",
]

_SHOWN_VALUES = 5


def as_vector(values: Any, name: str) -> npt.NDArray[Any]:
    """Return ``values`` as a non-empty 1-D array (pandas Series and lists convert)."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise DataError(f"{name} must be one-dimensional; got shape {array.shape}")
    if array.size == 0:
        raise DataError(f"{name} must not be empty; got 0 rows")
    return array


def check_same_length(**arrays: npt.NDArray[Any]) -> int:
    """Return the common length of ``arrays``, or say which ones differ."""
    names = list(arrays)
    lengths = [len(array) for array in arrays.values()]
    if len(set(lengths)) > 1:
        raise DataError(
            f"{' and '.join(names)} must have the same length; "
            f"got {' and '.join(str(length) for length in lengths)}"
        )
    return lengths[0]


def as_binary(values: Any, name: str, *, purpose: str = "") -> npt.NDArray[np.bool_]:
    """Return 0/1 (or boolean) labels as a boolean array; anything else is a ``DataError``."""
    array = as_vector(values, name)
    if array.dtype == np.bool_:
        return array
    for_what = f" for {purpose}" if purpose else ""
    if array.dtype.kind not in "iuf":
        raise DataError(
            f"{name} must be binary (0/1 or bool){for_what}; got values of type {array.dtype}"
        )
    is_one: npt.NDArray[np.bool_] = array == 1
    bad = ~(is_one | (array == 0))
    if bad.any():
        shown = ", ".join(repr(v.item()) for v in np.unique(array[bad])[:_SHOWN_VALUES])
        raise DataError(f"{name} must be binary (0/1 or bool){for_what}; got {shown}")
    return is_one


def as_finite(values: Any, name: str) -> npt.NDArray[np.float64]:
    """Return numbers as a float64 array with no NaN or infinity."""
    array = as_vector(values, name)
    if array.dtype.kind not in "biuf":
        raise DataError(f"{name} must be numeric; got values of type {array.dtype}")
    array = array.astype(np.float64, copy=False)
    finite = np.isfinite(array)
    if not finite.all():
        n_nan = int(np.isnan(array).sum())
        n_inf = int(array.size - finite.sum()) - n_nan
        parts = [f"{n} {what}" for n, what in ((n_nan, "NaN"), (n_inf, "infinite")) if n]
        raise DataError(f"{name} must be finite; got {' and '.join(parts)} values")
    return array


def check_probability(array: npt.NDArray[np.float64], name: str, *, purpose: str) -> None:
    """Refuse scores outside [0, 1] where a probability is required."""
    low, high = float(array.min()), float(array.max())
    if low < 0.0 or high > 1.0:
        raise DataError(
            f"{name} must be a probability in [0, 1] for {purpose}; got min {low:g}, max {high:g}"
        )


def json_float(value: float) -> float | None:
    """A float that ``json.dumps`` writes as standard JSON: NaN and infinity become ``None``."""
    return float(value) if np.isfinite(value) else None
