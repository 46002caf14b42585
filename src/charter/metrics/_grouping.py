"""Integer group codes for sensitive attributes, and their intersections, without a row loop.

A pandas Series (or Index, or Categorical) is factorized by its own hash table through its
``factorize`` method, which is O(n); pandas itself is never imported here. Anything else goes
through ``np.unique`` (a sort). Groups are numbered in sorted order of their values, so results
come out in a stable, readable order; a missing value is a group of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from charter.errors import DataError

__all__ = ["Codes", "factorize", "intersect"]

Codes = tuple[npt.NDArray[np.intp], tuple[str, ...]]
_DENSE_LIMIT = 1 << 22


def _sorted_labels(uniques: npt.NDArray[Any]) -> npt.NDArray[np.intp]:
    """Order of ``uniques`` by value, or by text where values do not compare (mixed types)."""
    try:
        return np.argsort(uniques, kind="stable")
    except TypeError:
        return np.argsort(uniques.astype(str), kind="stable")


def factorize(values: Any, name: str) -> Codes:
    """Return ``(codes, labels)``: a code per row and the text label of each code."""
    if hasattr(values, "factorize") and not isinstance(values, np.ndarray):
        # The default NA sentinel (-1) is the fast path; missing values become the last group.
        raw_codes, raw_uniques = values.factorize()
        codes = np.asarray(raw_codes, dtype=np.intp)
        uniques = np.asarray(raw_uniques, dtype=object)
        if codes.ndim != 1:
            raise DataError(f"{name} must be one-dimensional; got shape {codes.shape}")
        missing = codes < 0
        if missing.any():
            codes = np.where(missing, uniques.size, codes)
            uniques = np.append(uniques, np.nan)
        order = _sorted_labels(uniques)
        rank = np.empty(order.size, dtype=np.intp)
        rank[order] = np.arange(order.size)
        return rank[codes], tuple(str(uniques[i]) for i in order)
    array = np.asarray(values)
    if array.ndim != 1:
        raise DataError(f"{name} must be one-dimensional; got shape {array.shape}")
    if array.dtype.kind not in "biuf":
        array = array.astype(str)
    uniques, inverse = np.unique(array, return_inverse=True)
    return inverse.astype(np.intp, copy=False), tuple(str(u) for u in uniques.tolist())


def intersect(parts: Sequence[Codes]) -> Codes:
    """Combine per-attribute codes into codes of the observed combinations, labelled ``a|b``."""
    codes, labels = parts[0]
    for next_codes, next_labels in parts[1:]:
        width = len(next_labels)
        combined = codes * width + next_codes
        size = len(labels) * width
        if size <= _DENSE_LIMIT:
            present = np.flatnonzero(np.bincount(combined, minlength=size))
            remap = np.zeros(size, dtype=np.intp)
            remap[present] = np.arange(present.size)
            codes = remap[combined]
        else:
            present, codes = np.unique(combined, return_inverse=True)
        labels = tuple(f"{labels[c // width]}|{next_labels[c % width]}" for c in present.tolist())
    return codes, labels
