"""Pure metric computations for the validation gate and monitoring: NumPy in, frozen results out.

No I/O and no state, so every function can be checked against an oracle (scikit-learn, Fairlearn)
and run on any engine. Performance metrics are named (``CLASSIFICATION_METRICS``,
``REGRESSION_METRICS``) so the charter's thresholds can refer to them.
"""

from __future__ import annotations

from charter.metrics.bootstrap import (
    Interval,
    bootstrap_metric,
    bootstrap_metrics,
    paired_bootstrap_difference,
)
from charter.metrics.calibration import CalibrationBin, CalibrationResult, calibration
from charter.metrics.cbpe import CBPE_METRICS, CBPEModel, PerformanceEstimate, fit_cbpe
from charter.metrics.domain_classifier import DomainClassifierResult, domain_classifier
from charter.metrics.explain import (
    ImportanceResult,
    ReasonCode,
    permutation_importance,
    reason_codes,
)
from charter.metrics.fairness import (
    FAIRNESS_METRICS,
    FairnessResult,
    GroupRates,
    fairness_metrics,
    group_rates,
)
from charter.metrics.performance import (
    CLASSIFICATION_METRICS,
    HIGHER_IS_BETTER,
    REGRESSION_METRICS,
    compute_metric,
    compute_metrics,
)

__all__ = [
    "CBPE_METRICS",
    "CLASSIFICATION_METRICS",
    "FAIRNESS_METRICS",
    "HIGHER_IS_BETTER",
    "REGRESSION_METRICS",
    "CBPEModel",
    "CalibrationBin",
    "CalibrationResult",
    "DomainClassifierResult",
    "FairnessResult",
    "GroupRates",
    "ImportanceResult",
    "Interval",
    "PerformanceEstimate",
    "ReasonCode",
    "bootstrap_metric",
    "bootstrap_metrics",
    "calibration",
    "compute_metric",
    "compute_metrics",
    "domain_classifier",
    "fairness_metrics",
    "fit_cbpe",
    "group_rates",
    "paired_bootstrap_difference",
    "permutation_importance",
    "reason_codes",
]
