"""The scheduler behind ``charter run``: everything a charter schedules, in one process.

``run_pass(registry, options)`` compacts the prediction-log spool, scores due batch slots,
monitors closed windows and evaluates the policies after each one. Every slot is claimed in the
registry first, so a restarted or second scheduler neither repeats nor skips one.
"""

from __future__ import annotations

from charter.scheduler.owner import current_owner, is_dead
from charter.scheduler.service import (
    MAX_ATTEMPTS,
    JobReport,
    PassReport,
    SchedulerOptions,
    run_pass,
)

__all__ = [
    "MAX_ATTEMPTS",
    "JobReport",
    "PassReport",
    "SchedulerOptions",
    "current_owner",
    "is_dead",
    "run_pass",
]
