"""Per-column and dataset drift verdicts from drift statistics, with fixed or learned limits.

Rules, each documented where it is applied:

- A column's method is the caller's (``methods``), else the one a learned threshold was learned
  with, else ``registry.default_method`` (by reference size, as Evidently chooses).
- Limits compare strictly: a statistic alerts when ``> alert`` (warns when ``> warn``); a p-value
  alerts when ``< alert``. Strict, so a constant column with a learned limit of 0 stays "ok".
- Learned limits (NannyML's approach): split the reference into chunks the size of a monitoring
  window, compute the statistic of each chunk against the whole reference, and alert above
  ``mean + k_sigma * std`` (``ddof=0``, ``k_sigma=3``); noisy small features then don't alarm.
  Learned limits apply to the statistic, also for KS and chi-square, so chunks should have about
  the window's row count. Fewer than 6 chunks warns (``FewChunksWarning``); fewer than 2 usable
  chunks keeps the method's default limit.
- "no_data", never NaN: an empty window ("no rows in window"), a column with no present value in
  the window or in the reference, or a statistic that is not finite.
- The dataset drifts when the share of judged columns that alert is >= ``share_threshold`` (0.5,
  as Evidently); columns without data are not judged.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import reduce
from typing import Literal

import numpy as np

from charter.metrics.drift._common import Statistic
from charter.metrics.drift.registry import DriftMethod, default_method, get_method
from charter.metrics.profile import Profile
from charter.metrics.sketch import ColumnSketch, NumericSketch

__all__ = [
    "DriftResult",
    "DriftVerdict",
    "FewChunksWarning",
    "Status",
    "Threshold",
    "drift_between",
    "judge_column",
    "learn_thresholds",
]

Status = Literal["ok", "warn", "alert", "no_data"]
MIN_CHUNKS = 6


class FewChunksWarning(UserWarning):
    """Fewer reference chunks than NannyML's minimum of 6: the learned limit is itself noisy."""


@dataclass(frozen=True)
class Threshold:
    """When a statistic warns or alerts; ``on="p_value"`` flips the comparison."""

    alert: float
    warn: float | None = None
    on: Literal["statistic", "p_value"] = "statistic"
    method: str | None = None
    source: Literal["default", "learned", "user"] = "user"

    def judge(self, method: str, result: Statistic) -> tuple[Status, str]:
        if self.on == "p_value":
            p = result.p_value if result.p_value is not None else 1.0
            if p < self.alert:
                return "alert", f"{method} p-value {p:.4g} < {self.alert:.4g}"
            if self.warn is not None and p < self.warn:
                return "warn", f"{method} p-value {p:.4g} < {self.warn:.4g}"
            return "ok", f"{method} p-value {p:.4g} >= {self.alert:.4g}"
        value = result.value
        if value > self.alert:
            return "alert", f"{method} {value:.4g} > {self.alert:.4g}"
        if self.warn is not None and value > self.warn:
            return "warn", f"{method} {value:.4g} > {self.warn:.4g}"
        return "ok", f"{method} {value:.4g} <= {self.alert:.4g}"

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class DriftVerdict:
    """One column's drift statistic and what it means against its threshold."""

    column: str
    kind: str
    method: str
    statistic: float | None
    p_value: float | None
    threshold: float
    status: Status
    reason: str
    warn_threshold: float | None = None
    threshold_on: Literal["statistic", "p_value"] = "statistic"
    threshold_source: str = "default"
    error_bound: float | None = None

    @property
    def is_drifted(self) -> bool:
        return self.status == "alert"

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class DriftResult:
    """Per-column verdicts and the dataset's: the share of judged columns that alert."""

    verdicts: tuple[DriftVerdict, ...]
    n_rows_reference: int
    n_rows_current: int
    n_columns: int
    n_drifted: int
    drift_share: float | None
    share_threshold: float
    is_drifted: bool
    status: Status
    reason: str

    def verdict(self, column: str) -> DriftVerdict:
        for verdict in self.verdicts:
            if verdict.column == column:
                return verdict
        raise KeyError(column)

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["verdicts"] = [verdict.to_dict() for verdict in self.verdicts]
        return out


def drift_between(
    reference: Profile,
    current: Profile,
    *,
    methods: Mapping[str, str] | None = None,
    thresholds: Mapping[str, Threshold | float] | None = None,
    share_threshold: float = 0.5,
) -> DriftResult:
    """Judge drift of every column of ``current`` against ``reference``.

    Parameters
    ----------
    reference, current
        Profiles on the same ``ReferenceSpec`` (the reference's own and a window's).
    methods
        Method per column (``"psi"``, ``"ks"``, ``"chi2"``, ``"wasserstein"``,
        ``"jensen_shannon"``); others use the learned threshold's or the default by size.
    thresholds
        Per column, a ``Threshold`` (e.g. from ``learn_thresholds``) or an alert level on the
        method's usual axis; others use the method's default.
    share_threshold
        Share of alerting columns from which the dataset counts as drifted.

    Returns
    -------
    DriftResult
        Verdicts in the spec's column order, JSON-ready with ``to_dict()``.
    """
    methods, thresholds = dict(methods or {}), dict(thresholds or {})
    verdicts = []
    for name in current.spec.names:
        given = thresholds.get(name)
        method = _method_for(reference, name, methods.get(name), given)
        threshold = _threshold_for(method, given)
        verdicts.append(
            judge_column(reference[name], current[name], method=method, threshold=threshold)
        )
    judged = [v for v in verdicts if v.status != "no_data"]
    drifted = sum(v.is_drifted for v in judged)
    share = drifted / len(judged) if judged else None
    is_drifted = share is not None and share >= share_threshold
    if share is None:
        status: Status = "no_data"
        reason = "no rows in window" if current.n_rows == 0 else "no column has data to judge"
    else:
        status = "alert" if is_drifted else "warn" if drifted or _any_warn(judged) else "ok"
        reason = f"{drifted} of {len(judged)} columns drifted (share {share:.3g})"
    return DriftResult(
        tuple(verdicts), reference.n_rows, current.n_rows, len(judged), drifted, share,
        share_threshold, is_drifted, status, reason,
    )  # fmt: skip


def judge_column(
    reference: ColumnSketch, current: ColumnSketch, *, method: DriftMethod, threshold: Threshold
) -> DriftVerdict:
    """One column's verdict; missing data gives "no_data" with the reason, never NaN."""
    name = reference.spec.name
    kind = "numeric" if isinstance(reference, NumericSketch) else "categorical"

    def verdict(status: Status, reason: str, result: Statistic | None = None) -> DriftVerdict:
        return DriftVerdict(
            name, kind, method.name,
            result.value if result else None, result.p_value if result else None,
            threshold.alert, status, reason, threshold.warn, threshold.on, threshold.source,
            result.error_bound if result else None,
        )  # fmt: skip

    if current.n_rows == 0:
        return verdict("no_data", "no rows in window")
    if reference.n == 0:
        return verdict("no_data", "no non-missing values in the reference")
    if current.n == 0:
        return verdict("no_data", "no non-missing values in the window")
    result = method.from_profiles(reference, current)
    finite = math.isfinite(result.value) and (
        result.p_value is None or math.isfinite(result.p_value)
    )
    if not finite:
        return verdict("no_data", f"{method.name} is not finite on this data")
    status, reason = threshold.judge(method.name, result)
    return verdict(status, reason, result)


def learn_thresholds(
    chunks: Sequence[Profile],
    *,
    methods: Mapping[str, str] | None = None,
    k_sigma: float = 3.0,
) -> dict[str, Threshold]:
    """Learn each column's alert limit as ``mean + k_sigma * std`` over reference chunks.

    Parameters
    ----------
    chunks
        Profiles of consecutive reference chunks (``profile_chunks(spec, data, n_chunks=10)``);
        the whole reference is their merge.
    methods
        Method per column; others use the default for the whole reference's size.
    k_sigma
        How many standard deviations of the chunk statistics above their mean alert.

    Returns
    -------
    dict[str, Threshold]
        A learned ``Threshold`` per column, carrying its method, for ``drift_between``.
    """
    if len(chunks) < MIN_CHUNKS:
        warnings.warn(
            f"Learning thresholds from {len(chunks)} reference chunks; at least {MIN_CHUNKS} "
            "give a stable estimate of the statistic's spread.",
            FewChunksWarning,
            stacklevel=2,
        )
    if not chunks:
        return {}
    whole = reduce(Profile.merge, chunks)
    methods = dict(methods or {})
    learned: dict[str, Threshold] = {}
    for name in whole.spec.names:
        method = _method_for(whole, name, methods.get(name), None)
        values = []
        for chunk in chunks:
            if chunk[name].n and whole[name].n:
                value = method.from_profiles(whole[name], chunk[name]).value
                if math.isfinite(value):
                    values.append(value)
        if len(values) < 2:
            learned[name] = _threshold_for(method, None)
            continue
        limit = float(np.mean(values) + k_sigma * np.std(values))
        learned[name] = Threshold(limit, None, "statistic", method.name, "learned")
    return learned


def _method_for(
    reference: Profile, name: str, asked: str | None, threshold: Threshold | float | None
) -> DriftMethod:
    kind = reference.spec.kind(name).value
    if asked is None and isinstance(threshold, Threshold) and threshold.method is not None:
        asked = threshold.method
    chosen = asked or default_method(kind, reference.n_rows)  # type: ignore[arg-type]
    return get_method(chosen, kind=kind, column=name)  # type: ignore[arg-type]


def _threshold_for(method: DriftMethod, given: Threshold | float | None) -> Threshold:
    if isinstance(given, Threshold):
        return given
    if given is not None:
        return Threshold(float(given), None, method.on, method.name, "user")
    return Threshold(method.alert, method.warn, method.on, method.name, "default")


def _any_warn(verdicts: Sequence[DriftVerdict]) -> bool:
    return any(v.status == "warn" for v in verdicts)
