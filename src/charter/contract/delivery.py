"""How predictions reach their consumers: a real-time API, a scheduled batch job, or both."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from charter.contract.base import SpecModel
from charter.contract.cron import validate_cron, validate_deadline, validate_timezone

__all__ = ["BatchSpec", "DeliverySpec", "RealtimeSpec"]


class RealtimeSpec(SpecModel):
    """The service-level objective of the prediction API."""

    latency_p99_ms: float = Field(gt=0, description="99th percentile latency SLO, milliseconds.")
    throughput_rps: float | None = Field(
        None, gt=0, description="Requests per second the service must sustain."
    )
    require_token: bool = Field(False, description="Whether callers must send a bearer token.")
    max_batch_rows: int = Field(10_000, ge=1, description="Most rows one request may carry.")
    max_payload_bytes: int = Field(
        10 * 1024 * 1024, ge=1, description="Largest request body accepted, in bytes."
    )


class BatchSpec(SpecModel):
    """A scheduled scoring job: where it reads, where it writes, and by when."""

    schedule: str = Field(
        description="5-field cron schedule (minute hour day month weekday), e.g. '0 5 * * MON'.",
        examples=["0 5 * * MON", "@daily"],
    )
    source: str | None = Field(None, description="Input path or URL (glob allowed).")
    sink: str | None = Field(
        None, description="Output path or URL (file, s3://, sqlite:///…#table)."
    )
    deadline: str | None = Field(
        None,
        description="Time of day (HH:MM, in `timezone`) the scores must be written by.",
        pattern=r"^([01]\d|2[0-3]):[0-5]\d$",
    )
    timezone: str = Field("UTC", description="IANA time zone of the schedule and deadline.")
    max_reject_share: float = Field(
        0.01, ge=0, le=1, description="Largest share of rows that may fail input validation."
    )
    format: Literal["parquet", "csv", "jsonl"] = Field("parquet", description="Output format.")

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        return validate_cron(value)

    @field_validator("deadline", mode="before")
    @classmethod
    def _deadline(cls, value: object) -> object:
        return validate_deadline(value) if isinstance(value, str) else value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return validate_timezone(value)


class DeliverySpec(SpecModel):
    """The delivery modes the model serves; either may be left out."""

    realtime: RealtimeSpec | None = Field(None, description="Real-time API objectives.")
    batch: BatchSpec | None = Field(None, description="Scheduled batch scoring.")
