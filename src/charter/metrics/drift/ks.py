"""Two-sample Kolmogorov-Smirnov statistic, exact on raw rows and bounded on profiles.

``D = sup_x |F_ref(x) - F_cur(x)|`` over the empirical CDFs. The p-value is Smirnov's asymptotic
one, exactly as ``scipy.stats.ks_2samp(method="asymp")`` computes it (``kstwo.sf(D, round(n m /
(n + m)))``; alibi-detect uses the same), because it needs only the counts and so works on profiles
too; for samples under ~1000 rows it is slightly conservative against ``method="exact"``.

From profiles, the CDFs are known exactly at every grid edge and just before it (the sketch has a
point cell per edge), so ``D_profile = max`` over those points is a lower bound of ``D``. Inside an
open cell ``(g_{j-1}, g_j)`` the difference can move at most by the mass the cell holds, so::

    D_profile <= D <= max(D_profile, max_j max(d_j + r_j, c_j - d_j))

where ``d_j`` is the CDF difference at ``g_{j-1}`` and ``r_j``, ``c_j`` the reference and current
shares inside the open cell. With a quantile grid of ``m`` cells, ``r_j`` is about ``1 / m``, so
the error is at most about ``1/m`` plus the current's largest share in one open cell; it is zero
when every value sits on a grid edge (discrete columns with up to ``grid_size + 1`` values).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from charter.metrics.drift._common import Statistic, check_sizes, finite_values, numeric_pair
from charter.metrics.sketch import ColumnSketch

__all__ = ["compute_ks", "ks_from_profiles", "ks_p_value"]


def ks_p_value(statistic: float, n_reference: int, n_current: int) -> float:
    """Smirnov's asymptotic two-sided p-value, as ``ks_2samp(method="asymp")``."""
    m, n = sorted([float(n_reference), float(n_current)], reverse=True)
    effective = max(float(np.round(m * n / (m + n))), 1.0)  # two single rows round to 0
    return float(np.clip(stats.kstwo.sf(statistic, effective), 0.0, 1.0))


def compute_ks(reference: Any, current: Any) -> Statistic:
    """KS statistic and asymptotic p-value of two raw numeric samples.

    Parameters
    ----------
    reference, current
        Array-likes of numbers; missing, invalid and infinite values are dropped.

    Returns
    -------
    Statistic
        ``value`` equals ``ks_2samp(reference, current).statistic``; ``p_value`` equals
        ``ks_2samp(..., method="asymp").pvalue``.

    Raises
    ------
    DataError
        When either side has no finite value.
    """
    ref, cur = np.sort(finite_values(reference)), np.sort(finite_values(current))
    check_sizes("KS", ref.size, cur.size)
    pooled = np.concatenate([ref, cur])
    gap = (
        np.searchsorted(ref, pooled, side="right") / ref.size
        - np.searchsorted(cur, pooled, side="right") / cur.size
    )
    statistic = float(np.max(np.abs(gap)))
    return Statistic(statistic, ks_p_value(statistic, ref.size, cur.size))


def ks_from_profiles(reference: ColumnSketch, current: ColumnSketch) -> Statistic:
    """KS statistic from two numeric sketches, with its p-value and error bound (module doc)."""
    ref, cur = numeric_pair(reference, current)
    check_sizes("KS", ref.n, cur.n)
    ref_share = ref.counts / ref.n
    cur_share = cur.counts / cur.n
    gap = np.cumsum(ref_share) - np.cumsum(cur_share)
    statistic = float(np.max(np.abs(gap)))
    before = np.concatenate([[0.0], gap[1::2]])  # the gap at each open cell's left edge
    high = before + ref_share[0::2]
    low = before - cur_share[0::2]
    upper = max(statistic, float(np.max(np.maximum(np.abs(high), np.abs(low)))))
    return Statistic(statistic, ks_p_value(statistic, ref.n, cur.n), upper - statistic)
