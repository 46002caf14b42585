"""Batch scoring runs for ``SqlRegistryStore``: start, finish, read and list them.

Each change appends its audit event (``batch.started``, ``batch.finished``, ``batch.failed``) in
the same transaction. A run id is unique per model; starting it again resets the row, which is
what makes a retried run replace the earlier attempt instead of adding a second one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from charter.errors import DataError, NotFoundError
from charter.store.ports_batch import (
    BatchRunRecord,
    BatchRunStatus,
    FinishedBatchRun,
    NewBatchRun,
)
from charter.store.sql.audit import append_event_row
from charter.store.sql.tables import Base, SqlModel, UtcDateTime
from charter.store.sql.transactions import TransactionRunner

__all__ = ["SqlBatchRun", "SqlBatchRunsMixin"]

_MAX_RUN_ID = 128


class SqlBatchRun(Base):
    """One batch scoring run of one model."""

    __tablename__ = "batch_runs"
    __table_args__ = (
        UniqueConstraint("model_id", "run_id"),
        Index("ix_batch_runs_model_id_started_at", "model_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"))
    run_id: Mapped[str] = mapped_column(String(_MAX_RUN_ID))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    started_by: Mapped[str] = mapped_column(String(255))
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    rows_in: Mapped[int] = mapped_column(BigInteger)
    rows_scored: Mapped[int] = mapped_column(BigInteger)
    rows_rejected: Mapped[int] = mapped_column(BigInteger)
    deadline_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    met_deadline: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    engine: Mapped[str] = mapped_column(String(16))
    input_uri: Mapped[str] = mapped_column(Text)
    output_uri: Mapped[str] = mapped_column(Text)
    reject_uri: Mapped[str] = mapped_column(Text)
    error: Mapped[str] = mapped_column(Text)

    model: Mapped[SqlModel] = relationship()

    def to_entity(self) -> BatchRunRecord:
        return BatchRunRecord(
            model_name=self.model.name,
            version=self.version,
            run_id=self.run_id,
            status=cast(BatchRunStatus, self.status),
            started_at=self.started_at,
            started_by=self.started_by,
            engine=self.engine,
            input_uri=self.input_uri,
            output_uri=self.output_uri,
            reject_uri=self.reject_uri,
            finished_at=self.finished_at,
            rows_in=self.rows_in,
            rows_scored=self.rows_scored,
            rows_rejected=self.rows_rejected,
            deadline_at=self.deadline_at,
            met_deadline=self.met_deadline,
            error=self.error or "",
        )


def _summary(row: SqlBatchRun) -> dict[str, Any]:
    return {
        "run_id": row.run_id,
        "status": row.status,
        "rows_in": row.rows_in,
        "rows_scored": row.rows_scored,
        "rows_rejected": row.rows_rejected,
        "met_deadline": row.met_deadline,
    }


class SqlBatchRunsMixin:
    """``start_batch_run`` and friends for ``SqlRegistryStore``."""

    _tx: TransactionRunner

    def _version(self, session: Session, name: str, version: int, *, lock: bool = False) -> Any:
        raise AssertionError("provided by SqlRegistryStore")  # pragma: no cover

    def _model(self, session: Session, name: str) -> SqlModel:
        raise AssertionError("provided by SqlRegistryStore")  # pragma: no cover

    @staticmethod
    def _run_row(session: Session, model: SqlModel, run_id: str) -> SqlBatchRun | None:
        query = select(SqlBatchRun).where(
            SqlBatchRun.model_id == model.id, SqlBatchRun.run_id == run_id
        )
        return session.scalars(query.with_for_update()).one_or_none()

    def start_batch_run(self, run: NewBatchRun) -> BatchRunRecord:
        if not run.run_id or len(run.run_id) > _MAX_RUN_ID:
            raise DataError(
                f"a batch run id must have 1 to {_MAX_RUN_ID} characters; got {run.run_id!r}"
            )

        def work(session: Session) -> BatchRunRecord:
            version = self._version(session, run.model_name, run.version)
            row = self._run_row(session, version.model, run.run_id)
            before = _summary(row) if row is not None else None
            if row is None:
                row = SqlBatchRun(model_id=version.model_id, run_id=run.run_id)
                session.add(row)
            row.version = run.version
            row.status = "running"
            row.started_at = run.started_at
            row.started_by = run.started_by
            row.finished_at = None
            row.rows_in = row.rows_scored = row.rows_rejected = 0
            row.deadline_at = run.deadline_at
            row.met_deadline = None
            row.engine = run.engine
            row.input_uri = run.input_uri
            row.output_uri = run.output_uri
            row.reject_uri = run.reject_uri
            row.error = ""
            session.flush()
            append_event_row(
                session,
                "batch.started",
                actor=run.started_by,
                model_name=run.model_name,
                version=run.version,
                before=before,
                after={"run_id": run.run_id, "engine": run.engine, "output": run.output_uri},
            )
            return row.to_entity()

        return self._tx.run(f"starting batch run {run.run_id!r} of {run.model_name!r}", work)

    def finish_batch_run(self, name: str, run_id: str, outcome: FinishedBatchRun) -> BatchRunRecord:
        def work(session: Session) -> BatchRunRecord:
            row = self._run_row(session, self._model(session, name), run_id)
            if row is None:
                raise NotFoundError(f"model {name!r} has no batch run {run_id!r}")
            row.status = outcome.status
            row.finished_at = outcome.finished_at
            row.rows_in = outcome.rows_in
            row.rows_scored = outcome.rows_scored
            row.rows_rejected = outcome.rows_rejected
            row.met_deadline = outcome.met_deadline
            row.error = outcome.error
            session.flush()
            action = "batch.finished" if outcome.status == "succeeded" else "batch.failed"
            append_event_row(
                session,
                action,
                actor=row.started_by,
                model_name=name,
                version=row.version,
                after=_summary(row),
                reason=outcome.error,
            )
            return row.to_entity()

        return self._tx.run(f"finishing batch run {run_id!r} of {name!r}", work)

    def get_batch_run(self, name: str, run_id: str) -> BatchRunRecord:
        def work(session: Session) -> BatchRunRecord:
            model = self._model(session, name)
            row = session.scalars(
                select(SqlBatchRun).where(
                    SqlBatchRun.model_id == model.id, SqlBatchRun.run_id == run_id
                )
            ).one_or_none()
            if row is None:
                raise NotFoundError(f"model {name!r} has no batch run {run_id!r}")
            return row.to_entity()

        return self._tx.run(f"reading batch run {run_id!r} of {name!r}", work, read_only=True)

    def list_batch_runs(self, name: str, since: datetime | None = None) -> list[BatchRunRecord]:
        if since is not None and since.tzinfo is None:
            raise DataError(f"'since' must be an aware datetime; got {since.isoformat()}")

        def work(session: Session) -> list[BatchRunRecord]:
            model = self._model(session, name)
            query = select(SqlBatchRun).where(SqlBatchRun.model_id == model.id)
            if since is not None:
                query = query.where(SqlBatchRun.started_at >= since)
            rows = session.scalars(query.order_by(SqlBatchRun.started_at, SqlBatchRun.id))
            return [row.to_entity() for row in rows]

        return self._tx.run(f"listing batch runs of {name!r}", work, read_only=True)
