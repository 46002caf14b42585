"""Wasserstein-1 distance normalised by the reference's spread, exact on rows, bounded on profiles.

``W = integral |F_ref(x) - F_cur(x)| dx / max(std_ref, 0.001)``, with ``std_ref`` the population
standard deviation (``ddof=0``) of the reference's finite values, as Evidently normalises; the
0.001 floor keeps a constant reference finite (any move of a constant column then scores high).
The unnormalised distance equals ``scipy.stats.wasserstein_distance``.

From profiles the integral is split at the grid edges. Over each open cell ``(a, b)`` the integral
of each CDF is exact, because the sketch keeps the sum of the values' offsets in the cell:
``integral_a^b F = (b - a) F(a) + sum_{v in cell} (b - v) / n``; the two tails are exact the same
way. So the signed integral ``I_j`` of the CDF difference over every cell is exact, and::

    sum_j |I_j| <= W_raw <= sum_j |I_j| + 2 (b_j - a_j) min(h_j, -l_j)   (cells where l_j < 0 < h_j)

where ``[l_j, h_j]`` is the range the difference can take inside cell ``j`` (its value at ``a``
minus the current's / plus the reference's share inside the cell). Cells where the difference
keeps one sign (the usual case under drift) and all point cells contribute exactly; the value
reported is the lower sum and ``error_bound`` the gap to the upper one, both normalised.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from charter.errors import DataError
from charter.metrics.drift._common import Statistic, check_sizes, finite_values, numeric_pair
from charter.metrics.sketch import ColumnSketch

__all__ = ["STD_FLOOR", "compute_wasserstein", "wasserstein_from_profiles"]

STD_FLOOR = 0.001


def compute_wasserstein(reference: Any, current: Any, *, normalize: bool = True) -> float:
    """Wasserstein-1 distance of two raw numeric samples.

    Parameters
    ----------
    reference, current
        Array-likes of numbers; missing, invalid and infinite values are dropped.
    normalize
        Divide by ``max(std(reference), 0.001)`` (the default, so 0.1 means a tenth of a
        reference standard deviation); ``False`` gives ``scipy.stats.wasserstein_distance``.

    Returns
    -------
    float
        The distance, >= 0.

    Raises
    ------
    DataError
        When either side has no finite value.
    """
    ref, cur = np.sort(finite_values(reference)), np.sort(finite_values(current))
    check_sizes("Wasserstein", ref.size, cur.size)
    pooled = np.sort(np.concatenate([ref, cur]))
    gap = (
        np.searchsorted(ref, pooled[:-1], side="right") / ref.size
        - np.searchsorted(cur, pooled[:-1], side="right") / cur.size
    )
    distance = float(np.sum(np.abs(gap) * np.diff(pooled)))
    return distance / max(float(np.std(ref)), STD_FLOOR) if normalize else distance


def wasserstein_from_profiles(reference: ColumnSketch, current: ColumnSketch) -> Statistic:
    """Normalised Wasserstein distance from two numeric sketches, with its error bound."""
    ref, cur = numeric_pair(reference, current)
    check_sizes("Wasserstein", ref.n, cur.n)
    edges = ref.spec.edges
    if edges.size == 0:
        raise DataError(f"The reference of column {ref.spec.name!r} has no finite values.")
    share_r, share_c = ref.counts / ref.n, cur.counts / cur.n
    offset_r, offset_c = ref.offsets / ref.n, cur.offsets / cur.n
    gap = np.cumsum(share_r) - np.cumsum(share_c)

    # Interior open cells 2j, j = 1..m-1, between edges[j-1] and edges[j].
    width = np.diff(edges)
    inner = slice(2, 2 * edges.size - 1, 2)
    at_left = gap[1 : 2 * edges.size - 2 : 2]
    area_r = share_r[inner] * width - offset_r[inner]
    area_c = share_c[inner] * width - offset_c[inner]
    signed = at_left * width + area_r - area_c
    high, low = at_left + share_r[inner], at_left - share_c[inner]
    straddles = (low < 0) & (high > 0)
    slack = np.minimum(
        2 * width * np.minimum(high, -low),
        np.abs(at_left) * width + area_r + area_c - np.abs(signed),
    )
    extra = float(np.sum(np.where(straddles, np.maximum(slack, 0.0), 0.0)))

    # Tails: below the reference minimum F = integral of (g_0 - v); above the maximum, (v - g_max).
    tail_low_r, tail_low_c = -offset_r[0], -offset_c[0]
    tail_high_r, tail_high_c = offset_r[-1], offset_c[-1]
    lower = (
        float(np.sum(np.abs(signed)))
        + abs(tail_low_r - tail_low_c)
        + abs(tail_high_c - tail_high_r)
    )
    extra += (tail_low_r + tail_low_c - abs(tail_low_r - tail_low_c)) + (
        tail_high_r + tail_high_c - abs(tail_high_c - tail_high_r)
    )
    norm = max(ref.spec.reference_std or 0.0, STD_FLOOR)
    return Statistic(float(lower / norm), None, float(extra / norm))
