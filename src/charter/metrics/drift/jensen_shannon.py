"""Jensen-Shannon distance (natural logarithm) on reference-quantile bins or categories.

``JS = sqrt((KL(p || m) + KL(q || m)) / 2)`` with ``m = (p + q) / 2``, computed by
``scipy.spatial.distance.jensenshannon`` with its default base *e*, so it lies in
``[0, sqrt(ln 2) ~= 0.833]``. Base *e* is what Evidently uses, so its 0.1 threshold means the same
here; a base-2 distance is this value divided by ``sqrt(ln 2)``. Numeric columns use the same
``n_bins`` reference-quantile bins as PSI, categorical columns the union of categories; no
epsilon is needed (the distance is finite with empty bins). The profile version is exact on the
reference spec's bins.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.spatial import distance

from charter.metrics.drift._common import FloatArray, Kind, Statistic, profile_counts, raw_counts
from charter.metrics.sketch import ColumnSketch

__all__ = ["compute_jensen_shannon", "jensen_shannon_from_counts", "jensen_shannon_from_profiles"]


def jensen_shannon_from_counts(reference_counts: FloatArray, current_counts: FloatArray) -> float:
    """Jensen-Shannon distance (base e) of two count vectors over the same bins."""
    with np.errstate(invalid="ignore"):
        value = float(distance.jensenshannon(reference_counts, current_counts))
    # Rounding can leave the divergence a hair below zero for near-identical shares: sqrt -> NaN.
    return 0.0 if math.isnan(value) else value


def compute_jensen_shannon(
    reference: Any, current: Any, *, kind: Kind = "numeric", n_bins: int = 10
) -> float:
    """Jensen-Shannon distance of two raw samples on the reference's bins or categories.

    Parameters
    ----------
    reference, current
        Array-likes; missing (and for numeric columns infinite) values are dropped.
    kind
        ``"numeric"`` bins on ``n_bins`` reference quantiles; ``"categorical"`` uses categories.
    n_bins
        Number of reference-quantile bins for numeric columns.

    Returns
    -------
    float
        The distance in ``[0, sqrt(ln 2)]``; equal to ``scipy.spatial.distance.jensenshannon``
        of the two count vectors.

    Raises
    ------
    DataError
        When either side has no present value.
    """
    ref_counts, cur_counts = raw_counts(
        "Jensen-Shannon", reference, current, kind=kind, n_bins=n_bins
    )
    return jensen_shannon_from_counts(ref_counts, cur_counts)


def jensen_shannon_from_profiles(reference: ColumnSketch, current: ColumnSketch) -> Statistic:
    """Jensen-Shannon distance of two sketches of one column (exact on the spec's bins)."""
    return Statistic(jensen_shannon_from_counts(*profile_counts(reference, current)))
