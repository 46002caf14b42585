"""Scheduler job slots for ``SqlRegistryStore``: claim, finish and list them.

A claim is one transaction that reads the slot's row under a lock (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite serialises writers) and inserts or takes it over; two first claims of one
slot collide on the unique key and the retry sees the winner's row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from charter.errors import DataError
from charter.store.ports_scheduler import JOB_KINDS, JobKind, JobSlot, JobStatus
from charter.store.sql.tables import Base, SqlModel, UtcDateTime
from charter.store.sql.transactions import TransactionRunner

__all__ = ["SqlSchedulerJob", "SqlSchedulerMixin"]


class SqlSchedulerJob(Base):
    """One claimed slot of one scheduled job of one model."""

    __tablename__ = "scheduler_jobs"
    __table_args__ = (UniqueConstraint("model_id", "job", "slot", name="uq_scheduler_jobs_slot"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"), index=True)
    job: Mapped[str] = mapped_column(String(32))
    slot: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str] = mapped_column(String(255))
    attempts: Mapped[int] = mapped_column(Integer)
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lease_until: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    detail: Mapped[Any] = mapped_column(JSON)

    def to_entity(self, name: str) -> JobSlot:
        return JobSlot(
            model=name,
            job=cast(JobKind, self.job),
            slot=self.slot,
            status=cast(JobStatus, self.status),
            owner=self.owner,
            attempts=self.attempts,
            claimed_at=self.claimed_at,
            lease_until=self.lease_until,
            finished_at=self.finished_at,
            detail=dict(self.detail) if isinstance(self.detail, dict) else {},
        )


def _free(
    row: SqlSchedulerJob,
    now: datetime,
    is_dead: Callable[[str], bool],
    max_attempts: int | None,
) -> bool:
    """Whether a claimed slot may be taken: failed with attempts left, or running under a
    lease that ended or an owner that died."""
    if row.status == "failed":
        return max_attempts is None or row.attempts < max_attempts
    return row.status == "running" and (row.lease_until <= now or is_dead(row.owner))


def _check_job(job: str) -> None:
    if job not in JOB_KINDS:
        raise DataError(f"unknown scheduler job {job!r}; expected one of {', '.join(JOB_KINDS)}")


class SqlSchedulerMixin:
    """``claim_job``, ``finish_job`` and ``list_jobs`` for ``SqlRegistryStore``."""

    _tx: TransactionRunner

    def _model(self, session: Session, name: str) -> SqlModel:
        raise AssertionError("provided by SqlRegistryStore")  # pragma: no cover

    def _slot_row(
        self, session: Session, name: str, job: str, slot: datetime
    ) -> tuple[SqlModel, SqlSchedulerJob | None]:
        model = self._model(session, name)
        row = session.scalars(
            select(SqlSchedulerJob)
            .where(
                SqlSchedulerJob.model_id == model.id,
                SqlSchedulerJob.job == job,
                SqlSchedulerJob.slot == slot,
            )
            .with_for_update()
        ).one_or_none()
        return model, row

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
        _check_job(job)

        def work(session: Session) -> JobSlot | None:
            model, row = self._slot_row(session, name, job, slot)
            if row is None:
                row = SqlSchedulerJob(model_id=model.id, job=job, slot=slot, attempts=0)
                session.add(row)
            elif not _free(row, now, is_dead, max_attempts):
                return None
            row.status, row.owner, row.attempts = "running", owner, row.attempts + 1
            row.claimed_at, row.lease_until = now, now + lease
            row.finished_at, row.detail = None, {}
            session.flush()
            return row.to_entity(name)

        return self._tx.run(
            f"claiming the {job} slot {slot.isoformat()} of {name!r}", work, retry_conflicts=True
        )

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
        def work(session: Session) -> bool:
            _, row = self._slot_row(session, name, job, slot)
            if row is None or row.owner != owner or row.status != "running":
                return False
            row.status, row.finished_at, row.detail = status, now, dict(detail or {})
            return True

        return self._tx.run(f"finishing the {job} slot {slot.isoformat()} of {name!r}", work)

    def last_done_job(self, name: str, job: JobKind) -> JobSlot | None:
        def work(session: Session) -> JobSlot | None:
            model = self._model(session, name)
            row = session.scalars(
                select(SqlSchedulerJob)
                .where(
                    SqlSchedulerJob.model_id == model.id,
                    SqlSchedulerJob.job == job,
                    SqlSchedulerJob.status == "done",
                )
                .order_by(SqlSchedulerJob.slot.desc())
                .limit(1)
            ).one_or_none()
            return None if row is None else row.to_entity(name)

        return self._tx.run(f"reading the last {job} slot of {name!r}", work, read_only=True)

    def list_jobs(
        self, name: str, job: JobKind | None = None, *, since: datetime | None = None
    ) -> list[JobSlot]:
        def work(session: Session) -> list[JobSlot]:
            model = self._model(session, name)
            query = select(SqlSchedulerJob).where(SqlSchedulerJob.model_id == model.id)
            if job is not None:
                query = query.where(SqlSchedulerJob.job == job)
            if since is not None:
                query = query.where(SqlSchedulerJob.slot >= since)
            rows = session.scalars(query.order_by(SqlSchedulerJob.slot, SqlSchedulerJob.job))
            return [row.to_entity(name) for row in rows]

        return self._tx.run(f"listing the scheduler jobs of {name!r}", work, read_only=True)
