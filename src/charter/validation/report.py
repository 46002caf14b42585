"""The gate's typed result: one ``CheckResult`` per check and the ``GateReport`` that holds them.

A failed check is a result, never an exception. Every value that reaches JSON goes through
``json_safe`` so the stored report is strict JSON: NaN and infinities become ``None`` and the
check's ``reason`` says why the number is missing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

__all__ = [
    "CATEGORIES",
    "CheckResult",
    "GateReport",
    "GateStatus",
    "Verdict",
    "format_bound",
    "json_safe",
]

Verdict = Literal["pass", "warn", "fail", "skipped"]
GateStatus = Literal["pass", "warn", "fail"]

#: The check families, in the order the gate runs them and the report shows them.
CATEGORIES: tuple[str, ...] = (
    "data",
    "performance",
    "champion",
    "fairness",
    "robustness",
    "calibration",
    "explainability",
    "latency",
)


def json_safe(value: Any) -> Any:
    """``value`` as strict JSON: NumPy scalars unwrapped, tuples listed, NaN and inf as None."""
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(item) for item in value]
    if isinstance(value, np.ndarray):
        return [json_safe(item) for item in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def format_bound(low: float | None, high: float | None) -> str:
    """A bound as people read it: ``>= 0.85``, ``<= 0.12`` or ``0.1 .. 0.9``."""
    if low is not None and high is not None:
        return f"{low:g} .. {high:g}"
    if low is not None:
        return f">= {low:g}"
    if high is not None:
        return f"<= {high:g}"
    return "none"


@dataclass(frozen=True)
class CheckResult:
    """One check's verdict with its measured value, its threshold and a one-line reason."""

    name: str
    category: str
    verdict: Verdict
    value: float | str | None = None
    threshold: str | None = None
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (NaN becomes ``None``)."""
        return {
            "name": self.name,
            "category": self.category,
            "verdict": self.verdict,
            "value": json_safe(self.value),
            "threshold": self.threshold,
            "reason": self.reason,
            "details": json_safe(self.details),
        }


@dataclass(frozen=True)
class GateReport:
    """Every check run on one version against one charter, and the plots the report draws."""

    model_name: str
    version: int
    charter_hash: str
    checks: tuple[CheckResult, ...]
    data: dict[str, Any] = field(default_factory=dict)
    plots: dict[str, Any] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)
    started_at: str = ""
    duration_s: float = 0.0
    run_id: int | None = None
    run_by: str = ""

    @property
    def ref(self) -> str:
        """``name@version``."""
        return f"{self.model_name}@{self.version}"

    @property
    def status(self) -> GateStatus:
        """``fail`` if any check failed, ``warn`` if any warned, else ``pass``."""
        verdicts = {check.verdict for check in self.checks}
        if "fail" in verdicts:
            return "fail"
        return "warn" if "warn" in verdicts else "pass"

    @property
    def passed(self) -> bool:
        """Whether the gate lets the version through (warnings allowed)."""
        return self.status != "fail"

    @property
    def failures(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if c.verdict == "fail")

    @property
    def warnings(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if c.verdict == "warn")

    def check(self, name: str) -> CheckResult:
        """The check called ``name`` (``KeyError`` if the gate did not run it)."""
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(name)

    def summary(self) -> dict[str, int]:
        """How many checks got each verdict."""
        counts = dict.fromkeys(("pass", "warn", "fail", "skipped"), 0)
        for check in self.checks:
            counts[check.verdict] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        """The whole report as strict JSON (what the registry stores and ``--json`` prints)."""
        return {
            "model": self.model_name,
            "version": self.version,
            "ref": self.ref,
            "charter_hash": self.charter_hash,
            "status": self.status,
            "summary": self.summary(),
            "run_id": self.run_id,
            "run_by": self.run_by,
            "started_at": self.started_at,
            "duration_s": json_safe(round(self.duration_s, 3)),
            "timings_s": json_safe({k: round(v, 3) for k, v in self.timings_s.items()}),
            "data": json_safe(self.data),
            "checks": [check.to_dict() for check in self.checks],
            "plots": json_safe(self.plots),
        }
