"""Calibration: the expected calibration error against the charter's bound, and the curve."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from charter.errors import DataError
from charter.metrics import calibration
from charter.validation.context import GateContext
from charter.validation.report import CheckResult, Verdict, format_bound

__all__ = ["check_calibration"]

NAME = "calibration.ece"


def check_calibration(
    context: GateContext, scores: npt.NDArray[np.float64]
) -> tuple[CheckResult, dict[str, Any]]:
    """The ECE check (skipped without a bound) and the reliability curve for the report."""
    if not context.is_classification:
        return CheckResult(
            NAME, "calibration", "skipped", reason="calibration applies to classification"
        ), {}
    spec = context.charter.validation.calibration
    bins = spec.bins if spec is not None else 10
    bound = spec.ece if spec is not None else None
    threshold = format_bound(bound.min, bound.max) if bound is not None else None
    try:
        result = calibration(context.y_true, scores, n_bins=bins)
    except DataError as exc:
        verdict: Verdict = "fail" if bound is not None else "skipped"
        return CheckResult(
            NAME,
            "calibration",
            verdict,
            None,
            threshold,
            f"ECE could not be computed: {exc.message}",
        ), {}
    curve = result.to_dict()
    details = {"mce": result.mce, "bins": bins}
    if bound is None:
        reason = f"ECE {result.ece:.4f} reported; the charter sets no bound"
        return CheckResult(NAME, "calibration", "skipped", result.ece, None, reason, details), curve
    below = bound.min is not None and result.ece < bound.min
    above = bound.max is not None and result.ece > bound.max
    if below or above:
        reason = f"ECE {result.ece:.4f} over {bins} bins breaks {threshold}"
        return CheckResult(
            NAME, "calibration", "fail", result.ece, threshold, reason, details
        ), curve
    reason = f"ECE {result.ece:.4f} over {bins} bins meets {threshold} (MCE {result.mce:.4f})"
    return CheckResult(NAME, "calibration", "pass", result.ece, threshold, reason, details), curve
