"""``monitor``: per window of the prediction log and per version, every figure the charter asks for.

For each aligned window (``windows.split_windows``) and each version that answered in it:

- data drift per feature against the version's reference sample, with the charter's method per
  kind (``monitoring.drift.numeric`` / ``categorical``); PSI uses the charter's warn/alert, other
  methods their documented defaults (``charter.metrics.drift``); plus the share of drifted features;
- data quality: missing rate and its rise over the reference, out-of-range and unseen-category
  rates, judged against ``monitoring.quality``;
- prediction drift: PSI and KS of the logged scores against the reference sample's scores (the
  model scores its sample once per run), and the predicted positive rate;
- realized performance on the predictions that have labels (``ingest_labels``), joined by request
  id, against ``monitoring.performance`` (binary classification).

Every figure is stored with ``record_points`` (re-running a window replaces its points). A window
without rows gives ``no_data`` everywhere, with ``None`` values: never NaN, never a crash.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from charter.contract import Charter, format_duration
from charter.errors import DataError
from charter.metrics import compute_metric
from charter.metrics.drift import Threshold, compute_ks, compute_psi, drift_between
from charter.metrics.profile import (
    ColumnQuality,
    Profile,
    ReferenceSpec,
    build_reference,
    compare_quality,
    profile_data,
)
from charter.monitoring.labels import compact_spool
from charter.monitoring.result import (
    FeatureCheck,
    MonitorResult,
    PerformanceCheck,
    QualityCheck,
    Status,
    WindowReport,
)
from charter.monitoring.windows import Window, split_windows
from charter.predlog import default_log_dir, expand_log, read_log
from charter.store.ports_monitoring import MonitoringPoint

if TYPE_CHECKING:
    from charter.registry import Registry

__all__ = ["monitor", "worst"]

_NUMERIC_TYPES = frozenset({"integer", "number"})
_RANK: dict[str, int] = {"no_data": 0, "ok": 1, "warn": 2, "alert": 3}
_DEFAULT_WARN, _DEFAULT_ALERT = 0.1, 0.25


def worst(statuses: Iterable[str]) -> Status:
    """The most severe status; ``no_data`` only when nothing was judged."""
    found: Status = "no_data"
    for status in statuses:
        if _RANK.get(status, 0) > _RANK[found]:
            found = status  # type: ignore[assignment]
    return found


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


@dataclass
class _Reference:
    """One version's reference: its charter, profile and the model's scores on its sample."""

    version: int
    charter: Charter
    features: list[str]
    spec: ReferenceSpec
    profile: Profile
    scores: np.ndarray
    methods: dict[str, str]
    thresholds: dict[str, Threshold | float]

    @property
    def positive(self) -> str:
        positive = self.charter.target.positive
        return str(positive) if positive is not None else "1"

    @property
    def label_threshold(self) -> float:
        label = self.charter.outputs.label
        return label.threshold if label is not None else 0.5


def _reference(registry: Registry, name: str, version: int) -> _Reference:
    record = registry.get(f"{name}@{version}")
    charter = registry.charter_of(record)
    sample = registry.load_sample(record)
    features = [f for f in charter.features if f in sample.columns]
    numeric = [f for f in features if charter.features[f].type in _NUMERIC_TYPES]
    categorical = [f for f in features if f not in numeric]
    bounds = {
        f: (
            float(spec.min) if spec.min is not None else -math.inf,
            float(spec.max) if spec.max is not None else math.inf,
        )
        for f, spec in charter.features.items()
        if f in numeric and (spec.min is not None or spec.max is not None)
    }
    spec, profile = build_reference(
        sample[features], numeric=numeric, categorical=categorical, bounds=bounds
    )
    model = registry.load(record)
    scores = np.asarray(
        model.predict_scores(sample[features], positive=charter.target.positive), dtype=np.float64
    )
    drift = charter.monitoring.drift
    methods: dict[str, str] = {
        f: drift.numeric if f in numeric else drift.categorical for f in features
    }
    thresholds: dict[str, Threshold | float] = {}
    for f, method in methods.items():
        if method == "psi" and drift.alert is not None:
            thresholds[f] = Threshold(alert=drift.alert, warn=drift.warn, method="psi")
    return _Reference(version, charter, features, spec, profile, scores, methods, thresholds)


def _load_log(home: str | Path, name: str, since: datetime | None, until: datetime | None) -> Any:
    compact_spool(home)
    log_dir = default_log_dir(home)
    if not log_dir.exists():
        return pd.DataFrame({"request_id": [], "version": [], "at": []})
    table = read_log(log_dir, name, since=since, until=until)
    if table.num_rows == 0:
        return pd.DataFrame({"request_id": [], "version": [], "at": []})
    frame = expand_log(table)
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame


def _quality_check(column: ColumnQuality, charter: Charter) -> QualityCheck:
    limits = charter.monitoring.quality
    if column.n_rows == 0:
        return QualityCheck(column.column, None, None, None, None, "no_data", "no rows")
    problems = []
    increase = _finite(column.missing_rate_increase)
    out_of_range = _finite(column.out_of_range_rate)
    unseen = _finite(column.unseen_rate)
    if increase is not None and increase > limits.missing_rate_increase:
        problems.append(f"missing rate up {increase:.3g} > {limits.missing_rate_increase:g}")
    if out_of_range is not None and out_of_range > limits.out_of_range_rate:
        problems.append(f"out of range {out_of_range:.3g} > {limits.out_of_range_rate:g}")
    if unseen is not None and unseen > limits.unseen_category_rate:
        problems.append(f"unseen categories {unseen:.3g} > {limits.unseen_category_rate:g}")
    return QualityCheck(
        column.column,
        _finite(column.missing_rate),
        increase,
        out_of_range,
        unseen,
        "alert" if problems else "ok",
        "; ".join(problems) or "within the charter's limits",
    )


def _performance(
    registry: Registry, name: str, ref: _Reference, part: pd.DataFrame
) -> tuple[PerformanceCheck, ...]:
    bounds = dict(ref.charter.monitoring.performance)
    metrics = sorted({"roc_auc", *bounds})
    if ref.charter.task != "binary_classification":
        return ()
    labels = registry.store.labels_for(name, part["request_id"].astype(str)) if len(part) else {}
    ids = part["request_id"].astype(str)
    mask = ids.isin(list(labels)).to_numpy() if labels else np.zeros(len(part), dtype=bool)
    labelled = part[mask]
    n = len(labelled)
    checks = []
    for metric in metrics:
        bound = bounds.get(metric)
        low = bound.min if bound is not None else None
        high = bound.max if bound is not None else None
        if n == 0:
            checks.append(PerformanceCheck(metric, None, low, high, 0, "no_data", "no labels yet"))
            continue
        y = np.asarray(
            [labels[str(i)].label == ref.positive for i in labelled["request_id"]], dtype=np.int64
        )
        scores = pd.to_numeric(labelled["output_score"], errors="coerce").to_numpy(np.float64)
        try:
            value = _finite(compute_metric(metric, y, scores, threshold=ref.label_threshold))
        except DataError as exc:
            checks.append(PerformanceCheck(metric, None, low, high, n, "no_data", str(exc)))
            continue
        if value is None:
            checks.append(PerformanceCheck(metric, None, low, high, n, "no_data", "undefined"))
            continue
        status: Status = "ok"
        reason = f"{metric} {value:.4g} on {n} labelled predictions"
        if low is not None and value < low:
            status, reason = "alert", f"{metric} {value:.4g} < {low:g}"
        elif high is not None and value > high:
            status, reason = "alert", f"{metric} {value:.4g} > {high:g}"
        checks.append(PerformanceCheck(metric, value, low, high, n, status, reason))
    return tuple(checks)


def _judge(
    registry: Registry, name: str, ref: _Reference, window: Window, part: pd.DataFrame
) -> WindowReport:
    current = part.reindex(columns=ref.features)
    profile = profile_data(ref.spec, current)
    drift = drift_between(ref.profile, profile, methods=ref.methods, thresholds=ref.thresholds)
    features = tuple(
        FeatureCheck(
            feature=v.column,
            kind=str(v.kind),
            method=v.method,
            statistic=_finite(v.statistic) if v.status != "no_data" else None,
            p_value=_finite(v.p_value),
            threshold=_finite(v.threshold),
            status=v.status,
            reason=v.reason,
        )
        for v in drift.verdicts
    )
    quality_result = compare_quality(ref.profile, profile)
    quality = tuple(_quality_check(c, ref.charter) for c in quality_result.columns)

    scores = (
        pd.to_numeric(part["output_score"], errors="coerce").dropna().to_numpy(np.float64)
        if "output_score" in part.columns
        else np.zeros(0)
    )
    psi = ks = positive_rate = None
    prediction_status: Status = "no_data"
    if scores.size:
        psi = _finite(compute_psi(ref.scores, scores))
        ks = _finite(compute_ks(ref.scores, scores).value)
        drift_spec = ref.charter.monitoring.drift
        warn = drift_spec.warn if drift_spec.warn is not None else _DEFAULT_WARN
        alert = drift_spec.alert if drift_spec.alert is not None else _DEFAULT_ALERT
        if psi is not None:
            prediction_status = "alert" if psi > alert else "warn" if psi > warn else "ok"
        if "output_label" in part.columns and part["output_label"].notna().any():
            labels = part["output_label"].dropna().astype(str)
            positive_rate = _finite((labels == ref.positive).mean())
        else:
            positive_rate = _finite((scores >= ref.label_threshold).mean())
    performance = _performance(registry, name, ref, part)
    status = worst(
        [drift.status, prediction_status]
        + [q.status for q in quality]
        + [p.status for p in performance]
    )
    return WindowReport(
        version=ref.version,
        window_start=window.start,
        window_end=window.end,
        n_rows=len(part),
        drift_status=drift.status,
        drift_share=_finite(drift.drift_share),
        drift_reason=drift.reason,
        features=features,
        quality=quality,
        prediction_psi=psi,
        prediction_ks=ks,
        prediction_status=prediction_status,
        positive_rate=positive_rate,
        performance=performance,
        status=status if len(part) else "no_data",
    )


def _points(name: str, report: WindowReport) -> list[MonitoringPoint]:
    points: list[MonitoringPoint] = []

    def add(metric: str, value: float | None, status: str) -> None:
        points.append(
            MonitoringPoint(
                name,
                report.version,
                report.window_start,
                report.window_end,
                metric,
                _finite(value),
                status,
            )
        )

    add("volume.rows", float(report.n_rows), "ok" if report.n_rows else "no_data")
    add("drift.share", report.drift_share, report.drift_status)
    by_method: dict[str, list[FeatureCheck]] = {}
    for check in report.features:
        add(f"drift.{check.method}[{check.feature}]", check.statistic, check.status)
        by_method.setdefault(check.method, []).append(check)
    for method, checks in by_method.items():
        values = [c.statistic for c in checks if c.statistic is not None]
        add(
            f"drift.{method}.max",
            max(values) if values else None,
            worst(c.status for c in checks),
        )
    for q in report.quality:
        add(f"quality.missing_rate[{q.feature}]", q.missing_rate, q.status)
        add(f"quality.missing_rate_increase[{q.feature}]", q.missing_rate_increase, q.status)
        if q.out_of_range_rate is not None:
            add(f"quality.out_of_range_rate[{q.feature}]", q.out_of_range_rate, q.status)
        if q.unseen_rate is not None:
            add(f"quality.unseen_rate[{q.feature}]", q.unseen_rate, q.status)
    add("prediction.psi", report.prediction_psi, report.prediction_status)
    add("prediction.ks", report.prediction_ks, report.prediction_status)
    positive_status = "ok" if report.positive_rate is not None else "no_data"
    add("prediction.positive_rate", report.positive_rate, positive_status)
    for p in report.performance:
        add(f"performance.{p.metric}", p.value, p.status)
        add(f"performance.{p.metric}.n_labelled", float(p.n_labelled), p.status)
    return points


def monitor(
    registry: Registry,
    name: str,
    *,
    home: str | Path,
    window: timedelta | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> MonitorResult:
    """Compute and store every monitoring figure of ``name`` per window; see the module doc.

    ``window`` defaults to the latest version's ``monitoring.window``; ``since``/``until``
    (aware) default to the log's first and last prediction. Windows are aligned (see
    ``windows``), so a run over part of a window recomputes that whole window's stored points
    from the rows in range.
    """
    for moment in (since, until):
        if moment is not None and moment.tzinfo is None:
            raise DataError("--since and --until must carry a time zone (e.g. 2026-01-01T00:00Z)")
    latest = registry.get(f"{name}@latest")
    length = window or registry.charter_of(latest).monitoring.window
    frame = _load_log(home, name, since, until)
    if len(frame):
        first = since or frame["at"].min().to_pydatetime()
        last = until or frame["at"].max().to_pydatetime() + timedelta(microseconds=1)
    else:
        first = since
        last = until or (datetime.now(UTC) if since is not None else None)
    windows = split_windows(first, last, length) if first and last else []
    references: dict[int, _Reference] = {}
    reports: list[WindowReport] = []
    for current in windows:
        in_window = (
            ((frame["at"] >= current.start) & (frame["at"] < current.end)).to_numpy()
            if len(frame)
            else np.zeros(0, dtype=bool)
        )
        part = frame[in_window]
        versions = sorted({int(v) for v in part["version"]}) or [latest.version]
        for version in versions:
            if version not in references:
                references[version] = _reference(registry, name, version)
            rows = part[part["version"].astype(int) == version] if len(part) else part
            reports.append(_judge(registry, name, references[version], current, rows))
    points = [point for report in reports for point in _points(name, report)]
    stored = registry.store.record_points(points)
    return MonitorResult(
        model=name,
        window=format_duration(length),
        since=since,
        until=until,
        windows=tuple(reports),
        n_points=stored,
        status=worst(report.status for report in reports),
    )
