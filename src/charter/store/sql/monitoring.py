"""Monitoring points and ground-truth labels stored for ``SqlRegistryStore``."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from charter.errors import DataError
from charter.store.ports_monitoring import MonitoringPoint, StoredLabel
from charter.store.sql.tables import Base, SqlModel, UtcDateTime, utc_now
from charter.store.sql.transactions import TransactionRunner

__all__ = ["SqlLabel", "SqlMonitoringMixin", "SqlMonitoringPoint"]

_CHUNK = 500
_LOOKUP_CHUNK = 5_000  # bound parameters per query: under SQLite's 32,766 limit


class SqlMonitoringPoint(Base):
    """One figure of one monitoring window of one version."""

    __tablename__ = "monitoring_points"
    __table_args__ = (
        UniqueConstraint(
            "model_id", "version", "window_start", "metric", name="uq_monitoring_points_key"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[datetime] = mapped_column(UtcDateTime)
    window_end: Mapped[datetime] = mapped_column(UtcDateTime)
    metric: Mapped[str] = mapped_column(String(255))
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SqlLabel(Base):
    """The ground truth of one logged prediction."""

    __tablename__ = "labels"
    __table_args__ = (UniqueConstraint("model_id", "request_id", name="uq_labels_model_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"), index=True)
    request_id: Mapped[str] = mapped_column(String(255))
    label: Mapped[str] = mapped_column(String(255))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


def _insert(session: Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


class SqlMonitoringMixin:
    """``record_points`` and friends for ``SqlRegistryStore``."""

    _tx: TransactionRunner

    def _model(self, session: Session, name: str) -> SqlModel:
        raise AssertionError("provided by SqlRegistryStore")  # pragma: no cover

    def record_points(self, points: Sequence[MonitoringPoint]) -> int:
        for point in points:
            if point.value is not None and not math.isfinite(point.value):
                raise DataError(f"monitoring point {point.metric} is not finite: {point.value}")
        if not points:
            return 0

        def work(session: Session) -> int:
            now = utc_now()
            ids: dict[str, int] = {}
            insert = _insert(session)
            for point in points:
                if point.model not in ids:
                    ids[point.model] = self._model(session, point.model).id
                statement = insert(SqlMonitoringPoint).values(
                    model_id=ids[point.model],
                    version=point.version,
                    window_start=point.window_start,
                    window_end=point.window_end,
                    metric=point.metric,
                    value=point.value,
                    status=point.status,
                    computed_at=now,
                )
                session.execute(
                    statement.on_conflict_do_update(
                        index_elements=["model_id", "version", "window_start", "metric"],
                        set_={
                            "window_end": statement.excluded.window_end,
                            "value": statement.excluded.value,
                            "status": statement.excluded.status,
                            "computed_at": statement.excluded.computed_at,
                        },
                    )
                )
            return len(points)

        return self._tx.run(f"recording {len(points)} monitoring points", work)

    def list_points(
        self, name: str, metric: str | None = None, since: datetime | None = None
    ) -> list[MonitoringPoint]:
        def work(session: Session) -> list[MonitoringPoint]:
            model = self._model(session, name)
            query = select(SqlMonitoringPoint).where(SqlMonitoringPoint.model_id == model.id)
            if metric is not None:
                query = query.where(SqlMonitoringPoint.metric == metric)
            if since is not None:
                query = query.where(SqlMonitoringPoint.window_start >= since)
            query = query.order_by(
                SqlMonitoringPoint.window_start,
                SqlMonitoringPoint.version,
                SqlMonitoringPoint.metric,
            )
            return [
                MonitoringPoint(
                    model=name,
                    version=row.version,
                    window_start=row.window_start,
                    window_end=row.window_end,
                    metric=row.metric,
                    value=row.value,
                    status=row.status,
                    computed_at=row.computed_at,
                )
                for row in session.scalars(query)
            ]

        return self._tx.run(f"listing monitoring points of {name!r}", work, read_only=True)

    def ingest_labels(self, name: str, pairs: Iterable[tuple[str, str]]) -> tuple[int, int]:
        latest = {str(request_id): str(label) for request_id, label in pairs}

        def work(session: Session) -> tuple[int, int]:
            model = self._model(session, name)
            ids = list(latest)
            existing: dict[str, SqlLabel] = {}
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                query = select(SqlLabel).where(
                    SqlLabel.model_id == model.id, SqlLabel.request_id.in_(chunk)
                )
                existing.update({row.request_id: row for row in session.scalars(query)})
            now = utc_now()
            new = updated = 0
            for request_id, label in latest.items():
                row = existing.get(request_id)
                if row is None:
                    session.add(
                        SqlLabel(
                            model_id=model.id, request_id=request_id, label=label, received_at=now
                        )
                    )
                    new += 1
                elif row.label != label:
                    row.label, row.received_at = label, now
                    updated += 1
            return new, updated

        return self._tx.run(f"ingesting {len(latest)} labels of {name!r}", work)

    def labels_for(self, name: str, request_ids: Iterable[str]) -> dict[str, StoredLabel]:
        ids = sorted({str(request_id) for request_id in request_ids})

        def work(session: Session) -> dict[str, StoredLabel]:
            model = self._model(session, name)
            columns = (SqlLabel.request_id, SqlLabel.label, SqlLabel.received_at)
            mine = SqlLabel.model_id == model.id
            stored = session.scalar(select(func.count()).select_from(SqlLabel).where(mine)) or 0
            if stored <= len(ids):  # fewer labels than asked-for ids: one scan, filtered here
                wanted = set(ids)
                rows = [r for r in session.execute(select(*columns).where(mine)) if r[0] in wanted]
            else:
                rows = [
                    row
                    for start in range(0, len(ids), _LOOKUP_CHUNK)
                    for row in session.execute(
                        select(*columns).where(
                            mine, SqlLabel.request_id.in_(ids[start : start + _LOOKUP_CHUNK])
                        )
                    )
                ]
            return {r[0]: StoredLabel(r[0], r[1], r[2]) for r in rows}

        return self._tx.run(f"reading labels of {name!r}", work, read_only=True)
