"""Typed results of ``monitor`` and ``ingest_labels``; ``to_dict()`` gives JSON-safe values.

A ``WindowReport`` holds one window of one version: drift per feature (``FeatureCheck``),
quality per feature (``QualityCheck``), realized performance (``PerformanceCheck``), fairness
(``FairnessCheck`` per charter bound, ``GroupRate`` per sensitive group), one-number checks
(``Check``: volume, rejects, serving latency and errors, delivery deadlines) and the results of
extra checks (``ExtraCheck``, see ``charter.monitoring.checks``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

__all__ = [
    "Check",
    "ExtraCheck",
    "FairnessCheck",
    "FeatureCheck",
    "GroupRate",
    "LabelIngestResult",
    "MonitorResult",
    "PerformanceCheck",
    "QualityCheck",
    "Status",
    "WindowReport",
]

Status = Literal["ok", "warn", "alert", "no_data"]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class FeatureCheck:
    """One feature's drift in one window, judged with the charter's method and threshold."""

    feature: str
    kind: str
    method: str
    statistic: float | None
    p_value: float | None
    threshold: float | None
    status: Status
    reason: str


@dataclass(frozen=True)
class QualityCheck:
    """One feature's data quality in one window against the reference.

    Each rate has its own status (the missing rate is judged by its rise over the reference);
    ``status`` is the worst of them.
    """

    feature: str
    kind: str
    missing_rate: float | None
    missing_rate_increase: float | None
    out_of_range_rate: float | None
    unseen_category_rate: float | None
    status: Status
    reason: str
    missing_status: Status = "no_data"
    out_of_range_status: Status = "no_data"
    unseen_status: Status = "no_data"


@dataclass(frozen=True)
class Check:
    """One figure of a window judged on its own: its catalogue name, value, limit and status.

    ``n`` is how many rows (requests, runs) the figure was computed on.
    """

    metric: str
    value: float | None
    status: Status
    reason: str
    threshold: float | None = None
    n: int | None = None


@dataclass(frozen=True)
class GroupRate:
    """One group of a sensitive attribute in a window.

    ``selection_rate`` is over every answered prediction of the group (no labels needed);
    ``tpr`` and ``fpr`` over its labelled ones (``None`` when undefined or unlabelled).
    """

    by: str
    group: str
    n: int
    selection_rate: float | None
    n_labelled: int
    tpr: float | None
    fpr: float | None
    is_small: bool


@dataclass(frozen=True)
class FairnessCheck:
    """A fairness bound of the charter (``validation.fairness``) on a window's labelled rows."""

    metric: str
    by: tuple[str, ...]
    value: float | None
    bound_min: float | None
    bound_max: float | None
    n_labelled: int
    status: Status
    reason: str
    small_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExtraCheck:
    """What one extra check (``charter.monitoring.checks.WindowCheck``) found in a window.

    ``checks`` are the figures it stores (catalogue names, e.g. ``estimated.roc_auc``);
    ``details`` holds JSON-safe extras for reports (an interval, the features behind a drift).
    """

    name: str
    status: Status
    reason: str
    checks: tuple[Check, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PerformanceCheck:
    """A realized metric on the labelled predictions of a window, against the charter's bound."""

    metric: str
    value: float | None
    bound_min: float | None
    bound_max: float | None
    n_labelled: int
    status: Status
    reason: str


@dataclass(frozen=True)
class WindowReport:
    """Everything ``monitor`` found in one window for one version."""

    version: int
    window_start: datetime
    window_end: datetime
    n_rows: int
    drift_status: Status
    drift_share: float | None
    drift_reason: str
    features: tuple[FeatureCheck, ...]
    quality: tuple[QualityCheck, ...]
    prediction_psi: float | None
    prediction_ks: float | None
    prediction_status: Status
    positive_rate: float | None
    performance: tuple[PerformanceCheck, ...]
    status: Status
    fairness: tuple[FairnessCheck, ...] = ()
    groups: tuple[GroupRate, ...] = ()
    checks: tuple[Check, ...] = ()
    extra: tuple[ExtraCheck, ...] = ()
    governance: tuple[Check, ...] = ()
    """Model-risk figures (``revalidation.overdue``), kept apart from the traffic's checks."""

    def feature(self, name: str) -> FeatureCheck:
        """The drift check of one feature."""
        for check in self.features:
            if check.feature == name:
                return check
        raise KeyError(name)

    def check(self, metric: str) -> Check:
        """The one-number check stored as ``metric`` (``quality.volume_ratio``, ...)."""
        extras = (c for extra in self.extra for c in extra.checks)
        for check in (*self.checks, *extras, *self.governance):
            if check.metric == metric:
                return check
        raise KeyError(metric)

    def quality_of(self, feature: str) -> QualityCheck:
        """The quality check of one feature."""
        for check in self.quality:
            if check.feature == feature:
                return check
        raise KeyError(feature)

    def to_dict(self) -> dict[str, Any]:
        return dict(_plain(asdict(self)))


@dataclass(frozen=True)
class MonitorResult:
    """The windows of one ``monitor`` run, oldest first, and how many points were stored."""

    model: str
    window: str
    since: datetime | None
    until: datetime | None
    windows: tuple[WindowReport, ...]
    n_points: int
    status: Status

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "window": self.window,
            "since": _plain(self.since),
            "until": _plain(self.until),
            "status": self.status,
            "n_points": self.n_points,
            "windows": [report.to_dict() for report in self.windows],
        }


@dataclass(frozen=True)
class LabelIngestResult:
    """What ``ingest_labels`` did: labels stored, corrected, already known, or for unknown ids.

    Labels whose request id is not in the model's prediction log are not stored (there is no
    prediction to join them to); they are counted in ``unknown`` and the first few are listed.
    """

    model: str
    new: int
    updated: int
    unchanged: int
    unknown: int
    unknown_ids: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return dict(_plain(asdict(self)))
