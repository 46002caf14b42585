"""Drift statistics and verdicts: exact functions on raw arrays, streaming versions on profiles.

One statistic per module (``psi``, ``ks``, ``chi2``, ``wasserstein``, ``jensen_shannon``,
``unseen``), each with ``compute_*`` on raw arrays (equal to its SciPy oracle) and
``*_from_profiles`` on two column sketches. ``registry`` names them; ``verdict`` judges them.
"""

from __future__ import annotations

from charter.metrics.drift._common import Statistic
from charter.metrics.drift.chi2 import chi2_from_profiles, compute_chi2
from charter.metrics.drift.jensen_shannon import (
    compute_jensen_shannon,
    jensen_shannon_from_profiles,
)
from charter.metrics.drift.ks import compute_ks, ks_from_profiles
from charter.metrics.drift.psi import PSI_EPSILON, compute_psi, psi_from_profiles
from charter.metrics.drift.registry import METHODS, DriftMethod, default_method, get_method
from charter.metrics.drift.unseen import compute_unseen_share, unseen_share_from_profiles
from charter.metrics.drift.verdict import (
    DriftResult,
    DriftVerdict,
    FewChunksWarning,
    Status,
    Threshold,
    drift_between,
    judge_column,
    learn_thresholds,
)
from charter.metrics.drift.wasserstein import (
    STD_FLOOR,
    compute_wasserstein,
    wasserstein_from_profiles,
)

__all__ = [
    "METHODS",
    "PSI_EPSILON",
    "STD_FLOOR",
    "DriftMethod",
    "DriftResult",
    "DriftVerdict",
    "FewChunksWarning",
    "Statistic",
    "Status",
    "Threshold",
    "chi2_from_profiles",
    "compute_chi2",
    "compute_jensen_shannon",
    "compute_ks",
    "compute_psi",
    "compute_unseen_share",
    "compute_wasserstein",
    "default_method",
    "drift_between",
    "get_method",
    "jensen_shannon_from_profiles",
    "judge_column",
    "ks_from_profiles",
    "learn_thresholds",
    "psi_from_profiles",
    "unseen_share_from_profiles",
    "wasserstein_from_profiles",
]
