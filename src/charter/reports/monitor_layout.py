"""The building blocks of the monitoring page: sections, charts, tables, and how numbers read.

A ``Section`` holds what the template shows (charts as escaped SVG, tables whose status cells
are ``Badge``s that spell the status) and the series behind it, for ``--json``. The chart helpers
turn series into ``svg.time_chart`` lines: one line per version, one dot per window.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from charter.reports.monitor_series import Series, status_rank, worst_status
from charter.reports.monitor_thresholds import Thresholds
from charter.reports.svg import PALETTE, Band, Mark, TimeLine, time_chart

__all__ = [
    "Badge",
    "Cell",
    "Chart",
    "Section",
    "Table",
    "by_metric",
    "chart",
    "format_number",
    "format_window",
    "generic_charts",
    "lines",
    "newest",
    "no_data",
    "severity",
    "version_label",
]


def format_number(value: float | None) -> str:
    """Four significant digits, or an em dash for no value."""
    return "—" if value is None else f"{value:.4g}"


def format_window(moment: datetime) -> str:
    """A window start: the date alone at midnight, else date and time (UTC)."""
    if (moment.hour, moment.minute, moment.second) == (0, 0, 0):
        return f"{moment:%Y-%m-%d}"
    return f"{moment:%Y-%m-%d %H:%M}"


def no_data(model: str, what: str) -> str:
    """The line a section without figures shows."""
    return f"No data yet: no {what} figures stored. Run `charter monitor {model}` first."


@dataclass(frozen=True)
class Badge:
    """A status cell: rendered as a coloured label that also spells the status."""

    status: str


Cell = str | Badge


@dataclass(frozen=True)
class Table:
    """A plain table of a section."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Chart:
    """One inline SVG (already escaped) and the metrics it plots."""

    title: str
    svg: str
    metrics: tuple[str, ...]


@dataclass(frozen=True)
class Section:
    """A titled part of the report: charts, tables, notes, or the reason it has none."""

    id: str
    title: str
    intro: str
    charts: tuple[Chart, ...] = ()
    tables: tuple[Table, ...] = ()
    notes: tuple[str, ...] = ()
    series: tuple[Series, ...] = ()
    empty: str = ""

    @property
    def has_data(self) -> bool:
        return bool(self.charts or self.tables)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "has_data": self.has_data,
            "status": worst_status(s.latest_status for s in self.series),
            "charts": [c.title for c in self.charts],
            "series": [s.to_dict() for s in self.series],
            "notes": list(self.notes) + ([] if self.has_data else [self.empty]),
        }


def version_label(series: Series, many: bool, prefix: str = "") -> str:
    """``prefix`` alone, or with the version when several versions share the chart."""
    if not prefix:
        return f"v{series.version}"
    return f"{prefix} v{series.version}" if many else prefix


def lines(series: Sequence[Series], label: Callable[[Series], str] | None = None) -> list[TimeLine]:
    """One line per series, labelled by version unless ``label`` says otherwise."""
    many = len({s.version for s in series}) > 1
    return [
        TimeLine(
            label(s) if label else version_label(s, many),
            s.starts,
            s.values,
            s.statuses,
            colour=PALETTE[i % len(PALETTE)],
        )
        for i, s in enumerate(series)
    ]


def chart(
    title: str,
    drawn: Sequence[TimeLine],
    metrics: Iterable[str],
    *,
    marks: Sequence[Mark] = (),
    bands: Sequence[Band] = (),
    y_min: float | None = None,
    y_max: float | None = None,
) -> Chart:
    """A time chart and the metrics it shows."""
    svg = time_chart(drawn, title=title, marks=marks, bands=bands, y_min=y_min, y_max=y_max)
    return Chart(title, svg, tuple(dict.fromkeys(metrics)))


def by_metric(series: Iterable[Series]) -> dict[str, list[Series]]:
    """Series grouped by metric name (one entry per version inside)."""
    grouped: dict[str, list[Series]] = {}
    for s in series:
        grouped.setdefault(s.metric, []).append(s)
    return grouped


def generic_charts(
    series: Iterable[Series],
    thresholds: Thresholds,
    extra: Callable[[str], list[Mark]] = lambda _: [],
    *,
    from_zero: bool = True,
) -> list[Chart]:
    """One chart per metric, versions as lines, with the ``extra`` marks and the policies'."""
    charts = []
    for metric, group in by_metric(series).items():
        low = 0.0 if from_zero and all((s.peak or 0.0) >= 0 for s in group) else None
        marks = [*extra(metric), *thresholds.policies(metric)]
        charts.append(chart(metric, lines(group), [metric], marks=marks, y_min=low))
    return charts


def newest(series: Sequence[Series]) -> Series:
    """The series of the newest version."""
    return max(series, key=lambda s: s.version)


def severity(series: Sequence[Series]) -> tuple[int, float]:
    """A sort key that puts the worst status, then the largest value, first."""
    return -max(status_rank(s.worst) for s in series), -max((s.peak or 0.0) for s in series)
