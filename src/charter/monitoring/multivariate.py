"""Multivariate drift: the domain classifier (``charter.metrics.domain_classifier``) per window.

``prepare`` keeps a seeded sample of at most ``max_rows`` (5,000) rows of the reference's
features, split into numeric (charter type integer or number) and categorical (the rest) columns
as drift is. ``judge`` trains a classifier to tell the window's rows from them (5-fold
cross-validation, the window also subsampled to ``max_rows``) and stores its out-of-fold AUROC as
``drift.domain_classifier_auc``. Every feature's permutation importance is in
``details["top_features"]``, the leading ones in the reason.

The verdict needs the AUROC both above a level and clear of its own noise:

- ``alert``: AUROC > ``alert`` (0.65) and AUROC - 0.5 > ``sigmas`` (3) x ``auroc_std``;
- ``warn``: AUROC > ``warn`` (0.55) and the same noise condition;
- ``ok``: otherwise (the reason says when a level was passed within the noise);
- ``no_data``: fewer than ``min_rows`` (100) rows on either side.

``auroc_std`` is the standard deviation of the five folds' AUROCs, so the noise condition grows
strict as the window shrinks: about 3 x 0.05 at 100 rows, 3 x 0.02 at 1,000. It is deliberately
conservative (one fold's spread overstates the pooled AUROC's error by about sqrt(5)); the level
thresholds decide on large windows.

What the levels rest on (Adult: the training sample as reference, windows of the test set):
12 clean windows per size gave AUROC 0.49 +/- 0.04 at 100 rows (highest 0.571), 0.50 +/- 0.025
at 300 (0.525) and 0.49 +/- 0.01 at 1,000 (0.516); the largest (AUROC - 0.5) / auroc_std among
them was 1.6, so clean traffic stays ``ok`` with room to spare. Ages shifted by 5 years gave
0.59 (100 rows, within noise: ``ok``), 0.60 (300, ``ok``), 0.68 (800, ``alert``) and 0.70
(2,000, ``alert``); older applicants without a degree (a vendor change) 0.86-0.89 at any size,
with age the leading feature. NannyML's default drift band is 0.45-0.65.

Cost is bounded: at most 5,000 + 5,000 rows per window, about 1.3 s of one core for a window of
100-1,000 rows against 4,000 reference rows and 2.4 s at 5,000 + 5,000 (most of it the fixed cost
of five boosted fits and their permutations). It runs under ``threadpool_limits(1)``: the
booster's OpenMP threads, oversubscribed on a busy machine, made the same call 7 times slower.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from charter.metrics.domain_classifier import DomainClassifierResult, domain_classifier
from charter.monitoring.checks import WindowCheck, WindowData
from charter.monitoring.reference import NUMERIC_TYPES, ReferenceData
from charter.monitoring.result import Check, ExtraCheck, Status

__all__ = ["MultivariateDrift"]

METRIC = "drift.domain_classifier_auc"
WARN, ALERT, SIGMAS = 0.55, 0.65, 3.0
MIN_ROWS = 100  # per side; below it the AUROC's noise swamps any level worth judging
MAX_ROWS = 5_000  # per side: the AUROC's error at 5,000 + 5,000 rows is about 0.006
FOLDS, SEED = 5, 0
_REASON_FEATURES = 3


@dataclass(frozen=True)
class _Reference:
    """The reference side of every window's classifier: a bounded sample and its column kinds."""

    rows: pd.DataFrame
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    n_total: int


def _numbers(frame: pd.DataFrame, numeric: tuple[str, ...]) -> pd.DataFrame:
    """Numeric columns as floats (logged values may arrive as objects; text becomes missing)."""
    out = frame.copy()
    for name in numeric:
        out[name] = pd.to_numeric(out[name], errors="coerce").astype(np.float64)
    return out


class MultivariateDrift(WindowCheck[_Reference]):
    """``drift.domain_classifier_auc`` per window; see the module docstring."""

    name = "multivariate_drift"

    def __init__(
        self,
        *,
        warn: float = WARN,
        alert: float = ALERT,
        sigmas: float = SIGMAS,
        min_rows: int = MIN_ROWS,
        max_rows: int = MAX_ROWS,
    ) -> None:
        self.warn, self.alert, self.sigmas = warn, alert, sigmas
        self.min_rows, self.max_rows = min_rows, max_rows

    def prepare(self, reference: ReferenceData) -> _Reference:
        features = reference.features
        specs = reference.charter.features
        numeric = tuple(f for f in features if specs[f].type in NUMERIC_TYPES)
        categorical = tuple(f for f in features if f not in numeric)
        rows = reference.sample.reindex(columns=features)
        if len(rows) > self.max_rows:
            rng = np.random.default_rng(SEED)
            rows = rows.iloc[np.sort(rng.choice(len(rows), size=self.max_rows, replace=False))]
        rows = _numbers(rows.reset_index(drop=True), numeric)
        return _Reference(rows, numeric, categorical, len(reference.sample))

    def judge(self, state: _Reference, reference: ReferenceData, window: WindowData) -> ExtraCheck:
        current = window.features(reference)
        n_ref, n_cur = len(state.rows), len(current)
        settings: dict[str, Any] = {
            "warn": self.warn,
            "alert": self.alert,
            "sigmas": self.sigmas,
            "min_rows": self.min_rows,
            "max_rows": self.max_rows,
        }
        if min(n_ref, n_cur) < self.min_rows:
            reason = (
                f"{n_cur} row(s) in the window and {n_ref} in the reference: the domain "
                f"classifier needs {self.min_rows} on each side"
            )
            check = Check(METRIC, None, "no_data", reason, self.alert, n_cur)
            return ExtraCheck(self.name, "no_data", reason, (check,), settings)
        with threadpool_limits(1):
            result = domain_classifier(
                state.rows,
                _numbers(current.reset_index(drop=True), state.numeric),
                numeric=state.numeric,
                categorical=state.categorical,
                max_rows=self.max_rows,
                folds=FOLDS,
                seed=SEED,
            )
        status, reason = self._verdict(result)
        check = Check(METRIC, result.auroc, status, reason, self.alert, result.n_current)
        details = {**result.to_dict(), **settings}
        return ExtraCheck(self.name, status, reason, (check,), details)

    def _verdict(self, result: DomainClassifierResult) -> tuple[Status, str]:
        auroc, spread = result.auroc, result.auroc_std
        if auroc is None or spread is None:
            return "no_data", result.reason or "the domain classifier gave no AUROC"
        leading = [f"{name} ({value:.3f})" for name, value in result.top_features if value > 0]
        said = (
            f"domain classifier AUROC {auroc:.3f} (fold std {spread:.3f}) on "
            f"{result.n_reference} reference and {result.n_current} current rows"
        )
        top = ", ".join(leading[:_REASON_FEATURES]) or "none"
        noise = self.sigmas * spread
        is_clear = auroc - 0.5 > noise
        if auroc > self.warn and is_clear:
            status: Status = "alert" if auroc > self.alert else "warn"
            level = self.alert if status == "alert" else self.warn
            return status, f"{said} > {level:g}; separated most by {top}"
        if auroc > self.warn:
            return "ok", (
                f"{said} is above {self.warn:g} but within its noise "
                f"(0.5 + {self.sigmas:g} x {spread:.3f}); leading features: {top}"
            )
        return "ok", f"{said} <= {self.warn:g}; leading features: {top}"
