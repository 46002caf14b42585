"""The gate's model-risk checks: the tier's mandatory checks ran, on a large enough holdout.

The tier sets floors the charter can only tighten (``charter.contract.tiers``). A mandatory check
family that was skipped (on request, or because the charter sets no thresholds for it) or did not
run at all fails the gate for that tier, as does a holdout smaller than the tier's minimum.
"""

from __future__ import annotations

from collections.abc import Sequence

from charter.contract import Charter
from charter.contract.tiers import requirements_of
from charter.validation.report import CheckResult

__all__ = ["HOLDOUT_CHECK", "MANDATORY_CHECK", "check_risk_tier"]

MANDATORY_CHECK = "risk.mandatory_checks"
HOLDOUT_CHECK = "risk.holdout_rows"


def _ran(checks: Sequence[CheckResult], category: str) -> bool:
    return any(c.category == category and c.verdict != "skipped" for c in checks)


def check_risk_tier(
    charter: Charter, checks: Sequence[CheckResult], rows: int
) -> list[CheckResult]:
    """The tier's two checks on a finished gate: mandatory families ran, holdout large enough."""
    needs = requirements_of(charter)
    tier = needs.tier
    missing = [c for c in needs.mandatory_checks if not _ran(checks, c)]
    required = ", ".join(needs.mandatory_checks)
    mandatory = CheckResult(
        MANDATORY_CHECK,
        "data",
        "fail" if missing else "pass",
        value=len(needs.mandatory_checks) - len(missing),
        threshold=f"{required} must run",
        reason=(
            f"risk tier {tier} requires the {', '.join(missing)} check(s), which did not run "
            "(skipped, or the charter sets no thresholds for them)"
            if missing
            else f"every check risk tier {tier} requires ran"
        ),
        details={"tier": tier, "mandatory": list(needs.mandatory_checks), "missing": missing},
    )
    small = rows < needs.min_holdout_rows
    holdout = CheckResult(
        HOLDOUT_CHECK,
        "data",
        "fail" if small else "pass",
        value=rows,
        threshold=f">= {needs.min_holdout_rows}",
        reason=(
            f"risk tier {tier} needs a holdout of at least {needs.min_holdout_rows} rows; "
            f"got {rows}"
            if small
            else f"{rows} rows, at least the {needs.min_holdout_rows} risk tier {tier} needs"
        ),
        details={"tier": tier},
    )
    return [mandatory, holdout]
