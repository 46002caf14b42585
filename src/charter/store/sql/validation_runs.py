"""Gate runs stored against the exact version and charter they judged."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import JSON, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from charter.store.entities import NewValidationRun, ValidationRunRecord
from charter.store.sql.audit import append_event_row
from charter.store.sql.tables import Base, SqlModel, UtcDateTime, utc_now
from charter.store.sql.transactions import TransactionRunner

__all__ = ["SqlValidationRun", "SqlValidationRunsMixin"]

_Status = Literal["pass", "warn", "fail"]


class SqlValidationRun(Base):
    """One run of the validation gate on one version."""

    __tablename__ = "validation_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    charter_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(8))
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    data_fingerprint: Mapped[str] = mapped_column(String(255))
    run_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    model: Mapped[SqlModel] = relationship()

    def to_entity(self) -> ValidationRunRecord:
        return ValidationRunRecord(
            id=self.id,
            model_name=self.model.name,
            version=self.version,
            charter_hash=self.charter_hash,
            status=cast(_Status, self.status),
            report=dict(self.report or {}),
            data_fingerprint=self.data_fingerprint,
            run_by=self.run_by,
            created_at=self.created_at,
        )


class SqlValidationRunsMixin:
    """``record_validation_run`` and friends for ``SqlRegistryStore``."""

    _tx: TransactionRunner

    def _version(self, session: Session, name: str, version: int, *, lock: bool = False) -> Any:
        raise AssertionError("provided by SqlRegistryStore")  # pragma: no cover

    def _model(self, session: Session, name: str) -> SqlModel:
        raise AssertionError("provided by SqlRegistryStore")  # pragma: no cover

    def record_validation_run(self, run: NewValidationRun) -> ValidationRunRecord:
        def work(session: Session) -> ValidationRunRecord:
            version = self._version(session, run.model_name, run.version)
            row = SqlValidationRun(
                model_id=version.model_id,
                version=run.version,
                charter_hash=run.charter_hash,
                status=run.status,
                report=run.report,
                data_fingerprint=run.data_fingerprint,
                run_by=run.run_by,
                created_at=utc_now(),
            )
            session.add(row)
            session.flush()
            append_event_row(
                session,
                "version.validated",
                actor=run.run_by,
                model_name=run.model_name,
                version=run.version,
                after={
                    "status": run.status,
                    "charter_hash": run.charter_hash,
                    "run_id": row.id,
                    "data_fingerprint": run.data_fingerprint,
                },
            )
            return row.to_entity()

        return self._tx.run(f"recording a gate run of {run.model_name}@{run.version}", work)

    def list_validation_runs(
        self, name: str, version: int | None = None
    ) -> list[ValidationRunRecord]:
        def work(session: Session) -> list[ValidationRunRecord]:
            model = self._model(session, name)
            query = select(SqlValidationRun).where(SqlValidationRun.model_id == model.id)
            if version is not None:
                query = query.where(SqlValidationRun.version == version)
            rows = session.scalars(query.order_by(SqlValidationRun.id))
            return [row.to_entity() for row in rows]

        return self._tx.run(f"listing gate runs of {name!r}", work, read_only=True)

    def latest_validation_run(
        self, name: str, version: int, *, charter_hash: str | None = None
    ) -> ValidationRunRecord | None:
        def work(session: Session) -> ValidationRunRecord | None:
            model = self._model(session, name)
            query = select(SqlValidationRun).where(
                SqlValidationRun.model_id == model.id, SqlValidationRun.version == version
            )
            if charter_hash is not None:
                query = query.where(SqlValidationRun.charter_hash == charter_hash)
            row = session.scalars(query.order_by(SqlValidationRun.id.desc()).limit(1)).first()
            return row.to_entity() if row is not None else None

        return self._tx.run(f"reading the gate run of {name}@{version}", work, read_only=True)
