"""The drift heat map: one row per feature, one column per window, a cell per stored statistic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from charter.reports.monitor_sections import drift_feature_order
from charter.reports.monitor_series import PointIndex

__all__ = ["HeatCell", "HeatMap", "HeatRow", "build_heatmap", "pick_version"]


@dataclass(frozen=True)
class HeatCell:
    """A feature's drift statistic in one window and its verdict."""

    start: datetime
    value: float | None
    status: str


@dataclass(frozen=True)
class HeatRow:
    """One feature (and the method that judged it) across the windows; None where absent."""

    feature: str
    method: str
    cells: tuple[HeatCell | None, ...]


@dataclass(frozen=True)
class HeatMap:
    """Features by windows of one version, the most drifted features first."""

    version: int
    windows: tuple[tuple[datetime, datetime], ...]
    rows: tuple[HeatRow, ...]


def pick_version(index: PointIndex, wanted: int | None, production: int | None) -> int | None:
    """``wanted``, else production when it has figures, else the newest version that has."""
    if wanted is not None:
        return wanted
    if production in index.versions:
        return production
    return max(index.versions) if index.versions else None


def build_heatmap(index: PointIndex, version: int) -> HeatMap:
    """The per-feature drift series of ``version`` laid out on the windows it was judged in."""
    series = [
        s
        for s in index.family("drift")
        if s.version == version and s.key.is_feature and s.key.column is not None
    ]
    windows = sorted({(s, e) for one in series for s, e in zip(one.starts, one.ends, strict=True)})
    order = {feature: i for i, feature in enumerate(drift_feature_order(index))}
    rows = []
    for one in sorted(series, key=lambda s: (order.get(s.key.column or "", 1 << 30), s.metric)):
        found = {
            start: HeatCell(start, value, status)
            for start, value, status in zip(one.starts, one.values, one.statuses, strict=True)
        }
        cells = tuple(found.get(start) for start, _ in windows)
        rows.append(HeatRow(one.key.column or "", one.key.name, cells))
    return HeatMap(version, tuple(windows), tuple(rows))
