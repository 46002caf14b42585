"""Typed results of ``monitor`` and ``ingest_labels``; ``to_dict()`` gives JSON-safe values."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

__all__ = [
    "FeatureCheck",
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
    """One feature's data quality in one window against the reference."""

    feature: str
    missing_rate: float | None
    missing_rate_increase: float | None
    out_of_range_rate: float | None
    unseen_rate: float | None
    status: Status
    reason: str


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

    def feature(self, name: str) -> FeatureCheck:
        for check in self.features:
            if check.feature == name:
                return check
        raise KeyError(name)

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
