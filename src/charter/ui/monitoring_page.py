"""Monitoring: the drift heat map with click-through to distributions, then the report's sections.

The sections (performance realized and estimated with thresholds, fairness, data quality,
serving latency and delivery) are the monitoring report's (``charter.reports.monitor_html``),
rendered by the same template part, so the page and ``charter report monitor`` agree.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from charter.errors import DataError, NotFoundError
from charter.reports.monitor_distributions import (
    FeatureDistribution,
    compare_categorical,
    compare_numeric,
    load_window,
)
from charter.reports.monitor_html import build_monitor_report, monitor_context
from charter.reports.monitor_series import PointIndex
from charter.reports.svg import BarPair, paired_bar_chart
from charter.ui.context import context_of
from charter.ui.heatmap import build_heatmap, pick_version
from charter.ui.render import render

__all__ = ["router"]

router = APIRouter()
_NUMERIC = frozenset({"integer", "number"})


@router.get("/models/{name}/monitoring", response_class=HTMLResponse)
def monitoring_page(request: Request, name: str, version: int | None = None) -> HTMLResponse:
    """The heat map of one version (default: production) and every monitoring section."""
    context = context_of(request)
    registry = context.registry
    report = build_monitor_report(registry, name, home=context.home)
    index = PointIndex(registry.store.list_points(name))
    production = next((v.version for v in report.versions if v.stage == "production"), None)
    if version is not None and version not in index.versions:
        shown = ", ".join(f"v{v}" for v in index.versions) or "none"
        raise NotFoundError(
            f"{name}@{version} has no monitoring figures; versions with figures: {shown}"
        )
    chosen = pick_version(index, version, production)
    heatmap = build_heatmap(index, chosen) if chosen is not None else None
    return render(
        request,
        "monitoring.html.j2",
        title=f"{name} monitoring",
        name=name,
        heatmap=heatmap,
        versions_with_points=index.versions,
        **monitor_context(report),
    )


def _moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise DataError(f"'start' must be a window start in ISO form; got {text!r}") from None


@router.get("/models/{name}/monitoring/distribution", response_class=HTMLResponse)
def distribution_page(
    request: Request, name: str, feature: str, version: int, start: str, fragment: bool = False
) -> HTMLResponse:
    """Reference vs current shares of one feature in one window (the heat map's cell)."""
    context = context_of(request)
    registry = context.registry
    record = registry.get(f"{name}@{version}")
    charter = registry.charter_of(record)
    if feature not in charter.features:
        raise NotFoundError(f"{record.ref}'s charter has no feature {feature!r}")
    moment = _moment(start)
    window = next(
        (
            (p.window_start, p.window_end)
            for p in registry.store.list_points(name, since=moment)
            if p.version == version and p.window_start == moment
        ),
        None,
    )
    if window is None:
        raise NotFoundError(f"{record.ref} has no monitoring window starting {start}")
    sample = registry.load_sample(record)
    current = load_window(context.home, name, version, *window)
    distribution: FeatureDistribution | None = None
    if not current.empty and feature in current.columns and feature in sample.columns:
        compare = (
            compare_numeric if charter.features[feature].type in _NUMERIC else compare_categorical
        )
        distribution = compare(feature, sample[feature], current[feature])
    chart = None
    if distribution is not None:
        pairs = [
            BarPair(label, ref, cur)
            for label, ref, cur in zip(
                distribution.labels, distribution.reference, distribution.current, strict=True
            )
        ]
        title = f"{feature} · v{version} · {window[0]:%Y-%m-%d %H:%M}"
        chart = Markup(paired_bar_chart(pairs, title=title))  # the SVG helper escapes its text
    stat = next(
        (
            p
            for p in registry.store.list_points(name, since=moment)
            if p.version == version
            and p.window_start == moment
            and p.metric.startswith("drift.")
            and p.metric.endswith(f"[{feature}]")
        ),
        None,
    )
    return render(
        request,
        "distribution_fragment.html.j2" if fragment else "distribution.html.j2",
        title=f"{feature} distribution",
        name=name,
        version=record,
        feature=feature,
        window=window,
        distribution=distribution,
        chart=chart,
        point=stat,
    )
