"""The overview's health lights: one status per area, and the reason shown on hover.

Areas and what they read: ``gate`` the latest gate run of the production version (else the
newest version); ``drift``, ``quality``, ``performance``, ``serving`` and ``delivery`` the
figures ``charter monitor`` stored for the model's latest window of that area (see
``charter.monitoring.naming``; ``performance`` also holds estimated performance and fairness).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from charter.reports.monitor_layout import format_number, format_window
from charter.reports.monitor_series import parse_metric, status_rank, worst_status
from charter.store import RegistryStore, VersionRecord
from charter.store.ports_monitoring import MonitoringPoint

__all__ = ["AREAS", "Light", "gate_light", "health_lights"]

AREAS: dict[str, tuple[str, ...]] = {
    "drift": ("drift", "prediction"),
    "quality": ("quality", "volume"),
    "performance": ("performance", "estimated", "fairness"),
    "serving": ("serving",),
    "delivery": ("delivery",),
}
"""Each monitoring area and the metric families it covers."""

_GATE_STATUS = {"pass": "ok", "warn": "warn", "fail": "alert"}
_SHOWN = 3


@dataclass(frozen=True)
class Light:
    """One area's status and, in words, why."""

    area: str
    status: str
    reason: str


def gate_light(store: RegistryStore, versions: Sequence[VersionRecord]) -> Light:
    """The gate verdict of the production version, else of the newest version."""
    if not versions:
        return Light("gate", "no_data", "no version registered")
    subject = next((v for v in versions if v.stage == "production"), versions[-1])
    run = store.latest_validation_run(subject.model_name, subject.version)
    if run is None:
        return Light("gate", "no_data", f"{subject.ref} has no gate run yet")
    summary = run.report.get("summary") or {}
    counts = ", ".join(f"{summary[k]} {k}" for k in ("pass", "warn", "fail") if summary.get(k))
    failing = [
        str(c.get("name"))
        for c in run.report.get("checks") or []
        if c.get("verdict") in ("fail", "warn")
    ][:_SHOWN]
    reason = f"{subject.ref} gate run #{run.id} on {run.created_at:%Y-%m-%d}: {run.status}"
    reason += f" ({counts})" if counts else ""
    reason += f"; {', '.join(failing)}" if failing else ""
    return Light("gate", _GATE_STATUS.get(run.status, "warn"), reason)


def _area_light(area: str, points: Sequence[MonitoringPoint]) -> Light:
    families = AREAS[area]
    mine = [p for p in points if parse_metric(p.metric).family in families]
    if not mine:
        return Light(area, "no_data", f"no {area} figures stored (run charter monitor)")
    last = max(p.window_start for p in mine)
    latest = [p for p in mine if p.window_start == last]
    status = worst_status(p.status for p in latest)
    flagged = sorted(
        (p for p in latest if status_rank(p.status) >= status_rank("warn")),
        key=lambda p: (-status_rank(p.status), p.metric),
    )
    where = f"window {format_window(last)}"
    if not flagged:
        judged = sum(1 for p in latest if p.status != "no_data")
        if not judged:
            return Light(area, status, f"{where}: nothing to judge ({len(latest)} empty figures)")
        return Light(area, status, f"{where}: {judged} figure(s) within limits")
    shown = "; ".join(
        f"{p.metric} = {format_number(p.value)} ({p.status}, v{p.version})"
        for p in flagged[:_SHOWN]
    )
    more = f" and {len(flagged) - _SHOWN} more" if len(flagged) > _SHOWN else ""
    return Light(area, status, f"{where}: {shown}{more}")


def health_lights(store: RegistryStore, versions: Sequence[VersionRecord]) -> tuple[Light, ...]:
    """Gate, drift, quality, performance, delivery and serving, in that order."""
    points = store.list_points(versions[0].model_name) if versions else []
    areas = ("drift", "quality", "performance", "delivery", "serving")
    return (gate_light(store, versions), *(_area_light(a, points) for a in areas))
