"""Stored monitoring points as series per metric and version, and the worst status per family.

Pure: it reads ``MonitoringPoint`` values and never the store. Metric names follow the policy
catalogue (``family.name``, ``family.name.agg``, ``family.name[column]``), parsed leniently so a
figure added later still lands in its family instead of being dropped.

Statuses rank ``no_data < ok < warn < alert``; a status outside those (a later feature's word)
ranks with ``warn``, so it is never hidden behind an ``ok``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from charter.store.ports_monitoring import MonitoringPoint

__all__ = [
    "FAMILY_TITLES",
    "FamilyStatus",
    "MetricName",
    "PointIndex",
    "Series",
    "parse_metric",
    "status_rank",
    "worst_status",
]

FAMILY_TITLES: dict[str, str] = {
    "drift": "Data drift",
    "quality": "Data quality",
    "prediction": "Prediction drift",
    "performance": "Realized performance",
    "estimated": "Estimated performance",
    "fairness": "Fairness",
    "serving": "Serving",
    "delivery": "Delivery",
}
"""The families the summary always lists, in this order; any other family with points follows."""

_RANK = {"no_data": 0, "ok": 1, "warn": 2, "alert": 3}
_UNKNOWN_RANK = 2
_METRIC = re.compile(
    r"^(?P<family>[A-Za-z_]+)\.(?P<name>[A-Za-z0-9_]+)"
    r"(?:\.(?P<agg>[A-Za-z0-9_.]+))?(?:\[(?P<column>[^\[\]]*)\])?$"
)


def status_rank(status: str) -> int:
    """How severe a status is: 0 ``no_data`` … 3 ``alert`` (an unknown word ranks as 2)."""
    return _RANK.get(status, _UNKNOWN_RANK)


def worst_status(statuses: Iterable[str]) -> str:
    """The most severe status; ``no_data`` when there is none."""
    found = "no_data"
    for status in statuses:
        if status_rank(status) > status_rank(found):
            found = status
    return found


@dataclass(frozen=True)
class MetricName:
    """A parsed metric name: ``drift.psi[age]`` is family drift, name psi, column age."""

    family: str
    name: str
    agg: str | None = None
    column: str | None = None

    @property
    def base(self) -> str:
        return f"{self.family}.{self.name}"

    @property
    def is_group(self) -> bool:
        """A per-group figure: the bracket holds ``attribute=group`` (``[sex=Female]``)."""
        return self.column is not None and "=" in self.column

    @property
    def is_feature(self) -> bool:
        """A per-feature figure: the bracket holds a feature name (``[age]``)."""
        return self.column is not None and "=" not in self.column

    @property
    def attribute(self) -> str | None:
        return self.column.split("=", 1)[0] if self.is_group and self.column else None

    @property
    def group(self) -> str | None:
        return self.column.split("=", 1)[1] if self.is_group and self.column else None


def parse_metric(metric: str) -> MetricName:
    """Split a stored metric name; a name outside the grammar keeps its text as the name."""
    match = _METRIC.fullmatch(metric)
    if match is None:
        family, _, rest = metric.partition(".")
        return MetricName(family or "other", rest or metric)
    return MetricName(match["family"], match["name"], match["agg"], match["column"])


@dataclass(frozen=True)
class Series:
    """One metric of one version over its windows, oldest first."""

    metric: str
    version: int
    starts: tuple[datetime, ...]
    ends: tuple[datetime, ...]
    values: tuple[float | None, ...]
    statuses: tuple[str, ...]

    @property
    def key(self) -> MetricName:
        return parse_metric(self.metric)

    @property
    def latest_value(self) -> float | None:
        return self.values[-1] if self.values else None

    @property
    def latest_status(self) -> str:
        return self.statuses[-1] if self.statuses else "no_data"

    @property
    def worst(self) -> str:
        return worst_status(self.statuses)

    @property
    def peak(self) -> float | None:
        """The largest value over the windows (None when no window had one)."""
        return max((v for v in self.values if v is not None), default=None)

    @property
    def has_values(self) -> bool:
        return any(v is not None for v in self.values)

    def value_at(self, start: datetime) -> float | None:
        for moment, value in zip(self.starts, self.values, strict=True):
            if moment == start:
                return value
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "version": self.version,
            "n_points": len(self.values),
            "latest_value": self.latest_value,
            "latest_status": self.latest_status,
            "worst_status": self.worst,
        }


@dataclass(frozen=True)
class FamilyStatus:
    """A family's status in its latest window and at worst over the range."""

    family: str
    title: str
    latest_status: str
    worst_status: str
    latest_window: datetime | None
    n_points: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "title": self.title,
            "latest_status": self.latest_status,
            "worst_status": self.worst_status,
            "latest_window": self.latest_window.isoformat() if self.latest_window else None,
            "n_points": self.n_points,
        }


class PointIndex:
    """The points of one model, grouped by metric and version."""

    def __init__(self, points: Sequence[MonitoringPoint]) -> None:
        self.points = sorted(points, key=lambda p: (p.window_start, p.version, p.metric))
        grouped: dict[tuple[str, int], list[MonitoringPoint]] = {}
        for point in self.points:
            grouped.setdefault((point.metric, point.version), []).append(point)
        self.series = [
            Series(
                metric,
                version,
                tuple(p.window_start for p in run),
                tuple(p.window_end for p in run),
                tuple(p.value for p in run),
                tuple(p.status for p in run),
            )
            for (metric, version), run in sorted(grouped.items(), key=lambda kv: kv[0])
        ]

    @property
    def is_empty(self) -> bool:
        return not self.points

    @property
    def windows(self) -> list[tuple[datetime, datetime]]:
        """Distinct windows covered, oldest first."""
        return sorted({(p.window_start, p.window_end) for p in self.points})

    @property
    def versions(self) -> list[int]:
        return sorted({p.version for p in self.points})

    @property
    def latest_start(self) -> datetime | None:
        return self.points[-1].window_start if self.points else None

    def family(self, family: str) -> list[Series]:
        return [s for s in self.series if s.key.family == family]

    def families(self) -> list[str]:
        """Families with points: the known ones first, in ``FAMILY_TITLES`` order."""
        found = {s.key.family for s in self.series}
        return [f for f in FAMILY_TITLES if f in found] + sorted(found - set(FAMILY_TITLES))

    def family_status(self, family: str) -> FamilyStatus:
        points = [p for p in self.points if parse_metric(p.metric).family == family]
        title = FAMILY_TITLES.get(family, family.replace("_", " ").capitalize())
        if not points:
            return FamilyStatus(family, title, "no_data", "no_data", None, 0)
        last = max(p.window_start for p in points)
        return FamilyStatus(
            family,
            title,
            worst_status(p.status for p in points if p.window_start == last),
            worst_status(p.status for p in points),
            last,
            len(points),
        )

    def findings(self, limit: int = 40) -> list[MonitoringPoint]:
        """The latest window's points that warn or alert, the most severe first."""
        last = self.latest_start
        flagged = [
            p
            for p in self.points
            if p.window_start == last and status_rank(p.status) >= _RANK["warn"]
        ]
        flagged.sort(key=lambda p: (-status_rank(p.status), p.metric, p.version))
        return flagged[:limit]
