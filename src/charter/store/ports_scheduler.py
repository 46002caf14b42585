"""The scheduler part of the registry port: which job slots `charter run` claimed and finished.

A job slot is one unit of scheduled work of one model: a monitoring window (its start), the same
window monitored again once its labels are due (``labels``), or a batch schedule's firing time.
``claim_job`` is the only way to start one, so two schedulers, or one restarted after a crash,
never run the same slot twice: a ``done`` slot is never claimed again, a ``running`` slot only once
its claimer's lease has run out or its claimer is known to be dead (it never finished, so running
it again repeats nothing), and a ``failed`` slot is retried.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

__all__ = ["JOB_KINDS", "JobKind", "JobSlot", "JobStatus", "SchedulerPort"]

JobKind = Literal["monitor", "labels", "batch"]
JobStatus = Literal["running", "done", "failed"]
JOB_KINDS: tuple[JobKind, ...] = ("monitor", "labels", "batch")


@dataclass(frozen=True)
class JobSlot:
    """One claimed slot of one scheduled job of one model."""

    model: str
    job: JobKind
    slot: datetime
    status: JobStatus
    owner: str
    attempts: int
    claimed_at: datetime
    lease_until: datetime
    finished_at: datetime | None = None
    detail: dict[str, Any] = field(default_factory=dict)


class SchedulerPort(abc.ABC):
    """Where the scheduler records the slots it claimed, so a restart resumes exactly."""

    @abc.abstractmethod
    def claim_job(
        self,
        name: str,
        job: JobKind,
        slot: datetime,
        *,
        owner: str,
        now: datetime,
        lease: timedelta,
        is_dead: Callable[[str], bool] = lambda owner: False,
        max_attempts: int | None = None,
    ) -> JobSlot | None:
        """Claim ``job``'s ``slot`` of model ``name`` for ``owner``; None when it is not free.

        Free means: never claimed, ``failed`` fewer than ``max_attempts`` times (any number
        when None), or ``running`` under a lease that ended before ``now`` or an owner for
        which ``is_dead`` is true. Raise ``NotFoundError`` for an unknown model.
        """

    @abc.abstractmethod
    def finish_job(
        self,
        name: str,
        job: JobKind,
        slot: datetime,
        *,
        owner: str,
        status: Literal["done", "failed"],
        now: datetime,
        detail: dict[str, Any] | None = None,
    ) -> bool:
        """Mark a slot ``owner`` holds as finished; False (writing nothing) if it lost the slot."""

    @abc.abstractmethod
    def last_done_job(self, name: str, job: JobKind) -> JobSlot | None:
        """The latest-slot ``done`` slot of ``job`` of model ``name``, if any (one row read)."""

    @abc.abstractmethod
    def list_jobs(
        self, name: str, job: JobKind | None = None, *, since: datetime | None = None
    ) -> list[JobSlot]:
        """The slots of model ``name`` (of ``job``, from ``since``), oldest slot first."""
