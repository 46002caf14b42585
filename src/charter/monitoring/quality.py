"""Data quality of a window: per-feature rates, row volume against the expected, and rejects.

- **Per feature** (``quality_checks``): the missing rate is judged by its rise over the
  reference (``monitoring.quality.missing_rate_increase``), the out-of-range and unseen-category
  rates by their level. Rates are judged at any window size: one out-of-range row in a one-row
  window is a 100% rate, and it is reported as such.
- **Volume** (``volume_check``): the window's answered, non-shadow rows (all versions: traffic
  moving from one version to another is not a volume change) over the expected rows. The charter
  names no expected volume (neither ``delivery`` nor ``monitoring`` has one), so the expectation
  is the median of the previous 7 windows, counting empty ones, from the first window with any
  rows on; with fewer than 3 such windows there is no expectation and the check is ``no_data``.
  A ratio outside 0.5-2 warns and outside 0.2-5 alerts, so a window with no traffic at all
  alerts when traffic was expected. A window still open, or only partly inside ``since``/
  ``until``, is not judged (its count would be low for no reason).
- **Rejected rate** (``rejected_check``): rows refused by the charter's input checks over all
  rows offered: real-time error records with a 4xx status plus the batch runs' rejected rows,
  over answered real-time requests + all error records + the batch runs' input rows. Judged
  against ``delivery.batch.max_reject_share`` (its default, 0.01, when the charter has no batch).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from charter.contract import Charter
from charter.contract.delivery import BatchSpec
from charter.metrics.profile import ColumnQuality, QualityResult
from charter.monitoring import naming
from charter.monitoring.result import Check, QualityCheck, Status
from charter.monitoring.windows import Window
from charter.store.ports_batch import BatchRunRecord

__all__ = [
    "MIN_HISTORY_WINDOWS",
    "VOLUME_ALERT",
    "VOLUME_HISTORY_WINDOWS",
    "VOLUME_WARN",
    "quality_checks",
    "refused_count",
    "rejected_check",
    "volume_check",
    "window_volumes",
]

VOLUME_HISTORY_WINDOWS = 7
MIN_HISTORY_WINDOWS = 3
VOLUME_WARN = (0.5, 2.0)
VOLUME_ALERT = (0.2, 5.0)
DEFAULT_MAX_REJECT_SHARE: float = BatchSpec.model_fields["max_reject_share"].default


def _rate_status(value: float | None, limit: float) -> Status:
    if value is None:
        return "no_data"
    return "alert" if value > limit else "ok"


def _worst(*statuses: Status) -> Status:
    order = ("no_data", "ok", "warn", "alert")
    return max(statuses, key=order.index)


def _quality_check(column: ColumnQuality, charter: Charter) -> QualityCheck:
    limits = charter.monitoring.quality
    if column.n_rows == 0:
        return QualityCheck(
            column.column, str(column.kind), None, None, None, None, "no_data", "no rows"
        )
    missing = column.missing_rate
    increase = column.missing_rate_increase
    out_of_range = column.out_of_range_rate
    unseen = column.unseen_rate
    statuses = (
        _rate_status(increase, limits.missing_rate_increase),
        _rate_status(out_of_range, limits.out_of_range_rate),
        _rate_status(unseen, limits.unseen_category_rate),
    )
    problems = []
    if statuses[0] == "alert":
        problems.append(f"missing rate up {increase:.3g} > {limits.missing_rate_increase:g}")
    if statuses[1] == "alert":
        problems.append(f"out of range {out_of_range:.3g} > {limits.out_of_range_rate:g}")
    if statuses[2] == "alert":
        problems.append(f"unseen categories {unseen:.3g} > {limits.unseen_category_rate:g}")
    notes = [column.reason] if column.reason else []
    return QualityCheck(
        column.column,
        str(column.kind),
        missing,
        increase,
        out_of_range,
        unseen,
        _worst(*statuses),
        "; ".join(problems or ["within the charter's limits", *notes]),
        *statuses,
    )


def quality_checks(result: QualityResult, charter: Charter) -> tuple[QualityCheck, ...]:
    """One ``QualityCheck`` per feature of the window's quality profile."""
    return tuple(_quality_check(column, charter) for column in result.columns)


def window_volumes(volume: pd.DataFrame, length: timedelta) -> dict[datetime, int]:
    """Rows per aligned window start (``windows.align``), from ``Traffic.volume``."""
    if not len(volume):
        return {}
    epoch = pd.Timestamp("1970-01-01", tz="UTC")
    steps = (volume["at"] - epoch) // pd.Timedelta(length)
    counts = steps.value_counts()
    return {
        (epoch + int(step) * pd.Timedelta(length)).to_pydatetime(): int(n)
        for step, n in zip(counts.index, counts.to_numpy(), strict=True)
    }


def volume_check(
    window: Window,
    volumes: Mapping[datetime, int],
    length: timedelta,
    *,
    is_complete: bool,
) -> Check:
    """The window's rows against the median of the previous windows (module docstring)."""
    metric = naming.QUALITY_VOLUME_RATIO
    rows = volumes.get(window.start, 0)
    first = min(volumes, default=None)
    earlier = [
        volumes.get(window.start - k * length, 0)
        for k in range(1, VOLUME_HISTORY_WINDOWS + 1)
        if first is not None and window.start - k * length >= first
    ]
    if not is_complete:
        return Check(metric, None, "no_data", "window not wholly in range or not over", None, rows)
    if len(earlier) < MIN_HISTORY_WINDOWS:
        return Check(
            metric, None, "no_data",
            f"{len(earlier)} earlier window(s); the expected volume needs "
            f"{MIN_HISTORY_WINDOWS}", None, rows,
        )  # fmt: skip
    expected = float(statistics.median(earlier))
    if expected <= 0:
        return Check(metric, None, "no_data", "no rows expected: earlier windows were empty")
    ratio = rows / expected
    status: Status = "ok"
    if not VOLUME_ALERT[0] <= ratio <= VOLUME_ALERT[1]:
        status = "alert"
    elif not VOLUME_WARN[0] <= ratio <= VOLUME_WARN[1]:
        status = "warn"
    reason = (
        f"{rows} rows against {expected:g} expected (median of the previous {len(earlier)} "
        f"windows): ratio {ratio:.3g}"
    )
    return Check(metric, ratio, status, reason, expected, rows)


def refused_count(errors: pd.DataFrame) -> int:
    """Error records whose status is 4xx: requests refused for their input."""
    if not len(errors) or "output_status" not in errors.columns:
        return 0
    status = pd.to_numeric(errors["output_status"], errors="coerce").to_numpy(np.float64)
    return int(((status >= 400) & (status < 500)).sum())


def rejected_check(
    charter: Charter,
    *,
    requests: int,
    errors: int,
    refused: int,
    runs: Sequence[BatchRunRecord],
) -> Check:
    """Rows refused by input checks over rows offered, real-time and batch (module docstring).

    ``requests`` answered real-time requests, ``errors`` error records, ``refused`` those of
    them with a 4xx status.
    """
    metric = naming.QUALITY_REJECTED_RATE
    batch_in = sum(run.rows_in for run in runs)
    batch_rejected = sum(run.rows_rejected for run in runs)
    total = requests + errors + batch_in
    batch = charter.delivery.batch
    limit = batch.max_reject_share if batch is not None else DEFAULT_MAX_REJECT_SHARE
    if total == 0:
        return Check(metric, None, "no_data", "no requests or batch rows", limit, 0)
    rate = (refused + batch_rejected) / total
    status: Status = "alert" if rate > limit else "ok"
    reason = (
        f"{refused + batch_rejected} of {total} rows refused ({refused} requests, "
        f"{batch_rejected} batch rows); limit {limit:g}"
    )
    return Check(metric, rate, status, reason, limit, total)
