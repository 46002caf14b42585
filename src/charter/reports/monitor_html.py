"""The monitoring report: one self-contained HTML page of a model's stored monitoring figures.

``build_monitor_report(registry, name, home=...)`` reads the points ``charter monitor`` stored
(``RegistryStore.list_points``), recomputes the reference vs current distributions of the latest
window (``monitor_distributions``) and lays out the sections (``monitor_sections``);
``render_monitor_html`` turns it into the page and ``write_monitor_report`` writes it.

The page opens offline: CSS is inline, charts are inline SVG without scripts, and there is no
link, font or image from elsewhere. Every string is escaped (Jinja autoescape; the SVG helpers
escape their text). A model without points still gets a page: each section says it has no data
yet and the summary says to run ``charter monitor`` first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from charter.contract import format_duration
from charter.reports.monitor_distributions import DistributionComparison, compare_window
from charter.reports.monitor_layout import Badge, Section, format_number, format_window
from charter.reports.monitor_sections import build_sections, drift_feature_order
from charter.reports.monitor_series import (
    FAMILY_TITLES,
    FamilyStatus,
    PointIndex,
    worst_status,
)
from charter.reports.svg import STATUS_COLOURS

if TYPE_CHECKING:
    from charter.registry import Registry
    from charter.store.ports_monitoring import MonitoringPoint

__all__ = [
    "MonitorReport",
    "build_monitor_report",
    "monitor_context",
    "render_monitor_html",
    "write_monitor_report",
]


@dataclass(frozen=True)
class VersionSummary:
    """A version the report covers: its stage, aliases and whether it has points."""

    version: int
    stage: str
    aliases: tuple[str, ...]
    created_at: datetime
    has_points: bool


@dataclass(frozen=True)
class MonitorReport:
    """Everything the monitoring page shows, ready to render or to print as JSON."""

    model: str
    generated_at: datetime
    since: datetime | None
    window: str
    charter_version: int
    versions: tuple[VersionSummary, ...]
    windows: tuple[tuple[datetime, datetime], ...]
    n_points: int
    families: tuple[FamilyStatus, ...]
    findings: tuple[MonitoringPoint, ...]
    sections: tuple[Section, ...]
    distributions: DistributionComparison | None

    @property
    def has_points(self) -> bool:
        return self.n_points > 0

    @property
    def status(self) -> str:
        """The worst status of any family in its latest window."""
        return worst_status(f.latest_status for f in self.families)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "generated_at": self.generated_at.isoformat(),
            "since": self.since.isoformat() if self.since else None,
            "window": self.window,
            "versions": [v.version for v in self.versions if v.has_points],
            "n_windows": len(self.windows),
            "first_window": self.windows[0][0].isoformat() if self.windows else None,
            "last_window_end": self.windows[-1][1].isoformat() if self.windows else None,
            "n_points": self.n_points,
            "status": self.status,
            "summary": [family.to_dict() for family in self.families],
            "findings": [
                {
                    "metric": p.metric,
                    "version": p.version,
                    "window_start": p.window_start.isoformat(),
                    "value": p.value,
                    "status": p.status,
                }
                for p in self.findings
            ],
            "sections": [section.to_dict() for section in self.sections],
            "distributions": self.distributions.to_dict() if self.distributions else None,
        }


def _current_version(index: PointIndex, production: int | None) -> int | None:
    """The version whose latest window the distributions show: production when it has points
    there, else the newest version that has."""
    last = index.latest_start
    if last is None:
        return None
    versions = {p.version for p in index.points if p.window_start == last}
    return production if production in versions else max(versions)


def _distributions(
    registry: Registry, name: str, index: PointIndex, home: str | Path, production: int | None
) -> DistributionComparison | None:
    version = _current_version(index, production)
    if version is None:
        return None
    start, end = next((s, e) for s, e in reversed(index.windows) if s == index.latest_start)
    order = drift_feature_order(index)
    return compare_window(
        registry, name, home=home, version=version, start=start, end=end, order=order
    )


def build_monitor_report(
    registry: Registry,
    name: str,
    *,
    home: str | Path,
    since: datetime | None = None,
    now: datetime | None = None,
) -> MonitorReport:
    """Gather a model's stored figures and the latest window's distributions; see the module doc.

    Raises ``NotFoundError`` for an unknown model. ``since`` (aware) keeps windows starting at or
    after it; ``home`` is where the prediction log lives.
    """
    latest = registry.get(f"{name}@latest")
    points = registry.store.list_points(name, since=since)
    index = PointIndex(points)
    aliases: dict[int, list[str]] = {}
    for alias in registry.store.list_aliases(name):
        aliases.setdefault(alias.version, []).append(alias.alias)
    with_points = set(index.versions)
    versions = tuple(
        VersionSummary(
            v.version, str(v.stage),
            tuple(sorted(a for a in aliases.get(v.version, []) if a != str(v.stage))),
            v.created_at, v.version in with_points,
        )
        for v in registry.versions(name)
    )  # fmt: skip
    newest = max(with_points) if with_points else latest.version
    charter_record = latest if newest == latest.version else registry.get(f"{name}@{newest}")
    charter = registry.charter_of(charter_record)
    production = next((v.version for v in versions if v.stage == "production"), None)
    comparison = _distributions(registry, name, index, home, production)
    sections = build_sections(index, charter, comparison, model=name)
    families = [index.family_status(f) for f in FAMILY_TITLES]
    families += [index.family_status(f) for f in index.families() if f not in FAMILY_TITLES]
    return MonitorReport(
        model=name,
        generated_at=now or datetime.now(UTC),
        since=since,
        window=format_duration(charter.monitoring.window),
        charter_version=charter_record.version,
        versions=versions,
        windows=tuple(index.windows),
        n_points=len(points),
        families=tuple(families),
        findings=tuple(index.findings()),
        sections=tuple(sections),
        distributions=comparison,
    )


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("charter.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _status_class(status: str) -> str:
    return status if status in STATUS_COLOURS else "other"


def monitor_context(report: MonitorReport) -> dict[str, Any]:
    """What ``monitor_sections.html.j2`` needs: the page and the dashboard render the same."""
    # The SVG helpers escape every text they draw, so their output is marked safe as a whole.
    charts = {
        section.id: [Markup(chart.svg) for chart in section.charts] for section in report.sections
    }
    return {
        "report": report,
        "charts": charts,
        "colours": STATUS_COLOURS,
        "status_class": _status_class,
        "number": format_number,
        "when": format_window,
        "is_badge": lambda cell: isinstance(cell, Badge),
        "family_titles": FAMILY_TITLES,
    }


def render_monitor_html(report: MonitorReport) -> str:
    """The report as one HTML page: the summary first, then one part per section."""
    return _environment().get_template("monitor.html.j2").render(**monitor_context(report))


def write_monitor_report(report: MonitorReport, path: str | Path) -> Path:
    """Write the page to ``path`` (parents created); returns the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_monitor_html(report), encoding="utf-8")
    return target
