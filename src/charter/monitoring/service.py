"""``monitor``: per window of the prediction log and per version, every figure the charter asks for.

For each aligned window (``windows.split_windows``) and each version that answered, failed or ran
a batch in it, against the version's reference (``reference``):

- data drift per feature with the charter's method per kind and fixed or learned limits, and the
  share of drifted features; prediction drift (PSI and KS of the logged scores against the
  model's scores on the reference) and the predicted positive rate;
- data quality per feature, row volume against the expected, and rejected rows (``quality``);
- realized performance on the labelled predictions (``performance``) and fairness over time
  (``fairness``);
- serving latency and error rate, batch runs against their deadlines (``health``);
- days past the version's periodic revalidation (``revalidation``, a model-risk figure);
- every extra check (``checks``: the seam for CBPE and the domain classifier).

How the log is read (``traffic``, ``stream``): one pass over the ``at``/``source``/``version``
columns counts rows per window (volume history, versions, typical window size); then each window
is read on its own (its date partitions only) and streamed in Arrow batches into each version's
profile, its narrow per-row columns and a bounded row sample, so memory is bounded by one window's
narrow columns, never the whole range's rows. ``engine="dask"`` (``--engine dask``) scans a
window's Parquet parts on a Dask cluster and merges the parts' results in part order, so every
stored figure equals the local engine's. Extra checks see the window's row sample
(``stream.SAMPLE_ROWS``, every row of a smaller window) with its outcomes.

Every figure is stored with ``record_points`` under a catalogue name (``naming``; re-running a
window replaces its points) and returned in a ``MonitorResult``.

Defined results for bad input (each has a test):

- an empty window: every check ``no_data`` with ``None`` values, except volume, which alerts when
  earlier windows had traffic;
- a window with fewer than ``MIN_DRIFT_ROWS`` (30) rows: drift and prediction drift are
  ``no_data`` ("too few rows"), since a distribution cannot be judged from a handful of values;
  quality, performance and health are judged as usual;
- a feature that is all missing: its drift is ``no_data`` ("no non-missing values in the
  window") and its missing rate alerts;
- a category explosion: the window's profile keeps at most ``max_categories`` unseen values per
  column (the rest pool together), so memory and time stay bounded; the unseen-category rate
  and the drift statistic alert;
- labels for ids that were never logged: not stored, counted by ``ingest_labels``;
- a spool file truncated by a crash: the compactor keeps its complete lines, which are monitored.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from charter.contract import format_duration
from charter.engines import Engine, open_engine
from charter.errors import DataError
from charter.metrics.drift import DriftResult, compute_ks, compute_psi, drift_between
from charter.metrics.profile import compare_quality
from charter.monitoring import stream
from charter.monitoring.checks import WindowCheck, WindowData, default_checks, run_check
from charter.monitoring.fairness import fairness_checks
from charter.monitoring.health import delivery_checks, serving_checks
from charter.monitoring.performance import Outcomes, finite, outcomes_of, performance_checks
from charter.monitoring.points import report_points, worst
from charter.monitoring.quality import (
    VOLUME_HISTORY_WINDOWS,
    quality_checks,
    refused_count,
    rejected_check,
    volume_check,
)
from charter.monitoring.reference import ReferenceData, load_reference
from charter.monitoring.result import Check, FeatureCheck, MonitorResult, Status, WindowReport
from charter.monitoring.revalidation import revalidation_check
from charter.monitoring.stream import ScanTask, VersionSpec, WindowScan, merge_scans, scan_part
from charter.monitoring.traffic import REALTIME_SOURCES, TrafficIndex, index_traffic
from charter.monitoring.windows import Window, split_windows
from charter.store.ports_batch import BatchRunRecord

if TYPE_CHECKING:
    from charter.registry import Registry

__all__ = ["MIN_DRIFT_ROWS", "monitor", "worst"]

MIN_DRIFT_ROWS = 30
_DEFAULT_WARN, _DEFAULT_ALERT = 0.1, 0.25


def _feature_checks(drift: DriftResult, n_rows: int) -> tuple[FeatureCheck, ...]:
    few = 0 < n_rows < MIN_DRIFT_ROWS
    return tuple(
        FeatureCheck(
            feature=v.column,
            kind=str(v.kind),
            method=v.method,
            statistic=finite(v.statistic) if v.status != "no_data" and not few else None,
            p_value=finite(v.p_value) if not few else None,
            threshold=finite(v.threshold),
            status="no_data" if few else v.status,
            reason=f"{n_rows} row(s): drift needs {MIN_DRIFT_ROWS}" if few else v.reason,
        )
        for v in drift.verdicts
    )


def _prediction_drift(
    reference: ReferenceData, outcomes: Outcomes
) -> tuple[float | None, float | None, Status, float | None]:
    """(PSI, KS, status, positive rate) of the window's scores against the reference's."""
    scores = outcomes.scores[np.isfinite(outcomes.scores)]
    is_binary = reference.charter.task == "binary_classification"
    positive_rate = (
        finite(outcomes.decisions.mean()) if is_binary and outcomes.decisions.size else None
    )
    if not scores.size or len(reference.scores) == 0:
        return None, None, "no_data", positive_rate
    if scores.size < MIN_DRIFT_ROWS:
        return None, None, "no_data", positive_rate
    psi = finite(compute_psi(reference.scores, scores))
    ks = finite(compute_ks(reference.scores, scores).value)
    spec = reference.charter.monitoring.drift
    warn = spec.warn if spec.warn is not None else _DEFAULT_WARN
    alert = spec.alert if spec.alert is not None else _DEFAULT_ALERT
    status: Status = "no_data"
    if psi is not None:
        status = "alert" if psi > alert else "warn" if psi > warn else "ok"
    return psi, ks, status, positive_rate


@dataclass(frozen=True)
class _Run:
    """What every window of one ``monitor`` call shares."""

    registry: Registry
    name: str
    checks: tuple[WindowCheck[Any], ...]
    states: dict[tuple[str, int], Any]
    now: datetime


@dataclass(frozen=True)
class _Slice:
    """One version's share of one window: its scanned rows, error records and batch runs."""

    window: Window
    scan: WindowScan
    errors: pd.DataFrame
    runs: Sequence[BatchRunRecord]
    volume: Check  # the model's, shared by every version of the window


def _sampled(scan: WindowScan, outcomes: Outcomes) -> tuple[pd.DataFrame, Outcomes]:
    """The window's row sample and its outcomes, aligned (all rows when they fit)."""
    positions = scan.sample.index.to_numpy(np.int64)
    labels = outcomes.labels.iloc[positions]
    labels.index = scan.sample.index
    y_true = outcomes.y_true[positions] if outcomes.y_true is not None else None
    sampled = Outcomes(
        outcomes.scores[positions],
        outcomes.decisions[positions],
        labels,
        outcomes.is_labelled[positions],
        y_true,
    )
    return scan.sample, sampled


def _judge(run: _Run, ref: ReferenceData, piece: _Slice) -> WindowReport:
    part, errors, runs = piece.scan.rows, piece.errors, piece.runs
    profile = piece.scan.profile
    drift = drift_between(ref.profile, profile, methods=ref.methods, thresholds=ref.thresholds)
    features = _feature_checks(drift, len(part))
    few = 0 < len(part) < MIN_DRIFT_ROWS
    quality = quality_checks(compare_quality(ref.profile, profile), ref.charter)
    outcomes = outcomes_of(run.registry, run.name, ref, part)
    psi, ks, prediction_status, positive_rate = _prediction_drift(ref, outcomes)
    performance = performance_checks(ref, outcomes)
    fairness, groups = fairness_checks(ref, part, outcomes)
    realtime = part[part["source"].isin(REALTIME_SOURCES).to_numpy()] if len(part) else part
    checks = (
        piece.volume,
        rejected_check(
            ref.charter,
            requests=len(realtime),
            errors=len(errors),
            refused=refused_count(errors),
            runs=runs,
        ),
        *serving_checks(ref.charter, realtime, errors),
        *delivery_checks(runs, run.now),
    )
    data = WindowData(piece.window, *_sampled(piece.scan, outcomes))
    extras = tuple(run_check(check, run.states, ref, data) for check in run.checks)
    governance = (_revalidation(run, ref, piece.window),)
    drift_status: Status = "no_data" if few else drift.status
    # A revalidation that is not due says nothing about the traffic: only an overdue one counts.
    overdue = [c for c in governance if c.status != "ok"]
    judged: list[Sequence[Any]] = [
        features,
        quality,
        performance,
        fairness,
        checks,
        extras,
        overdue,
    ]
    status = worst([drift_status, prediction_status] + [c.status for g in judged for c in g])
    return WindowReport(
        version=ref.version,
        window_start=piece.window.start,
        window_end=piece.window.end,
        n_rows=len(part),
        drift_status=drift_status,
        drift_share=None if few else finite(drift.drift_share),
        drift_reason=f"{len(part)} row(s): drift needs {MIN_DRIFT_ROWS}" if few else drift.reason,
        features=features,
        quality=quality,
        prediction_psi=psi,
        prediction_ks=ks,
        prediction_status=prediction_status,
        positive_rate=positive_rate,
        performance=performance,
        status=status,
        fairness=fairness,
        groups=groups,
        checks=checks,
        extra=extras,
        governance=governance,
    )


def _revalidation(run: _Run, ref: ReferenceData, window: Window) -> Check:
    """``revalidation.overdue`` of the version as of the window's end (now, if still open)."""
    store = run.registry.store
    key = ("revalidation", ref.version)
    if key not in run.states:
        run.states[key] = (
            store.get_version(run.name, ref.version),
            store.list_validation_runs(run.name, ref.version),
        )
    version, runs = run.states[key]
    return revalidation_check(ref.charter, version, runs, min(window.end, run.now))


def _typical_rows(index: TrafficIndex) -> dict[int, int]:
    """Per version, the median rows of its windows that have any (for learned thresholds)."""
    found: dict[int, list[int]] = {}
    for (_, version), n in sorted(index.answered.items()):
        found.setdefault(version, []).append(n)
    return {v: int(statistics.median(ns)) for v, ns in found.items()}


def _error_version(version: int | None, known: set[int], latest: int) -> int:
    """An error record of no or an unknown version counts against the latest."""
    return version if version is not None and version in known else latest


def _versions_of_errors(errors: pd.DataFrame, known: set[int], latest: int) -> pd.DataFrame:
    """Error records of an unknown version count against the latest."""
    if not len(errors):
        return errors
    version = pd.to_numeric(errors["version"], errors="coerce").fillna(latest).astype(int)
    errors = errors.copy()
    errors["version"] = version.where(version.isin(list(known)), latest)
    return errors


def _scan_window(
    runner: Engine,
    index: TrafficIndex,
    window: Window,
    references: dict[int, ReferenceData],
    *,
    since: datetime | None,
    until: datetime | None,
    has_rows: bool,
) -> tuple[dict[int, WindowScan], pd.DataFrame]:
    """Every version's scan of ``window`` (the part of it in ``[since, until)``) and its errors."""
    low = max(window.start, since) if since is not None else window.start
    high = min(window.end, until) if until is not None else window.end
    specs = {
        v: VersionSpec(ref.spec, tuple(ref.features), tuple(ref.charter.sensitive))
        for v, ref in references.items()
    }
    parts = index.parts_between(low, high - timedelta(microseconds=1)) if has_rows else []
    size, sample = stream.BATCH_ROWS, stream.SAMPLE_ROWS
    tasks = [ScanTask(str(part), low, high, specs, sample, size) for part in parts]
    return merge_scans(runner.map(scan_part, tasks), specs, sample_rows=sample)


def monitor(
    registry: Registry,
    name: str,
    *,
    home: str | Path,
    window: timedelta | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    checks: Sequence[WindowCheck[Any]] | None = None,
    now: datetime | None = None,
    engine: str | Engine = "local",
    scheduler: object | None = None,
) -> MonitorResult:
    """Compute and store every monitoring figure of ``name`` per window; see the module doc.

    ``window`` defaults to the latest version's ``monitoring.window``; ``since``/``until``
    (aware) default to the log's first and last record. Windows are aligned (see ``windows``),
    so a run over part of a window recomputes that whole window's stored points from the rows
    in range. ``checks`` defaults to ``checks.default_checks()``; ``now`` (for tests) to the
    clock, and decides which windows are over and which batch runs are overdue. ``engine``
    (``"local"``, ``"dask"`` or an open ``Engine``) scans each window's log parts; ``scheduler``
    is the Dask scheduler's address (or client) for ``"dask"``.
    """
    for moment in (since, until, now):
        if moment is not None and moment.tzinfo is None:
            raise DataError(
                "monitoring times (--since, --until) must carry a time zone "
                "(e.g. 2026-01-01T00:00Z)"
            )
    clock = now or datetime.now(UTC)
    latest = registry.get(f"{name}@latest")
    length = window or registry.charter_of(latest).monitoring.window
    index = index_traffic(
        home, name, since, until, length=length, history=VOLUME_HISTORY_WINDOWS * length
    )
    first, last = since or index.first, until
    if last is None:
        seen = index.last
        last = seen + timedelta(microseconds=1) if seen is not None else None
        if last is None and since is not None:
            last = clock
    windows = split_windows(first, last, length) if first and last else []
    runs = registry.store.list_batch_runs(name, since=windows[0].start) if windows else []
    known = {v.version for v in registry.store.list_versions(name)}
    typical = _typical_rows(index)
    references: dict[int, ReferenceData] = {}
    cache_dir = Path(home) / "cache" / "monitoring"
    chosen = tuple(default_checks() if checks is None else checks)
    run = _Run(registry, name, chosen, {}, clock)
    reports: list[WindowReport] = []
    owned = isinstance(engine, str)
    runner = open_engine(engine, scheduler=scheduler) if isinstance(engine, str) else engine
    try:
        for current in windows:
            answered = index.versions_in(current.start)
            failed = {
                _error_version(v, known, latest.version)
                for v in index.error_versions.get(current.start, ())
            }
            in_window = [r for r in runs if current.start <= r.started_at < current.end]
            complete = (since is None or current.start >= since) and current.end <= (until or clock)
            volume = volume_check(current, index.volumes, length, is_complete=complete)
            versions = sorted(answered | failed | {r.version for r in in_window}) or [
                latest.version
            ]
            for version in versions:
                if version not in references:
                    references[version] = load_reference(
                        registry, name, version, typical_window_rows=typical.get(version),
                        cache_dir=cache_dir,
                    )  # fmt: skip
            scans, errors = _scan_window(
                runner, index, current, {v: references[v] for v in versions},
                since=since, until=until, has_rows=bool(answered or failed),
            )  # fmt: skip
            errors = _versions_of_errors(errors, known, latest.version)
            for version in versions:
                piece = _Slice(
                    current,
                    scans[version],
                    errors[(errors["version"] == version).to_numpy()] if len(errors) else errors,
                    [r for r in in_window if r.version == version],
                    volume,
                )
                reports.append(_judge(run, references[version], piece))
    finally:
        if owned:
            runner.close()
    points = [point for report in reports for point in report_points(name, report)]
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
