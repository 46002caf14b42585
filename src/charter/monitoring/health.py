"""Serving and delivery health of a window: latency, errors, and batch runs against deadlines.

- ``serving.latency_p99_ms``: the 99th percentile (NumPy's linear interpolation) of
  ``latency_ms`` over the window's answered real-time requests (``served`` and ``canary``;
  shadow and batch rows carry no client-facing latency). It alerts above the charter's SLO
  (``delivery.realtime.latency_p99_ms``); without one it is stored, reported as not judged
  ("ok" with that reason).
- ``serving.error_rate``: error records / (answered real-time requests + error records). Error
  records are the log's ``source: error`` rows; a log without any gives 0 over the answered
  count. It warns above 1% and alerts above 5% (the charter has no field for it yet).
- ``delivery.missed_deadline``: batch runs started in the window that missed their deadline: they
  finished late, failed, or are still running past it (a killed run stays ``running``).
  ``delivery.late_minutes``: the most minutes any of them delivered (or, still running, has been
  running) past its deadline, 0 when all were on time; a failed run never delivers and counts in
  ``missed_deadline`` only. Runs without a deadline are not judged.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pandas as pd

from charter.contract import Charter
from charter.monitoring import naming
from charter.monitoring.result import Check, Status
from charter.store.ports_batch import BatchRunRecord

__all__ = ["ERROR_RATE_ALERT", "ERROR_RATE_WARN", "delivery_checks", "serving_checks"]

ERROR_RATE_WARN, ERROR_RATE_ALERT = 0.01, 0.05


def _latency(charter: Charter, realtime: pd.DataFrame) -> Check:
    metric = naming.SERVING_LATENCY_P99_MS
    spec = charter.delivery.realtime
    slo = spec.latency_p99_ms if spec is not None else None
    values = (
        pd.to_numeric(realtime["latency_ms"], errors="coerce").to_numpy(np.float64)
        if "latency_ms" in realtime.columns
        else np.zeros(0)
    )
    values = values[np.isfinite(values)]
    if not values.size:
        reason = "no real-time requests" if not len(realtime) else "no latency logged"
        return Check(metric, None, "no_data", reason, slo, 0)
    p99 = float(np.percentile(values, 99))
    if slo is None:
        return Check(
            metric, p99, "ok", f"p99 {p99:.3g} ms; the charter sets no latency SLO", None,
            int(values.size),
        )  # fmt: skip
    status: Status = "alert" if p99 > slo else "ok"
    sign = ">" if p99 > slo else "<="
    reason = f"p99 {p99:.3g} ms {sign} SLO {slo:g} ms over {values.size} requests"
    return Check(metric, p99, status, reason, slo, int(values.size))


def _errors(answered: int, errors: int) -> Check:
    metric = naming.SERVING_ERROR_RATE
    total = answered + errors
    if total == 0:
        return Check(metric, None, "no_data", "no real-time requests", ERROR_RATE_ALERT, 0)
    rate = errors / total
    status: Status = (
        "alert" if rate > ERROR_RATE_ALERT else "warn" if rate > ERROR_RATE_WARN else "ok"
    )
    reason = f"{errors} error(s) for {answered} answered request(s)"
    return Check(metric, rate, status, reason, ERROR_RATE_ALERT, total)


def serving_checks(
    charter: Charter, realtime: pd.DataFrame, errors: pd.DataFrame
) -> tuple[Check, Check]:
    """Latency p99 and error rate of one version's real-time traffic in a window."""
    return _latency(charter, realtime), _errors(len(realtime), len(errors))


def _lateness_minutes(run: BatchRunRecord, now: datetime) -> float | None:
    """Minutes delivered (or still running) past the deadline; None when never delivered."""
    if run.deadline_at is None:
        return None
    if run.status == "running":
        end = now
    elif run.status == "succeeded" and run.finished_at is not None:
        end = run.finished_at
    else:
        return None
    return max(0.0, (end - run.deadline_at).total_seconds() / 60.0)


def _missed(run: BatchRunRecord, now: datetime) -> bool:
    if run.met_deadline is False:
        return True
    return run.status == "running" and run.deadline_at is not None and now > run.deadline_at


def delivery_checks(runs: Sequence[BatchRunRecord], now: datetime) -> tuple[Check, Check]:
    """Missed deadlines and lateness of the batch runs started in a window."""
    missed_metric, late_metric = naming.DELIVERY_MISSED_DEADLINE, naming.DELIVERY_LATE_MINUTES
    judged = [run for run in runs if run.deadline_at is not None]
    if not judged:
        reason = "no batch run in this window" if not runs else "no run had a deadline"
        return (
            Check(missed_metric, None, "no_data", reason, 0.0, len(runs)),
            Check(late_metric, None, "no_data", reason, 0.0, len(runs)),
        )
    missed = [run for run in judged if _missed(run, now)]
    lateness = [m for m in (_lateness_minutes(run, now) for run in judged) if m is not None]
    status: Status = "alert" if missed else "ok"
    names = ", ".join(run.run_id for run in missed[:3])
    reason = (
        f"{len(missed)} of {len(judged)} run(s) missed the deadline ({names})"
        if missed
        else f"{len(judged)} run(s) on time"
    )
    late = max(lateness) if lateness else None
    late_reason = (
        f"latest delivery {late:.1f} min past the deadline" if late is not None
        else "no run delivered"
    )  # fmt: skip
    late_status: Status = "no_data" if late is None else "alert" if late > 0 else "ok"
    return (
        Check(missed_metric, float(len(missed)), status, reason, 0.0, len(judged)),
        Check(late_metric, late, late_status, late_reason, 0.0, len(judged)),
    )
