"""The monitoring report's sections: which stored series each one plots, in reading order.

Every section plots the series of its families that exist and says "no data yet" when there are
none, so a figure a later feature starts storing appears without a change here: known metrics get
their reference lines (``monitor_thresholds``), any other one a plain chart. Per-group figures
(``prediction.positive_rate[sex=Female]``, ``performance.recall[sex=Female]``, any
``[attribute=group]``) go to the fairness section, one chart per figure and attribute.
"""

from __future__ import annotations

from collections.abc import Sequence

from charter.contract import Charter
from charter.reports.monitor_distributions import DistributionComparison, FeatureDistribution
from charter.reports.monitor_layout import (
    Badge,
    Cell,
    Chart,
    Section,
    Table,
    by_metric,
    chart,
    format_number,
    format_window,
    generic_charts,
    lines,
    newest,
    no_data,
    severity,
    version_label,
)
from charter.reports.monitor_series import PointIndex, Series, status_rank, worst_status
from charter.reports.monitor_thresholds import Thresholds
from charter.reports.svg import Band, BarPair, Mark, TimeLine, paired_bar_chart

__all__ = ["KNOWN_FAMILIES", "build_sections", "drift_feature_order"]

TOP_FEATURES = 12
TOP_QUALITY = 8
TABLE_WINDOWS = 12
SHARE_THRESHOLD = 0.5  # a window drifts when this share of judged features alerts (verdict.py)
KNOWN_FAMILIES = frozenset(
    {"drift", "quality", "volume", "prediction", "performance", "estimated", "fairness",
     "serving", "delivery"}
)  # fmt: skip
# realized and estimated lines of one version: a dark and a light shade of one hue
_PERFORMANCE_COLOURS = (("#1f6feb", "#0a9396"), ("#8250df", "#c297ff"), ("#57606a", "#8c959f"))
_GROUP_TITLES = {
    "positive_rate": "selection rate",
    "selection_rate": "selection rate",
    "recall": "true positive rate",
}


def _drift_per_feature(series: Sequence[Series]) -> list[tuple[tuple[str, str], list[Series]]]:
    """Per-feature drift series by (feature, method), the worst and largest first."""
    grouped: dict[tuple[str, str], list[Series]] = {}
    for s in series:
        if s.key.family == "drift" and s.key.column is not None:
            grouped.setdefault((s.key.column, s.key.name), []).append(s)
    return sorted(grouped.items(), key=lambda kv: (*severity(kv[1]), kv[0]))


def drift_feature_order(index: PointIndex) -> list[str]:
    """Features in the order the drift section plots them: the most drifted first."""
    ordered = _drift_per_feature(index.family("drift"))
    return list(dict.fromkeys(feature for (feature, _), _ in ordered))


def _drift(index: PointIndex, thresholds: Thresholds, model: str) -> Section:
    title = "Data drift per feature"
    series = index.family("drift")
    intro = (
        "Each feature's drift statistic per window against the version's reference sample. "
        "Dashed lines are the warn and alert levels; each dot is a window, coloured by its "
        "verdict (hover for the value and the status in words). The most drifted features come "
        "first; the table lists them all."
    )
    if not series:
        return Section("drift", title, intro, empty=no_data(model, "drift"))
    charts: list[Chart] = []
    notes: list[str] = []
    for metric, group in by_metric(s for s in series if s.key.column is None).items():
        key = group[0].key
        marks = thresholds.policies(metric)
        if key.name in ("share", "share_drifted"):
            marks.append(Mark(f"dataset drift at {SHARE_THRESHOLD:g}", SHARE_THRESHOLD))
            charts.append(chart(metric, lines(group), [metric], marks=marks, y_min=0, y_max=1))
            continue
        if key.agg is not None:
            marks = [*thresholds.drift(key.name)[0], *marks]
        low = None if key.name == "domain_classifier_auc" else 0.0
        charts.append(chart(metric, lines(group), [metric], marks=marks, y_min=low))
    ordered = _drift_per_feature(series)
    for (feature, method), group in ordered[:TOP_FEATURES]:
        marks, note = thresholds.drift(method)
        if note and note not in notes:
            notes.append(note)
        marks += thresholds.policies(group[0].metric)
        metrics = [s.metric for s in group]
        charts.append(chart(f"{feature} · {method}", lines(group), metrics, marks=marks, y_min=0))
    if len(ordered) > TOP_FEATURES:
        notes.append(f"{len(ordered) - TOP_FEATURES} more features: see the table")
    rows: list[tuple[Cell, ...]] = []
    for (feature, method), group in ordered:
        latest = newest(group)
        rows.append(
            (
                feature, method, f"v{latest.version}", format_number(latest.latest_value),
                Badge(latest.latest_status), Badge(worst_status(s.worst for s in group)),
                str(len(latest.values)),
            )
        )  # fmt: skip
    table = Table(
        "Every feature: the newest version's latest window, and the worst over the range",
        ("feature", "method", "version", "latest value", "latest status", "worst", "windows"),
        tuple(rows),
    )
    tables = (table,) if rows else ()
    return Section("drift", title, intro, tuple(charts), tables, tuple(notes), tuple(series))


def _distribution_chart(distribution: FeatureDistribution) -> Chart:
    title = f"{distribution.feature} ({distribution.kind})"
    pairs = [
        BarPair(label, ref, cur)
        for label, ref, cur in zip(
            distribution.labels, distribution.reference, distribution.current, strict=True
        )
    ]
    return Chart(title, paired_bar_chart(pairs, title=title), ())


def _distributions(comparison: DistributionComparison | None, model: str) -> Section:
    title = "Reference vs current distributions"
    if comparison is None:
        intro = "Shares of the reference sample and of the latest window, per bin or category."
        return Section("distributions", title, intro, empty=no_data(model, "monitoring"))
    intro = (
        f"Version {comparison.version}, window {format_window(comparison.window_start)} to "
        f"{format_window(comparison.window_end)} (UTC): {comparison.n_current} logged rows in "
        f"blue against the {comparison.n_reference}-row reference sample in grey. Numeric "
        "features use the reference's quantile bins (the bins PSI compares), categorical ones "
        "their top categories with the rest pooled as other; (new) marks a category the "
        "reference never had. The window's rows are all the log holds for it, so after a "
        "charter monitor run over part of a window (--since/--until) they may be more than the "
        "rows its statistics judged."
    )
    charts = tuple(_distribution_chart(d) for d in comparison.features)
    empty = "" if charts else "No data yet: " + "; ".join(comparison.notes)
    return Section("distributions", title, intro, charts, notes=comparison.notes, empty=empty)


def _prediction(
    index: PointIndex, thresholds: Thresholds, comparison: DistributionComparison | None, model: str
) -> Section:
    series = [s for s in index.family("prediction") if not s.key.is_group]
    intro = (
        "The score distribution against the scores the model gives its reference sample (PSI "
        "and KS, with the drift levels), and the share of predictions labelled positive."
    )
    charts: list[Chart] = []
    for metric, group in by_metric(series).items():
        key = group[0].key
        marks = [*thresholds.prediction(key.name), *thresholds.policies(metric)]
        high = 1.0 if key.name == "positive_rate" else None
        charts.append(chart(metric, lines(group), [metric], marks=marks, y_min=0, y_max=high))
    if comparison is not None and comparison.scores is not None:
        charts.append(_distribution_chart(comparison.scores))
    empty = "" if charts else no_data(model, "prediction drift")
    return Section("prediction", "Prediction drift", intro, tuple(charts), series=tuple(series),
                   empty=empty)  # fmt: skip


def _performance_rows(
    name: str, version: int, found: dict[tuple[str, str | None], Series]
) -> list[tuple[Cell, ...]]:
    real, guess = found.get(("performance", None)), found.get(("estimated", None))
    low, high = found.get(("estimated", "lower")), found.get(("estimated", "upper"))
    counts = found.get(("performance", "n_labelled"))
    starts = sorted({*(real.starts if real else ()), *(guess.starts if guess else ())})
    rows: list[tuple[Cell, ...]] = []
    for start in starts[-TABLE_WINDOWS:]:
        statuses = [
            s.statuses[s.starts.index(start)] for s in (real, guess) if s and start in s.starts
        ]
        lo = low.value_at(start) if low else None
        hi = high.value_at(start) if high else None
        labelled = counts.value_at(start) if counts else None
        rows.append(
            (
                name, format_window(start), f"v{version}",
                format_number(real.value_at(start) if real else None),
                "—" if labelled is None else f"{labelled:.0f}",
                format_number(guess.value_at(start) if guess else None),
                "—" if lo is None or hi is None else f"[{lo:.4g}, {hi:.4g}]",
                Badge(worst_status(statuses)),
            )
        )  # fmt: skip
    return rows


def _performance(index: PointIndex, thresholds: Thresholds, model: str) -> Section:
    title = "Performance: realized and estimated"
    everything = [
        s for s in (*index.family("performance"), *index.family("estimated")) if not s.key.is_group
    ]
    intro = (
        "Realized: the metric on the window's predictions whose labels have arrived (charter "
        "labels ingest). Estimated: the metric estimated from the scores alone (CBPE), its "
        "interval shaded. Dashed lines: the charter's bounds (monitoring.performance) and the "
        "policies that watch the metric."
    )
    if not everything:
        return Section("performance", title, intro, empty=no_data(model, "performance"))
    names = sorted({s.key.name for s in everything if s.key.agg is None and s.key.column is None})
    charts: list[Chart] = []
    rows: list[tuple[Cell, ...]] = []
    for name in names:
        drawn: list[TimeLine] = []
        bands: list[Band] = []
        metrics: list[str] = []
        mine = [s for s in everything if s.key.name == name and s.key.column is None]
        versions = sorted({s.version for s in mine})
        for i, version in enumerate(versions):
            real_colour, guess_colour = _PERFORMANCE_COLOURS[i % len(_PERFORMANCE_COLOURS)]
            found = {(s.key.family, s.key.agg): s for s in mine if s.version == version}
            for key, word, dashed, colour in (
                (("performance", None), "realized", False, real_colour),
                (("estimated", None), "estimated", True, guess_colour),
            ):
                if key in found:
                    s = found[key]
                    label = version_label(s, len(versions) > 1, word)
                    drawn.append(TimeLine(label, s.starts, s.values, s.statuses, dashed, colour))
            low, high = found.get(("estimated", "lower")), found.get(("estimated", "upper"))
            if low is not None and high is not None and low.starts == high.starts:
                label = version_label(low, len(versions) > 1, "estimated interval")
                bands.append(Band(label, low.starts, low.values, high.values, guess_colour))
            elif low is not None or high is not None:  # an interval with gaps: its ends as lines
                for end in (e for e in (low, high) if e is not None):
                    label = version_label(end, len(versions) > 1, f"estimated {end.key.agg}")
                    ends = TimeLine(label, end.starts, end.values, end.statuses, True, guess_colour)
                    drawn.append(ends)
            metrics += [s.metric for s in found.values()]
            rows += _performance_rows(name, version, found)
        marks = [
            *thresholds.performance(name),
            *thresholds.policies(f"performance.{name}"),
            *thresholds.policies(f"estimated.{name}"),
        ]
        charts.append(chart(name, drawn, metrics, marks=marks, bands=bands))
    covered = {m for c in charts for m in c.metrics}
    leftovers = [s for s in everything if s.metric not in covered]
    charts += generic_charts(leftovers, thresholds, from_zero=False)
    columns = ["metric", "window", "version", "realized", "labelled", "estimated", "interval",
               "status"]  # fmt: skip
    if all(row[4] == "—" for row in rows):  # no labelled counts stored: drop the column
        columns.pop(4)
        rows = [row[:4] + row[5:] for row in rows]
    caption = f"The last {TABLE_WINDOWS} windows per metric and version"
    tables = (Table(caption, tuple(columns), tuple(rows)),) if rows else ()
    return Section("performance", title, intro, tuple(charts), tables, series=tuple(everything))


def _fairness(index: PointIndex, thresholds: Thresholds, model: str) -> Section:
    title = "Fairness over time"
    series = [s for s in index.series if s.key.family == "fairness" or s.key.is_group]
    intro = (
        "The charter's fairness metrics per window across the groups of its sensitive "
        "attributes, with the gate's bounds (validation.fairness) dashed, and each group's "
        "selection rate and true positive rate over time."
    )
    if not series:
        return Section("fairness", title, intro, empty=no_data(model, "fairness"))
    grouped: dict[tuple[str, str | None], list[Series]] = {}
    for s in series:
        base = s.key.base if s.key.agg is None else f"{s.key.base}.{s.key.agg}"
        grouped.setdefault((base, s.key.attribute or s.key.column), []).append(s)
    charts: list[Chart] = []
    for (base, attribute), group in grouped.items():
        many = len({s.version for s in group}) > 1
        is_group = group[0].key.is_group

        def label(s: Series, many: bool = many) -> str:
            return version_label(s, many, s.key.group or s.key.column or "")

        marks = thresholds.fairness(group[0].key.name) if group[0].key.family == "fairness" else []
        for s in group:
            marks += [m for m in thresholds.policies(s.metric) if m not in marks]
        heading = base if attribute is None else f"{base} ({attribute})"
        if is_group:
            name = group[0].key.name
            heading = f"{_GROUP_TITLES.get(name, name.replace('_', ' '))} by {attribute}"
        rate = (0.0, 1.0) if is_group else (None, None)
        metrics = [s.metric for s in group]
        if any(c.title == heading for c in charts):  # two figures of one kind: name both
            heading = f"{heading} ({base})"
        charts.append(chart(heading, lines(group, label), metrics, marks=marks, y_min=rate[0],
                            y_max=rate[1]))  # fmt: skip
    return Section("fairness", title, intro, tuple(charts), series=tuple(series))


def _quality_table(per_feature: dict[str, list[Series]]) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for feature, group in sorted(per_feature.items()):
        version = max(s.version for s in group)
        latest = {s.key.name: s for s in group if s.version == version}
        unseen = latest.get("unseen_category_rate") or latest.get("unseen_rate")
        cells: list[Cell] = [feature, f"v{version}"]
        for found in (latest.get("missing_rate"), latest.get("missing_rate_increase"),
                      latest.get("out_of_range_rate"), unseen):  # fmt: skip
            cells.append(format_number(found.latest_value) if found else "—")
        cells.append(Badge(worst_status(s.latest_status for s in latest.values())))
        cells.append(Badge(worst_status(s.worst for s in group)))
        rows.append(tuple(cells))
    columns = ("feature", "version", "missing", "missing rise", "out of range", "unseen",
               "latest", "worst")  # fmt: skip
    return Table("Every feature: the newest version's latest window", columns, tuple(rows))


def _quality(index: PointIndex, thresholds: Thresholds, model: str) -> Section:
    title = "Data quality and volume"
    series = [*index.family("volume"), *index.family("quality")]
    intro = (
        "Rows per window, and each feature's missing, out-of-range and unseen-category rates "
        "against the charter's limits (monitoring.quality). Features with a problem are "
        "plotted; the table lists every feature."
    )
    if not series:
        return Section("quality", title, intro, empty=no_data(model, "quality or volume"))
    aggregates = [s for s in series if s.key.column is None]
    charts = generic_charts(aggregates, thresholds, lambda m: thresholds.quality(m.split(".")[1]))
    per_feature: dict[str, list[Series]] = {}
    for s in series:
        if s.key.is_feature and s.key.column is not None:
            per_feature.setdefault(s.key.column, []).append(s)
    warn = status_rank("warn")
    flagged = sorted(
        (
            (feature, group)
            for feature, group in per_feature.items()
            if any(status_rank(s.worst) >= warn or (s.peak or 0.0) > 0 for s in group)
        ),
        key=lambda kv: (*severity(kv[1]), kv[0]),
    )
    for feature, group in flagged[:TOP_QUALITY]:
        many = len({s.version for s in group}) > 1
        shown = [s for s in group if s.has_values]
        marks: list[Mark] = []
        for s in shown:
            marks += [m for m in thresholds.quality(s.key.name) if m not in marks]

        def label(s: Series, many: bool = many) -> str:
            return version_label(s, many, s.key.name)

        metrics = [s.metric for s in shown]
        charts.append(chart(f"{feature} · quality", lines(shown, label), metrics, marks=marks,
                            y_min=0))  # fmt: skip
    notes = []
    if len(flagged) > TOP_QUALITY:
        notes.append(f"{len(flagged) - TOP_QUALITY} more features with a problem: see the table")
    tables = (_quality_table(per_feature),) if per_feature else ()
    return Section("quality", title, intro, tuple(charts), tables, tuple(notes), tuple(series))


def _health(index: PointIndex, thresholds: Thresholds, model: str) -> Section:
    title = "Serving and delivery health"
    series = [*index.family("serving"), *index.family("delivery")]
    intro = (
        "Serving: latency p99 and error rate of real-time requests, from the prediction log, "
        "against the charter's SLO (delivery.realtime). Delivery: batch runs that missed their "
        "deadline, and by how many minutes."
    )
    if not series:
        return Section("health", title, intro, empty=no_data(model, "serving or delivery"))
    charts = generic_charts(series, thresholds, lambda m: thresholds.serving(m.split(".")[1]))
    return Section("health", title, intro, tuple(charts), series=tuple(series))


def _other(index: PointIndex, thresholds: Thresholds) -> Section | None:
    series = [s for s in index.series if s.key.family not in KNOWN_FAMILIES and not s.key.is_group]
    if not series:
        return None
    charts = generic_charts(series, thresholds)
    intro = "Figures of other families, as stored."
    return Section("other", "Other figures", intro, tuple(charts), series=tuple(series))


def build_sections(
    index: PointIndex, charter: Charter, comparison: DistributionComparison | None, *, model: str
) -> list[Section]:
    """The report's sections in reading order (``other`` only when such figures exist)."""
    thresholds = Thresholds(charter)
    sections = [
        _drift(index, thresholds, model),
        _distributions(comparison, model),
        _prediction(index, thresholds, comparison, model),
        _performance(index, thresholds, model),
        _fairness(index, thresholds, model),
        _quality(index, thresholds, model),
        _health(index, thresholds, model),
    ]
    other = _other(index, thresholds)
    return sections if other is None else [*sections, other]
