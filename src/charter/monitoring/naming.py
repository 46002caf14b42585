"""The names ``monitor`` stores its figures under, all in one place.

Every name is in the policy catalogue (``charter.contract.catalog.FAMILIES``), so a policy can
watch it: ``family.name``, ``family.name.agg`` or ``family.name[column]``. The bracket names a
feature (``drift.psi[age]``) or, for per-group figures, ``attribute=group``
(``prediction.positive_rate[sex=Female]``); per-group figures are stored for the report and are
not something a policy can name (the catalogue has no per-group form yet).

=======================================  =====================================================
name                                     figure
=======================================  =====================================================
``drift.share_drifted``                  share of judged features that alert
``drift.<method>[f]`` / ``.max/.mean``   a feature's drift statistic; max / mean over features
``quality.missing_rate[f]`` / ``.max``   missing, out-of-range and unseen-category rates
``quality.out_of_range_rate[f]``
``quality.unseen_category_rate[f]``
``quality.rejected_rate``                rows refused by the charter's input checks
``quality.volume_ratio``                 rows in the window / expected rows
``prediction.psi`` / ``.ks``             score distribution against the reference's
``prediction.positive_rate``             predicted positive rate; ``[attr=group]`` per group
``performance.<metric>``                 realized metric on labelled rows; ``performance.recall
                                         [attr=group]`` is a group's true positive rate
``fairness.<metric>``                    the charter's fairness bound (validation.fairness)
``serving.latency_p99_ms``               p99 latency of answered real-time requests
``serving.error_rate``                   errors / (answered + errors)
``delivery.missed_deadline``             batch runs in the window that missed their deadline
``delivery.late_minutes``                the latest run's lateness (0 when all were on time)
``revalidation.overdue``                 days past the periodic revalidation (0 when not due)
``estimated.*``, ``drift.domain_...``    from extra checks (``checks.WindowCheck``)
=======================================  =====================================================
"""

from __future__ import annotations

from charter.contract.catalog import is_known_metric
from charter.errors import ContractError

__all__ = [
    "DELIVERY_LATE_MINUTES",
    "DELIVERY_MISSED_DEADLINE",
    "DRIFT_SHARE",
    "PREDICTION_KS",
    "PREDICTION_POSITIVE_RATE",
    "PREDICTION_PSI",
    "QUALITY_REJECTED_RATE",
    "QUALITY_VOLUME_RATIO",
    "SERVING_ERROR_RATE",
    "SERVING_LATENCY_P99_MS",
    "base_name",
    "catalogue_error",
    "drift_aggregate",
    "drift_feature",
    "fairness_metric",
    "group_positive_rate",
    "group_true_positive_rate",
    "performance_metric",
    "quality_aggregate",
    "quality_feature",
    "require_known",
]

DRIFT_SHARE = "drift.share_drifted"
QUALITY_REJECTED_RATE = "quality.rejected_rate"
QUALITY_VOLUME_RATIO = "quality.volume_ratio"
PREDICTION_PSI = "prediction.psi"
PREDICTION_KS = "prediction.ks"
PREDICTION_POSITIVE_RATE = "prediction.positive_rate"
SERVING_LATENCY_P99_MS = "serving.latency_p99_ms"
SERVING_ERROR_RATE = "serving.error_rate"
DELIVERY_MISSED_DEADLINE = "delivery.missed_deadline"
DELIVERY_LATE_MINUTES = "delivery.late_minutes"

QUALITY_RATES = ("missing_rate", "out_of_range_rate", "unseen_category_rate")


def _column(text: str) -> str:
    """A bracket's content: brackets inside a value would end it early, so they become ()."""
    return text.replace("[", "(").replace("]", ")")


def drift_feature(method: str, feature: str) -> str:
    """``drift.psi[age]``."""
    return f"drift.{method}[{_column(feature)}]"


def drift_aggregate(method: str, aggregation: str) -> str:
    """``drift.psi.max`` or ``drift.psi.mean``."""
    return f"drift.{method}.{aggregation}"


def quality_feature(rate: str, feature: str) -> str:
    """``quality.missing_rate[age]``; ``rate`` is one of ``QUALITY_RATES``."""
    return f"quality.{rate}[{_column(feature)}]"


def quality_aggregate(rate: str) -> str:
    """``quality.missing_rate.max``."""
    return f"quality.{rate}.max"


def performance_metric(metric: str) -> str:
    """``performance.roc_auc``."""
    return f"performance.{metric}"


def fairness_metric(metric: str) -> str:
    """``fairness.demographic_parity_ratio``."""
    return f"fairness.{metric}"


def group_positive_rate(attribute: str, group: str) -> str:
    """A group's selection rate: ``prediction.positive_rate[sex=Female]``."""
    return f"{PREDICTION_POSITIVE_RATE}[{_column(attribute)}={_column(group)}]"


def group_true_positive_rate(attribute: str, group: str) -> str:
    """A group's true positive rate (recall): ``performance.recall[sex=Female]``."""
    return f"performance.recall[{_column(attribute)}={_column(group)}]"


def base_name(metric: str) -> str:
    """The name without its ``[column]`` suffix: ``drift.psi[age]`` -> ``drift.psi``."""
    return metric.split("[", 1)[0]


def catalogue_error(metric: str) -> str | None:
    """Why ``metric`` is not a catalogue name, or ``None`` when it is.

    A per-feature name is checked whole (``drift.psi[age]``: ``drift.psi`` alone is not a
    metric); a per-group name by its base (``prediction.positive_rate[sex=Female]`` is
    ``prediction.positive_rate`` of one group).
    """
    problem = is_known_metric(metric)
    if problem is None or "[" not in metric:
        return problem
    return is_known_metric(base_name(metric))


def require_known(metric: str) -> str:
    """``metric`` itself when ``catalogue_error`` finds nothing; else ``ContractError``.

    Guards the figures of extra checks, which name their own metrics.
    """
    problem = catalogue_error(metric)
    if problem is not None:
        raise ContractError(f"monitoring cannot store {metric!r}: {problem}")
    return metric
