"""The public API of the gate and its reports, pinned."""

from __future__ import annotations

import charter.reports
import charter.validation


def test_validation_exports() -> None:
    assert charter.validation.__all__ == [
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
    assert charter.validation.CATEGORIES[0] == "data"


def test_report_exports() -> None:
    assert charter.reports.__all__ == ["render_gate_html", "write_gate_report"]
