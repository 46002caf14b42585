"""Population stability index on reference-quantile bins (numeric) or categories.

``PSI = sum_i (p_i - q_i) * ln(p_i / q_i)`` over reference shares ``p`` and current shares ``q``.
Numeric columns use ``n_bins`` (default 10) reference-quantile bins ``(e_{i-1}, e_i]`` with
NumPy's linear quantiles; tied quantiles merge bins, so a constant reference gets two bins
(``<= c`` and ``> c``). Categorical columns use the union of both sides' categories. An empty bin's
share is floored at ``PSI_EPSILON = 1e-4`` (as Evidently does) without renormalising, so the
statistic stays finite. The profile version counts on the reference spec's bins and is exact:
it equals ``compute_psi`` on the raw rows. Conventional reading: < 0.1 stable, 0.1-0.25 moderate,
> 0.25 significant.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from charter.metrics.drift._common import FloatArray, Kind, Statistic, profile_counts, raw_counts
from charter.metrics.sketch import ColumnSketch

__all__ = ["PSI_EPSILON", "compute_psi", "psi_from_counts", "psi_from_profiles"]

PSI_EPSILON = 1e-4


def psi_from_counts(reference_counts: FloatArray, current_counts: FloatArray) -> float:
    """PSI of two count vectors over the same bins, empty shares floored at ``PSI_EPSILON``."""
    p = reference_counts / reference_counts.sum()
    q = current_counts / current_counts.sum()
    p = np.where(p == 0, PSI_EPSILON, p)
    q = np.where(q == 0, PSI_EPSILON, q)
    return float(np.sum((p - q) * np.log(p / q)))


def compute_psi(reference: Any, current: Any, *, kind: Kind = "numeric", n_bins: int = 10) -> float:
    """PSI of two raw samples.

    Parameters
    ----------
    reference, current
        Array-likes; missing values (and, for numeric columns, infinite ones) are dropped.
    kind
        ``"numeric"`` bins on reference quantiles; ``"categorical"`` compares category shares.
    n_bins
        Number of reference-quantile bins for numeric columns (fewer when quantiles tie).

    Returns
    -------
    float
        The PSI, >= 0.

    Raises
    ------
    DataError
        When either side has no present value.
    """
    ref_counts, cur_counts = raw_counts("PSI", reference, current, kind=kind, n_bins=n_bins)
    return psi_from_counts(ref_counts, cur_counts)


def psi_from_profiles(reference: ColumnSketch, current: ColumnSketch) -> Statistic:
    """PSI of two sketches of one column (exact on the reference spec's bins)."""
    return Statistic(psi_from_counts(*profile_counts(reference, current)))
