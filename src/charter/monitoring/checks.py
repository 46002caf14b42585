"""Extra per-window checks: the seam for figures computed outside this package.

Performance estimated without labels (CBPE) and the multivariate domain classifier are computed
by pure functions in ``charter.metrics``; a ``WindowCheck`` adapts one of them to monitoring.
``monitor`` runs every check of ``default_checks()`` (or the ``checks=`` it is given) on every
window of every version:

1. ``prepare(reference)`` once per version: fit what depends only on the reference (a
   calibrator on the reference's scores and labels, the reference half of a classifier's
   training set). Its return value is the check's state for that version.
2. ``judge(state, reference, window)`` per window: compute, judge against the charter, and return
   an ``ExtraCheck`` whose ``checks`` are the figures to store, each named from the catalogue
   (``estimated.roc_auc``, ``estimated.accuracy``, ``drift.domain_classifier_auc``).

``monitor`` stores each ``Check`` as a monitoring point, folds the ``ExtraCheck``'s status into
the window's, and shows it in ``charter monitor`` and its ``--json``. A check that raises
``DataError`` (could not compute on this data) becomes a ``no_data`` ``ExtraCheck`` carrying the
message; any other exception is a bug and propagates. A figure named outside the catalogue
raises ``ContractError``. Example::

    class EstimatedPerformance(WindowCheck[Calibrator]):
        name = "cbpe"

        def prepare(self, reference: ReferenceData) -> Calibrator:
            y = (reference.sample[reference.charter.target.column].astype(str)
                 == reference.positive)
            return fit_calibrator(reference.scores, y)

        def judge(self, state, reference, window) -> ExtraCheck:
            estimate = estimate_performance(state, window.scores)
            check = Check("estimated.roc_auc", estimate.roc_auc, "ok", "...")
            return ExtraCheck(self.name, check.status, check.reason, (check,))

and add it to ``default_checks``. The defaults are
``estimated.EstimatedPerformance`` (CBPE) and ``multivariate.MultivariateDrift`` (the domain
classifier); they keep no state between calls, so one instance serves every run.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from charter.errors import DataError
from charter.monitoring import naming
from charter.monitoring.performance import Outcomes, finite
from charter.monitoring.reference import ReferenceData
from charter.monitoring.result import Check, ExtraCheck
from charter.monitoring.windows import Window

__all__ = ["WindowCheck", "WindowData", "default_checks", "run_check"]

StateT = TypeVar("StateT")


@dataclass(frozen=True)
class WindowData:
    """One window of one version as an extra check sees it.

    ``rows`` are at most ``stream.SAMPLE_ROWS`` (20,000) answered predictions (error records
    excluded): every row of a smaller window, else a seeded uniform sample (smallest hash of the
    request id), in log order -- the logged inputs as columns (features, sensitive attributes),
    ``output_<name>`` columns, ``request_id``, ``source``, ``at``. The other arrays are aligned
    with ``rows``. The built-in figures (drift, quality, performance, fairness) use every row.
    """

    window: Window
    rows: pd.DataFrame
    outcomes: Outcomes

    @property
    def scores(self) -> npt.NDArray[np.float64]:
        """The logged scores (NaN where a row has none)."""
        return self.outcomes.scores

    @property
    def labels(self) -> pd.Series:
        """Ingested label text per row, ``None`` where no label arrived yet."""
        return self.outcomes.labels

    def features(self, reference: ReferenceData) -> pd.DataFrame:
        """The reference's feature columns of ``rows`` (absent ones all missing)."""
        return self.rows.reindex(columns=reference.features)


class WindowCheck(abc.ABC, Generic[StateT]):
    """A per-window check beyond the built-in ones; see the module docstring."""

    name: str = ""

    @abc.abstractmethod
    def prepare(self, reference: ReferenceData) -> StateT:
        """What the check needs from a version's reference, computed once per version."""

    @abc.abstractmethod
    def judge(self, state: StateT, reference: ReferenceData, window: WindowData) -> ExtraCheck:
        """The check's verdict and figures for one window."""


@dataclass(frozen=True)
class _Unprepared:
    message: str


def default_checks() -> tuple[WindowCheck[Any], ...]:
    """The extra checks ``monitor`` runs when it is given none: CBPE and the domain classifier."""
    # imported here: both subclass WindowCheck, defined in this module
    from charter.monitoring.estimated import EstimatedPerformance
    from charter.monitoring.multivariate import MultivariateDrift

    return (EstimatedPerformance(), MultivariateDrift())


def _clean(result: ExtraCheck) -> ExtraCheck:
    """Names checked against the catalogue, values finite or None."""
    checks = tuple(
        Check(
            naming.require_known(c.metric),
            finite(c.value),
            c.status if finite(c.value) is not None else "no_data",
            c.reason,
            finite(c.threshold),
            c.n,
        )
        for c in result.checks
    )
    return ExtraCheck(result.name, result.status, result.reason, checks, dict(result.details))


def run_check(
    check: WindowCheck[Any],
    states: dict[tuple[str, int], Any],
    reference: ReferenceData,
    window: WindowData,
) -> ExtraCheck:
    """Run one check on one window, preparing it for the version first if needed."""
    key = (check.name, reference.version)
    if key not in states:
        try:
            states[key] = check.prepare(reference)
        except DataError as exc:  # remembered: the reference will not change within a run
            states[key] = _Unprepared(exc.message)
    state = states[key]
    if isinstance(state, _Unprepared):
        return ExtraCheck(check.name, "no_data", f"could not prepare: {state.message}")
    try:
        return _clean(check.judge(state, reference, window))
    except DataError as exc:
        return ExtraCheck(check.name, "no_data", f"could not compute: {exc.message}")
