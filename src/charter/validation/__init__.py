"""The validation gate: every check a model version must pass before it may be approved.

``validate(registry, "name@3", holdout)`` runs the checks the charter's ``validation`` section
asks for (data, performance, champion, fairness, robustness, calibration, explainability,
latency), returns a ``GateReport`` of ``CheckResult`` verdicts and records it in the registry
against the version and the charter's hash. Bad input raises a ``CharterError`` before anything
is written; a failed check is a verdict, never an exception.
"""

from __future__ import annotations

from charter.validation.gate import validate
from charter.validation.latency import LatencyMeasurement, judge_latency
from charter.validation.report import (
    CATEGORIES,
    CheckResult,
    GateReport,
    GateStatus,
    Verdict,
    json_safe,
)

__all__ = [
    "CATEGORIES",
    "CheckResult",
    "GateReport",
    "GateStatus",
    "LatencyMeasurement",
    "Verdict",
    "json_safe",
    "judge_latency",
    "validate",
]
