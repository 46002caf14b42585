"""``revalidation.overdue``: days a version is past its periodic revalidation, per window.

The cadence is the charter's ``risk.revalidate_every`` tightened by its tier's floor
(``charter.contract.tiers``). The clock starts at the version's latest passing gate run made by
the end of the window (its registration when there is none) and the figure is judged as of the
window's end, or now for a window still open: 0 while the revalidation is not due ("ok"), else
the days past the due date ("alert"), so a policy can act on it (``revalidation.overdue > 0``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from charter.contract import Charter
from charter.contract.tiers import requirements_of
from charter.monitoring.result import Check, Status
from charter.store import ValidationRunRecord, VersionRecord

__all__ = ["REVALIDATION_OVERDUE", "revalidation_check"]

REVALIDATION_OVERDUE = "revalidation.overdue"


def revalidation_check(
    charter: Charter,
    version: VersionRecord,
    runs: Sequence[ValidationRunRecord],
    at: datetime,
) -> Check:
    """How many days past its revalidation date ``version`` is at ``at``."""
    every = requirements_of(charter).revalidate_every
    passed = [run.created_at for run in runs if run.passed and run.created_at <= at]
    start = max(passed) if passed else version.created_at
    due = start + every
    overdue_days = max(0.0, (at - due).total_seconds() / 86400.0)
    since = (
        f"last validated {start:%Y-%m-%d}"
        if passed
        else f"never validated (registered {start:%Y-%m-%d})"
    )
    status: Status = "alert" if overdue_days > 0 else "ok"
    reason = (
        f"{since}; revalidation was due {due:%Y-%m-%d}, {overdue_days:.1f} day(s) ago"
        if overdue_days > 0
        else f"{since}; next revalidation due {due:%Y-%m-%d}"
    )
    return Check(REVALIDATION_OVERDUE, round(overdue_days, 3), status, reason, 0.0, len(passed))
