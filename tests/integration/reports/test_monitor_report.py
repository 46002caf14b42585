"""The monitoring report built from a real ``monitor`` run, and from hand-made points."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from report_kit import DAYS, MODEL, Monitored, open_registry, register_adult
from sklearn.pipeline import Pipeline

from charter.errors import NotFoundError
from charter.registry import Registry
from charter.reports.monitor_distributions import compare_categorical, compare_numeric
from charter.reports.monitor_html import (
    MonitorReport,
    build_monitor_report,
    render_monitor_html,
    write_monitor_report,
)
from charter.reports.monitor_layout import Badge
from charter.store.ports_monitoring import MonitoringPoint

SECTIONS = ["drift", "distributions", "prediction", "performance", "fairness", "quality", "health"]
NOW = datetime(2026, 3, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
def report(monitored: Monitored) -> MonitorReport:
    registry = open_registry(monitored.home)
    try:
        return build_monitor_report(registry, MODEL, home=monitored.home, now=NOW)
    finally:
        registry.close()


@pytest.fixture(scope="module")
def html(report: MonitorReport) -> str:
    return render_monitor_html(report)


def _point_value(home: Path, metric: str) -> float:
    registry = open_registry(home)
    try:
        points = registry.store.list_points(MODEL, metric=metric)
    finally:
        registry.close()
    value = points[-1].value
    assert value is not None
    return value


def test_every_section_is_there_in_order_with_one_svg_per_chart(
    report: MonitorReport, html: str
) -> None:
    assert [s.id for s in report.sections][: len(SECTIONS)] == SECTIONS
    for section in report.sections:
        assert f'<section id="{section.id}">' in html
        assert section.has_data, section.id
    charts = [chart for section in report.sections for chart in section.charts]
    assert len(charts) == html.count("<svg ")
    for chart in charts:
        assert f'aria-label="{chart.title}"' in html
    drift = report.sections[0]
    titles = [c.title for c in drift.charts]
    first_feature = next(i for i, title in enumerate(titles) if " · " in title)
    assert "drift.psi.max" in titles[:first_feature]  # the aggregates come first
    features = [title.split(" · ")[0] for title in titles[first_feature:]]
    table = [row[0] for row in drift.tables[0].rows]
    assert features == table[: len(features)]  # the most drifted first, in the table's order
    assert {"age", "education"} <= set(features[:4])
    assert drift.tables[0].rows[0][5] == Badge("alert")


def test_the_page_is_self_contained(html: str) -> None:
    assert "http://" not in html
    assert "https://" not in html
    assert "<script" not in html
    assert "<link" not in html
    assert " src=" not in html
    assert "@import" not in html


def test_a_stored_psi_value_shows_up_formatted(monitored: Monitored, html: str) -> None:
    psi = _point_value(monitored.home, "drift.psi[age]")
    assert f'<td class="num">{psi:.4g}</td>' in html
    assert f"· {psi:.4g} · alert</title>" in html  # the dot of the drifted window, in words


def test_summary_names_model_versions_windows_and_worst_status(
    report: MonitorReport, html: str
) -> None:
    assert report.model == MODEL
    assert [v.version for v in report.versions] == [1]
    assert [start for start, _ in report.windows] == list(DAYS)
    assert "4 windows covered: 2026-03-02 → 2026-03-06 (UTC)" in html
    families = {f.family: f for f in report.families}
    assert families["drift"].latest_status == "alert"
    assert families["drift"].worst_status == "alert"
    assert families["prediction"].worst_status == "alert"
    assert report.status == "alert"
    assert '<span class="badge s-alert">ALERT</span>' in html
    assert "drift.psi[age]" in [p.metric for p in report.findings]


def test_distributions_compare_the_reference_with_the_latest_window(
    monitored: Monitored, report: MonitorReport, adult_sample: pd.DataFrame
) -> None:
    comparison = report.distributions
    assert comparison is not None
    assert (comparison.window_start, comparison.n_current) == (DAYS[-1], 500)
    age = next(d for d in comparison.features if d.feature == "age")
    drift_order = [c.title.split(" · ")[0] for c in report.sections[0].charts if " · " in c.title]
    assert [d.feature for d in comparison.features][:4] == drift_order[:4]
    edges = np.unique(np.quantile(adult_sample["age"], np.arange(1, 10) / 10))
    current = monitored.logged[-1]["age"].to_numpy()
    expected = np.bincount(np.searchsorted(edges, current, side="left"), minlength=10) / 500
    np.testing.assert_allclose(age.current, expected)
    assert sum(age.reference) == pytest.approx(1.0)
    assert age.current[-1] > 3 * age.reference[-1]  # the vendor change: many more older people
    assert comparison.scores is not None
    assert sum(comparison.scores.current) == pytest.approx(1.0)


def test_write_creates_the_folder(report: MonitorReport, tmp_path: Path) -> None:
    path = write_monitor_report(report, tmp_path / "out" / "monitoring.html")
    assert path.read_text(encoding="utf-8").startswith("<!doctype html>")


def test_since_keeps_later_windows_only(monitored: Monitored) -> None:
    registry = open_registry(monitored.home)
    try:
        late = build_monitor_report(registry, MODEL, home=monitored.home, since=DAYS[2])
    finally:
        registry.close()
    assert [start for start, _ in late.windows] == list(DAYS[2:])


def test_compare_numeric_bins_on_reference_quantiles_with_missing() -> None:
    reference = np.arange(100, dtype=float)
    current = np.array([5.0, 95.0, 96.0, np.nan, "x"], dtype=object)
    result = compare_numeric("f", reference, current, n_bins=4)
    bins = ("≤ 24.8", "(24.8, 49.5]", "(49.5, 74.2]", "> 74.2", "missing or invalid")
    assert bins == result.labels
    assert result.reference == (0.25, 0.25, 0.25, 0.25, 0.0)
    assert result.current == (0.2, 0.0, 0.0, 0.4, 0.4)


def test_compare_categorical_pools_the_rest_and_marks_new_categories() -> None:
    reference = ["a"] * 5 + ["b"] * 3 + ["c"] * 2
    current = ["a", "new", "new", "c", None]
    result = compare_categorical("f", reference, current, top=2)
    assert result.labels == ("a", "new (new)", "other", "missing")
    assert result.reference == (0.5, 0.0, 0.5, 0.0)
    assert result.current == (0.2, 0.4, 0.2, 0.2)


@pytest.fixture
def bare(
    tmp_path: Path, adult_model: Pipeline, adult_charter_path: Path, adult_sample: pd.DataFrame
) -> Iterator[tuple[Path, Registry]]:
    home = tmp_path / "home"
    registry = register_adult(home, adult_model, adult_charter_path, adult_sample)
    try:
        yield home, registry
    finally:
        registry.close()


def test_a_model_without_points_still_gets_a_page(bare: tuple[Path, Registry]) -> None:
    home, registry = bare
    report = build_monitor_report(registry, MODEL, home=home)
    html = render_monitor_html(report)
    assert not report.has_points
    assert "No monitoring figures stored for adult-income yet." in html
    assert "<code>charter monitor adult-income</code>" in html
    assert [s.id for s in report.sections] == SECTIONS
    assert not any(s.has_data for s in report.sections)
    assert html.count("No data yet: ") == len(SECTIONS)
    assert "<svg" not in html


def test_unknown_model_is_not_found(bare: tuple[Path, Registry]) -> None:
    home, registry = bare
    with pytest.raises(NotFoundError, match="'nope' is not registered"):
        build_monitor_report(registry, "nope", home=home)


def test_any_stored_figure_is_drawn_and_every_string_escaped(bare: tuple[Path, Registry]) -> None:
    home, registry = bare
    start = datetime(2026, 4, 1, tzinfo=UTC)
    points = []
    for i in range(3):
        begin, end = start + timedelta(days=i), start + timedelta(days=i + 1)
        for metric, value, status in (
            ("drift.psi[<script>alert(1)</script>]", 0.3 + i, "alert"),
            ("estimated.accuracy", 0.8 - 0.01 * i, "ok"),
            ("estimated.accuracy.lower", 0.78 - 0.01 * i, "ok"),
            ("estimated.accuracy.upper", 0.82 - 0.01 * i, "ok"),
            ("fairness.selection_rate[sex=Female]", 0.1, "ok"),
            ("revalidation.overdue", float(i), "warn"),
            ("serving.latency_p99_ms", 60.0, "brand_new_status"),
        ):
            points.append(MonitoringPoint(MODEL, 1, begin, end, metric, value, status))
    registry.store.record_points(points)
    report = build_monitor_report(registry, MODEL, home=home)
    html = render_monitor_html(report)
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    by_id = {s.id: s for s in report.sections}
    assert [c.title for c in by_id["other"].charts] == ["revalidation.overdue"]
    assert [c.title for c in by_id["fairness"].charts] == ["selection rate by sex"]
    assert by_id["performance"].charts[0].title == "accuracy"
    assert "<polygon" in html  # the estimate's interval
    assert "SLO 50 ms" in html  # the charter's latency SLO as a reference line
    assert "policy" not in "".join(c.svg for c in by_id["health"].charts)
    serving = next(f for f in report.families if f.family == "serving")
    assert serving.worst_status == "brand_new_status"  # an unknown status is never hidden
    assert '<span class="badge s-other">BRAND NEW STATUS</span>' in html
    distributions = by_id["distributions"]
    assert not distributions.has_data
    assert "holds no rows of version 1" in distributions.empty


def test_two_versions_share_each_chart_with_one_line_each(
    bare: tuple[Path, Registry], adult_model: Pipeline, adult_charter_path: Path,
    adult_sample: pd.DataFrame,
) -> None:  # fmt: skip
    home, registry = bare
    registry.register(adult_model, charter=adult_charter_path, sample=adult_sample)
    start = datetime(2026, 4, 1, tzinfo=UTC)
    points = [
        MonitoringPoint(MODEL, version, start + timedelta(days=i), start + timedelta(days=i + 1),
                        metric, value, "ok")
        for i in range(2)
        for version in (1, 2)
        for metric, value in (("drift.psi[age]", 0.01 * version), ("performance.roc_auc", 0.9),
                              ("estimated.roc_auc", 0.88))
    ]  # fmt: skip
    registry.store.record_points(points)
    report = build_monitor_report(registry, MODEL, home=home)
    assert [v.version for v in report.versions if v.has_points] == [1, 2]
    assert report.charter_version == 2
    by_id = {s.id: s for s in report.sections}
    age = by_id["drift"].charts[0]
    assert age.metrics == ("drift.psi[age]",)
    assert age.svg.count("<polyline") == 2
    assert ">v1</text>" in age.svg and ">v2</text>" in age.svg
    roc = by_id["performance"].charts[0]
    for label in ("realized v1", "estimated v1", "realized v2", "estimated v2"):
        assert f">{label}</text>" in roc.svg
    assert [row[2] for row in by_id["performance"].tables[0].rows] == ["v1", "v1", "v2", "v2"]
