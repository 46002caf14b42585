"""``SqlRegistryStore``: the registry on SQLite or PostgreSQL through SQLAlchemy.

Every public method is one transaction run by a ``TransactionRunner`` (retries with backoff,
database errors translated to ``charter.errors``). Every change appends its audit event inside
the same transaction, so a change and its audit record exist together or not at all.

Version numbers come from ``models.latest_version``: ``INSERT … ON CONFLICT DO NOTHING`` makes
sure the model row exists (two first registrants cannot both create it), then
``UPDATE … SET latest_version = latest_version + 1 … RETURNING`` takes the row lock and the
number in one statement, so concurrent registrations queue on that row and never share a number.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from charter.config import redact_url
from charter.errors import DataError, NotFoundError
from charter.store.entities import (
    STAGES,
    AliasRecord,
    AuditEventRecord,
    CharterRecord,
    ModelRecord,
    NewVersion,
    Stage,
    VersionRecord,
)
from charter.store.ports import RegistryStore
from charter.store.sql import migrate
from charter.store.sql.audit import append_event_row, canonical_json, verify_events
from charter.store.sql.batch_runs import SqlBatchRunsMixin
from charter.store.sql.engine import create_registry_engine, normalize_url
from charter.store.sql.governance import SqlGovernanceMixin
from charter.store.sql.monitoring import SqlMonitoringMixin
from charter.store.sql.policies import SqlPoliciesMixin
from charter.store.sql.scheduler import SqlSchedulerMixin
from charter.store.sql.tables import (
    SqlAlias,
    SqlAuditEvent,
    SqlCharter,
    SqlModel,
    SqlVersion,
    utc_now,
)
from charter.store.sql.transactions import TransactionRunner
from charter.store.sql.validation_runs import SqlValidationRunsMixin

__all__ = ["SqlRegistryStore"]


def _require_json(field: str, value: Any) -> None:
    try:
        canonical_json(value)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{field} must be JSON (no NaN or Infinity): {exc}") from exc


class SqlRegistryStore(
    SqlValidationRunsMixin,
    SqlGovernanceMixin,
    SqlBatchRunsMixin,
    SqlMonitoringMixin,
    SqlPoliciesMixin,
    SqlSchedulerMixin,
    RegistryStore,
):
    """Registry metadata in a SQL database; opening it upgrades the schema to head."""

    def __init__(self, url: str, *, upgrade: bool = True) -> None:
        parsed = normalize_url(url)
        self._url = redact_url(parsed.render_as_string(hide_password=False))
        self._engine = create_registry_engine(url)
        password = parsed.password if isinstance(parsed.password, str) else ""
        self._tx = TransactionRunner(self._engine, display_url=self._url, password=password)
        if upgrade:
            try:
                self._tx.guard("upgrading the schema", lambda: migrate.upgrade(self._engine))
            except BaseException:
                self._engine.dispose()
                raise

    def __repr__(self) -> str:
        return f"SqlRegistryStore({self._url!r})"

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, for migrations and tests; services use the methods."""
        return self._engine

    # --- lookups -------------------------------------------------------------------------------
    @staticmethod
    def _model(session: Session, name: str) -> SqlModel:
        row = session.scalars(select(SqlModel).where(SqlModel.name == name)).one_or_none()
        if row is None:
            raise NotFoundError(f"model {name!r} is not registered")
        return row

    def _version(
        self, session: Session, name: str, version: int, *, lock: bool = False
    ) -> SqlVersion:
        model = self._model(session, name)
        query = select(SqlVersion).where(
            SqlVersion.model_id == model.id, SqlVersion.version == version
        )
        row = session.scalars(query.with_for_update() if lock else query).one_or_none()
        if row is None:
            raise NotFoundError(
                f"model {name!r} has no version {version} (latest is {model.latest_version})"
            )
        return row

    # --- models and versions -------------------------------------------------------------------
    def create_version(self, new: NewVersion) -> VersionRecord:
        if not new.model_name:
            raise DataError("a model version needs a model name; got an empty string")
        for field in ("signature", "params", "metrics"):
            _require_json(f"the {field} of {new.model_name!r}", getattr(new, field))
        return self._tx.run(
            f"registering a version of {new.model_name!r}", lambda s: self._create(s, new)
        )

    @staticmethod
    def _upsert_ignore(session: Session, entity: type[Any], keys: list[str], **values: Any) -> None:
        """INSERT … ON CONFLICT DO NOTHING: a concurrent creator of the same row wins quietly."""
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        session.execute(insert(entity).values(**values).on_conflict_do_nothing(index_elements=keys))

    def _create(self, session: Session, new: NewVersion) -> VersionRecord:
        now = utc_now()
        self._upsert_ignore(
            session,
            SqlModel,
            ["name"],
            name=new.model_name,
            description="",
            created_at=now,
            created_by=new.registered_by,
            latest_version=0,
        )
        # The row lock taken by this UPDATE is what serializes concurrent registrations.
        model_id, number = session.execute(
            update(SqlModel)
            .where(SqlModel.name == new.model_name)
            .values(latest_version=SqlModel.latest_version + 1)
            .returning(SqlModel.id, SqlModel.latest_version),
            execution_options={"synchronize_session": False},
        ).one()
        self._upsert_ignore(
            session,
            SqlCharter,
            ["model_id", "charter_hash"],
            model_id=model_id,
            charter_hash=new.charter_hash,
            content=new.charter_content,
            created_at=now,
            created_by=new.registered_by,
        )
        row = SqlVersion(
            model_id=model_id,
            version=number,
            stage="candidate",
            flavor=new.flavor,
            artifact_uri=new.artifact_uri,
            artifact_sha256=new.artifact_sha256,
            artifact_size=new.artifact_size,
            signature=new.signature,
            charter_hash=new.charter_hash,
            training_fingerprint=new.training_fingerprint,
            code_version=new.code_version,
            params=new.params,
            metrics=new.metrics,
            sample_uri=new.sample_uri,
            sample_sha256=new.sample_sha256,
            description=new.description,
            registered_by=new.registered_by,
            created_at=now,
        )
        session.add(row)
        session.flush()
        append_event_row(
            session,
            "version.registered",
            actor=new.registered_by,
            model_name=new.model_name,
            version=number,
            after={
                "stage": "candidate",
                "flavor": new.flavor,
                "artifact_uri": new.artifact_uri,
                "artifact_sha256": new.artifact_sha256,
                "charter_hash": new.charter_hash,
            },
        )
        return row.to_entity()

    def get_model(self, name: str) -> ModelRecord:
        return self._tx.run(
            f"reading model {name!r}", lambda s: self._model(s, name).to_entity(), read_only=True
        )

    def list_models(self) -> list[ModelRecord]:
        def work(session: Session) -> list[ModelRecord]:
            rows = session.scalars(select(SqlModel).order_by(SqlModel.name))
            return [row.to_entity() for row in rows]

        return self._tx.run("listing models", work, read_only=True)

    def get_version(self, name: str, version: int) -> VersionRecord:
        return self._tx.run(
            f"reading {name}@{version}",
            lambda s: self._version(s, name, version).to_entity(),
            read_only=True,
        )

    def list_versions(self, name: str) -> list[VersionRecord]:
        def work(session: Session) -> list[VersionRecord]:
            model = self._model(session, name)
            rows = session.scalars(
                select(SqlVersion)
                .where(SqlVersion.model_id == model.id)
                .order_by(SqlVersion.version)
            )
            return [row.to_entity() for row in rows]

        return self._tx.run(f"listing versions of {name!r}", work, read_only=True)

    def set_stage(
        self, name: str, version: int, stage: Stage, *, actor: str, reason: str = ""
    ) -> VersionRecord:
        if stage not in STAGES:
            raise DataError(
                f"The 'stage' parameter of set_stage must be one of {', '.join(STAGES)}. "
                f"Got {stage!r} instead."
            )

        def work(session: Session) -> VersionRecord:
            row = self._version(session, name, version, lock=True)
            before = row.stage
            if before == stage:
                return row.to_entity()
            row.stage = stage
            session.flush()
            append_event_row(
                session,
                "version.stage_changed",
                actor=actor,
                model_name=name,
                version=version,
                before={"stage": before},
                after={"stage": stage},
                reason=reason,
            )
            return row.to_entity()

        return self._tx.run(f"moving {name}@{version} to {stage}", work)

    def update_version_metrics(
        self, name: str, version: int, metrics: dict[str, Any]
    ) -> VersionRecord:
        """Merge ``metrics`` into the version's metrics (new keys win), audited."""
        _require_json(f"the metrics of {name}@{version}", metrics)

        def work(session: Session) -> VersionRecord:
            row = self._version(session, name, version, lock=True)
            old = dict(row.metrics or {})
            changed = {k: v for k, v in metrics.items() if k not in old or old[k] != v}
            if not changed:
                return row.to_entity()
            row.metrics = {**old, **changed}
            session.flush()
            append_event_row(
                session,
                "version.metrics_updated",
                actor="charter",
                model_name=name,
                version=version,
                before={k: old[k] for k in changed if k in old},
                after=changed,
            )
            return row.to_entity()

        return self._tx.run(f"updating the metrics of {name}@{version}", work)

    # --- charters ------------------------------------------------------------------------------
    def get_charter(self, name: str, charter_hash: str) -> CharterRecord:
        def work(session: Session) -> CharterRecord:
            model = self._model(session, name)
            row = session.scalars(
                select(SqlCharter).where(
                    SqlCharter.model_id == model.id, SqlCharter.charter_hash == charter_hash
                )
            ).one_or_none()
            if row is None:
                raise NotFoundError(f"model {name!r} has no charter with hash {charter_hash!r}")
            return row.to_entity()

        return self._tx.run(f"reading a charter of {name!r}", work, read_only=True)

    def list_charters(self, name: str) -> list[CharterRecord]:
        def work(session: Session) -> list[CharterRecord]:
            model = self._model(session, name)
            rows = session.scalars(
                select(SqlCharter).where(SqlCharter.model_id == model.id).order_by(SqlCharter.id)
            )
            return [row.to_entity() for row in rows]

        return self._tx.run(f"listing charters of {name!r}", work, read_only=True)

    # --- aliases -------------------------------------------------------------------------------
    @staticmethod
    def _alias(
        session: Session, model: SqlModel, alias: str, *, lock: bool = False
    ) -> SqlAlias | None:
        query = select(SqlAlias).where(SqlAlias.model_id == model.id, SqlAlias.alias == alias)
        return session.scalars(query.with_for_update() if lock else query).one_or_none()

    def set_alias(self, name: str, alias: str, version: int, *, actor: str) -> AliasRecord:
        if not alias:
            raise DataError("an alias needs a name; got an empty string")

        def work(session: Session) -> AliasRecord:
            target = self._version(session, name, version)
            row = self._alias(session, target.model, alias, lock=True)
            before = None if row is None else {"alias": alias, "version": row.version}
            if row is None:
                row = SqlAlias(model_id=target.model_id, alias=alias, model=target.model)
                session.add(row)
            row.version, row.updated_at, row.updated_by = version, utc_now(), actor
            session.flush()
            append_event_row(
                session,
                "alias.set",
                actor=actor,
                model_name=name,
                version=version,
                before=before,
                after={"alias": alias, "version": version},
            )
            return row.to_entity()

        # Two first-time setters of one alias collide on the unique key; the retry updates it.
        return self._tx.run(f"pointing {name}@{alias} at {version}", work, retry_conflicts=True)

    def get_alias(self, name: str, alias: str) -> AliasRecord:
        def work(session: Session) -> AliasRecord:
            row = self._alias(session, self._model(session, name), alias)
            if row is None:
                raise NotFoundError(f"model {name!r} has no alias {alias!r}")
            return row.to_entity()

        return self._tx.run(f"reading {name}@{alias}", work, read_only=True)

    def list_aliases(self, name: str) -> list[AliasRecord]:
        def work(session: Session) -> list[AliasRecord]:
            model = self._model(session, name)
            rows = session.scalars(
                select(SqlAlias).where(SqlAlias.model_id == model.id).order_by(SqlAlias.alias)
            )
            return [row.to_entity() for row in rows]

        return self._tx.run(f"listing aliases of {name!r}", work, read_only=True)

    def delete_alias(self, name: str, alias: str, *, actor: str) -> None:
        def work(session: Session) -> None:
            row = self._alias(session, self._model(session, name), alias, lock=True)
            if row is None:
                raise NotFoundError(f"model {name!r} has no alias {alias!r}")
            old_version = row.version
            session.delete(row)
            session.flush()
            append_event_row(
                session,
                "alias.deleted",
                actor=actor,
                model_name=name,
                version=old_version,
                before={"alias": alias, "version": old_version},
                after=None,
            )

        self._tx.run(f"deleting {name}@{alias}", work)

    # --- audit ---------------------------------------------------------------------------------
    def append_event(
        self,
        action: str,
        *,
        actor: str,
        model_name: str | None = None,
        version: int | None = None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        reason: str = "",
    ) -> AuditEventRecord:
        def work(session: Session) -> AuditEventRecord:
            return append_event_row(
                session,
                action,
                actor=actor,
                model_name=model_name,
                version=version,
                before=before,
                after=after,
                reason=reason,
            ).to_entity()

        return self._tx.run(f"appending audit event {action!r}", work)

    def list_events(self, model_name: str | None = None) -> list[AuditEventRecord]:
        def work(session: Session) -> list[AuditEventRecord]:
            query = select(SqlAuditEvent).order_by(SqlAuditEvent.seq)
            if model_name is not None:
                query = query.where(SqlAuditEvent.model_name == model_name)
            return [row.to_entity() for row in session.scalars(query)]

        return self._tx.run("listing audit events", work, read_only=True)

    def verify_chain(self) -> tuple[bool, int | None, str]:
        """Recompute the audit chain: ``(ok, first bad seq, reason)``."""

        def work(session: Session) -> tuple[bool, int | None, str]:
            query = select(SqlAuditEvent).order_by(SqlAuditEvent.seq)
            # Streamed (a server-side cursor on PostgreSQL); closed even when a bad link stops it.
            with session.scalars(query.execution_options(yield_per=500)) as rows:
                return verify_events(rows).as_tuple()

        return self._tx.run("verifying the audit chain", work, read_only=True)

    # --- lifecycle -----------------------------------------------------------------------------
    def close(self) -> None:
        self._engine.dispose()
