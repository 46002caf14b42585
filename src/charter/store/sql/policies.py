"""Policy firings stored for ``SqlRegistryStore``: one row per model and policy, its last firing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from charter.errors import StorageError
from charter.store.ports_policies import PolicyFiring
from charter.store.sql.audit import append_event_row
from charter.store.sql.tables import Base, SqlModel, UtcDateTime
from charter.store.sql.transactions import TransactionRunner

__all__ = ["SqlPoliciesMixin", "SqlPolicyState"]


class SqlPolicyState(Base):
    """The last firing of one policy of one model."""

    __tablename__ = "policy_states"
    __table_args__ = (UniqueConstraint("model_id", "policy_key", name="uq_policy_states_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"), index=True)
    policy_key: Mapped[str] = mapped_column(String(512))
    metric: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[datetime] = mapped_column(UtcDateTime)
    window_end: Mapped[datetime] = mapped_column(UtcDateTime)
    fired_at: Mapped[datetime] = mapped_column(UtcDateTime)
    evidence: Mapped[Any] = mapped_column(JSON)

    def to_entity(self, name: str) -> PolicyFiring:
        if not isinstance(self.evidence, dict):
            raise StorageError(
                f"the stored state of policy {self.policy_key!r} of {name!r} is malformed: "
                f"its evidence should be a JSON object, found {type(self.evidence).__name__}; "
                "delete that policy_states row to reset the policy"
            )
        return PolicyFiring(
            model=name,
            policy_key=self.policy_key,
            metric=self.metric,
            action=self.action,
            version=self.version,
            window_start=self.window_start,
            window_end=self.window_end,
            fired_at=self.fired_at,
            evidence=dict(self.evidence),
        )


class SqlPoliciesMixin:
    """``policy_firings`` and ``record_firing`` for ``SqlRegistryStore``."""

    _tx: TransactionRunner

    def _model(self, session: Session, name: str) -> SqlModel:
        raise AssertionError("provided by SqlRegistryStore")  # pragma: no cover

    def policy_firings(self, name: str) -> dict[str, PolicyFiring]:
        def work(session: Session) -> dict[str, PolicyFiring]:
            model = self._model(session, name)
            query = select(SqlPolicyState).where(SqlPolicyState.model_id == model.id)
            return {row.policy_key: row.to_entity(name) for row in session.scalars(query)}

        return self._tx.run(f"reading the policy states of {name!r}", work, read_only=True)

    def record_firing(
        self, firing: PolicyFiring, *, previous_window_end: datetime | None, actor: str
    ) -> bool:
        def work(session: Session) -> bool:
            model = self._model(session, firing.model)
            row = session.scalars(
                select(SqlPolicyState)
                .where(
                    SqlPolicyState.model_id == model.id,
                    SqlPolicyState.policy_key == firing.policy_key,
                )
                .with_for_update()
            ).one_or_none()
            stored_end = None if row is None else row.window_end
            if stored_end != previous_window_end:
                return False  # another evaluator fired first
            before = None if row is None else _summary(row)
            if row is None:
                row = SqlPolicyState(model_id=model.id, policy_key=firing.policy_key)
                session.add(row)
            row.metric, row.action, row.version = firing.metric, firing.action, firing.version
            row.window_start, row.window_end = firing.window_start, firing.window_end
            row.fired_at, row.evidence = firing.fired_at, dict(firing.evidence)
            session.flush()
            append_event_row(
                session,
                "policy.fired",
                actor=actor,
                model_name=firing.model,
                version=firing.version,
                before=before,
                after={"policy": firing.policy_key, "action": firing.action, **firing.evidence},
                reason=f"policy {firing.policy_key} fired",
            )
            return True

        # Two first firings of one policy collide on the unique key; the retry sees the winner.
        return self._tx.run(
            f"recording a firing of policy {firing.policy_key!r} of {firing.model!r}",
            work,
            retry_conflicts=True,
        )


def _summary(row: SqlPolicyState) -> dict[str, Any]:
    return {
        "version": row.version,
        "window_start": row.window_start.isoformat(),
        "window_end": row.window_end.isoformat(),
        "fired_at": row.fired_at.isoformat(),
    }
