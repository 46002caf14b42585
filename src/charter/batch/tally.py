"""Counts a run keeps while it streams, and the progress events built from them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from charter.batch.result import BatchProgress
from charter.batch.sources import Source

__all__ = ["Progress", "Tally", "over_limit", "report"]

Progress = Callable[[BatchProgress], None]


@dataclass
class Tally:
    """Rows in, scored, rejected and logged so far, and the commonest reject reasons."""

    rows_in: int = 0
    rows_scored: int = 0
    rows_rejected: int = 0
    rows_logged: int = 0
    partitions_done: int = 0
    reasons: Counter[str] = field(default_factory=Counter)


def over_limit(tally: Tally, limit: float) -> bool:
    """Whether the reject share breaks the charter's ``max_reject_share``."""
    return tally.rows_in > 0 and tally.rows_rejected / tally.rows_in > limit


def report(progress: Progress | None, tally: Tally, src: Source) -> None:
    """Send the current counts to the display, if there is one."""
    if progress is not None:
        progress(
            BatchProgress(
                rows_done=tally.rows_in,
                rows_rejected=tally.rows_rejected,
                rows_total=src.total_rows,
                is_estimate=src.is_estimate,
                partitions_done=tally.partitions_done,
                partitions_total=len(src.partitions),
            )
        )
