"""Chi-square test of homogeneity on the 2 x k table of reference and current category counts.

The statistic and p-value equal ``scipy.stats.chi2_contingency(table, correction=False)`` on the
table whose columns are the union of both sides' categories (categories absent from both are
dropped; a table with one category gives 0 and p = 1). This is a contingency test, not Evidently's
goodness-of-fit test (current counts against reference shares, which treats the reference as
exact). With two categories it equals the pooled two-proportion z-test (statistic = z squared, same
p-value), so binary columns need no separate test. From profiles it is exact as long as there are
fewer unseen categories than the cap; beyond it the rarest pool into ``__other__``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from charter.metrics.drift._common import (
    FloatArray,
    Statistic,
    categorical_pair,
    category_table,
    check_sizes,
    raw_table,
)
from charter.metrics.sketch import ColumnSketch

__all__ = ["chi2_from_counts", "chi2_from_profiles", "compute_chi2"]


def chi2_from_counts(reference_counts: FloatArray, current_counts: FloatArray) -> Statistic:
    """Chi-square statistic and p-value of two count vectors over the same categories."""
    observed = np.vstack([reference_counts, current_counts])
    observed = observed[:, observed.sum(axis=0) > 0]
    dof = observed.shape[1] - 1
    if dof <= 0:
        return Statistic(0.0, 1.0)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    statistic = float(np.sum((observed - expected) ** 2 / expected))
    return Statistic(statistic, float(stats.chi2.sf(statistic, dof)))


def compute_chi2(reference: Any, current: Any) -> Statistic:
    """Chi-square contingency test of two raw categorical samples.

    Parameters
    ----------
    reference, current
        Array-likes of categories (compared as strings); missing values are dropped.

    Returns
    -------
    Statistic
        ``value`` and ``p_value`` as ``scipy.stats.chi2_contingency(..., correction=False)``.

    Raises
    ------
    DataError
        When either side has no present value.
    """
    _, ref_counts, cur_counts = raw_table(reference, current)
    check_sizes("Chi-square", int(ref_counts.sum()), int(cur_counts.sum()))
    return chi2_from_counts(ref_counts, cur_counts)


def chi2_from_profiles(reference: ColumnSketch, current: ColumnSketch) -> Statistic:
    """Chi-square statistic and p-value from two categorical sketches."""
    ref, cur = categorical_pair(reference, current)
    check_sizes("Chi-square", ref.n, cur.n)
    _, ref_counts, cur_counts = category_table(ref, cur)
    return chi2_from_counts(ref_counts, cur_counts)
