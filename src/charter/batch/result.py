"""What a batch run reports: progress while it runs, a frozen result when it ends, its deadline."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Literal
from zoneinfo import ZoneInfo

from charter.contract.delivery import BatchSpec

__all__ = ["BatchProgress", "BatchRunResult", "deadline_for"]


@dataclass(frozen=True)
class BatchProgress:
    """A progress event for a display (the CLI's bar); services never print."""

    rows_done: int
    rows_rejected: int
    rows_total: int | None  # None when the input size is unknown
    is_estimate: bool = False
    partitions_done: int = 0
    partitions_total: int = 0


@dataclass(frozen=True)
class BatchRunResult:
    """The outcome of ``charter score``: counts, where the output went, the deadline verdict."""

    run_id: str
    model: str
    version: int
    status: Literal["succeeded", "failed"]
    engine: str
    input_uri: str
    output_uri: str
    reject_uri: str
    rows_in: int
    rows_scored: int
    rows_rejected: int
    max_reject_share: float
    started_at: datetime
    finished_at: datetime
    deadline_at: datetime | None
    met_deadline: bool | None
    rows_logged: int = 0
    manifest_uri: str | None = None
    error: str = ""
    top_reject_reasons: tuple[tuple[str, int], ...] = ()

    @property
    def reject_share(self) -> float:
        return self.rows_rejected / self.rows_in if self.rows_in else 0.0

    @property
    def passed(self) -> bool:
        return self.status == "succeeded"

    @property
    def duration_s(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields, with the derived share and duration."""
        data = asdict(self)
        for key in ("started_at", "finished_at", "deadline_at"):
            value = data[key]
            data[key] = value.isoformat() if value is not None else None
        data["top_reject_reasons"] = [
            {"reason": reason, "rows": rows} for reason, rows in self.top_reject_reasons
        ]
        data["reject_share"] = self.reject_share
        data["duration_s"] = round(self.duration_s, 3)
        return data


def deadline_for(spec: BatchSpec | None, started_at: datetime) -> datetime | None:
    """The deadline a run started at ``started_at`` must meet, in UTC, or None if none applies.

    The charter's ``deadline`` is a time of day in its ``timezone``: the scores are due by that
    time on the (local) day the run starts, so a run that starts after it has already missed it.
    """
    if spec is None or spec.deadline is None:
        return None
    zone = ZoneInfo(spec.timezone)
    hours, minutes = (int(part) for part in spec.deadline.split(":"))
    local_day: date = started_at.astimezone(zone).date()
    due = datetime.combine(local_day, time(hours, minutes), tzinfo=zone)
    # Normalise through UTC so a DST gap (a wall time that does not exist) still gives an instant.
    return due.astimezone(UTC)
