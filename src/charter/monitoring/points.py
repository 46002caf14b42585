"""A ``WindowReport`` as the monitoring points stored for it, under the names of ``naming``.

Each point carries its own check's status, so a policy or chart reading one metric sees that
metric's verdict. Aggregates (``.max``, ``.mean``) are over the features that have a value, with
the worst status of their checks. Values are finite or ``None``, never NaN.
"""

from __future__ import annotations

from collections.abc import Iterable

from charter.monitoring import naming
from charter.monitoring.performance import finite
from charter.monitoring.result import FeatureCheck, Status, WindowReport
from charter.store.ports_monitoring import MonitoringPoint

__all__ = ["report_points", "worst"]

_RANK: dict[str, int] = {"no_data": 0, "ok": 1, "warn": 2, "alert": 3}


def worst(statuses: Iterable[str]) -> Status:
    """The most severe status; ``no_data`` only when nothing was judged."""
    found: Status = "no_data"
    for status in statuses:
        if _RANK.get(status, 0) > _RANK[found]:
            found = status  # type: ignore[assignment]
    return found


def _drift(report: WindowReport) -> list[tuple[str, float | None, str]]:
    out: list[tuple[str, float | None, str]] = [
        (naming.DRIFT_SHARE, report.drift_share, report.drift_status)
    ]
    by_method: dict[str, list[FeatureCheck]] = {}
    for check in report.features:
        out.append(
            (naming.drift_feature(check.method, check.feature), check.statistic, check.status)
        )
        by_method.setdefault(check.method, []).append(check)
    for method, checks in by_method.items():
        values = [c.statistic for c in checks if c.statistic is not None]
        status = worst(c.status for c in checks)
        top = max(values) if values else None
        mean = sum(values) / len(values) if values else None
        out.append((naming.drift_aggregate(method, "max"), top, status))
        out.append((naming.drift_aggregate(method, "mean"), mean, status))
    return out


def _quality(report: WindowReport) -> list[tuple[str, float | None, str]]:
    out: list[tuple[str, float | None, str]] = []
    rates: dict[str, list[tuple[float | None, str]]] = {r: [] for r in naming.QUALITY_RATES}
    for q in report.quality:
        found = {"missing_rate": (q.missing_rate, q.missing_status)}
        if q.kind == "numeric":
            found["out_of_range_rate"] = (q.out_of_range_rate, q.out_of_range_status)
        else:
            found["unseen_category_rate"] = (q.unseen_category_rate, q.unseen_status)
        for rate, (value, status) in found.items():
            out.append((naming.quality_feature(rate, q.feature), value, status))
            rates[rate].append((value, status))
    for rate, found_values in rates.items():
        values = [v for v, _ in found_values if v is not None]
        out.append(
            (naming.quality_aggregate(rate), max(values) if values else None,
             worst(s for _, s in found_values))
        )  # fmt: skip
    return out


def report_points(name: str, report: WindowReport) -> list[MonitoringPoint]:
    """Every figure of ``report`` as a point of model ``name`` (see the module docstring)."""
    figures = _drift(report) + _quality(report)
    figures += [
        (naming.PREDICTION_PSI, report.prediction_psi, report.prediction_status),
        (naming.PREDICTION_KS, report.prediction_ks, report.prediction_status),
        (
            naming.PREDICTION_POSITIVE_RATE,
            report.positive_rate,
            "ok" if report.positive_rate is not None else "no_data",
        ),
    ]
    figures += [
        (naming.performance_metric(p.metric), p.value, p.status) for p in report.performance
    ]
    figures += [(naming.fairness_metric(f.metric), f.value, f.status) for f in report.fairness]
    for group in report.groups:
        judged = "no_data" if group.is_small else "ok"
        figures.append(
            (naming.group_positive_rate(group.by, group.group), group.selection_rate,
             judged if group.selection_rate is not None else "no_data")
        )  # fmt: skip
        if group.n_labelled:
            figures.append(
                (naming.group_true_positive_rate(group.by, group.group), group.tpr,
                 "ok" if group.tpr is not None else "no_data")
            )  # fmt: skip
    figures += [(c.metric, c.value, c.status) for c in report.checks]
    figures += [(c.metric, c.value, c.status) for extra in report.extra for c in extra.checks]
    figures += [(c.metric, c.value, c.status) for c in report.governance]
    return [
        MonitoringPoint(
            name,
            report.version,
            report.window_start,
            report.window_end,
            metric,
            finite(value),
            status,
        )
        for metric, value, status in figures
    ]
