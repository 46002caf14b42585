"""ORM rows (``Sql*``) of the registry; ``to_entity()`` turns each into the record callers see.

These classes describe the *current* schema for queries. The schema itself is created and changed
only by the Alembic revisions under ``migrations/versions``, which never import this module, so an
old revision keeps meaning what it meant when it shipped.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from charter.store.entities import (
    STAGES,
    AliasRecord,
    AuditEventRecord,
    CharterRecord,
    ModelRecord,
    Stage,
    VersionRecord,
)

__all__ = [
    "Base",
    "SqlAlias",
    "SqlAuditEvent",
    "SqlCharter",
    "SqlModel",
    "SqlVersion",
    "UtcDateTime",
    "utc_now",
]

# Deterministic constraint names, so migrations on SQLite (batch mode) can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utc_now() -> datetime:
    """Now, as an aware UTC datetime (microseconds, the precision both databases keep)."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that goes in and comes out as an aware UTC datetime on every backend.

    PostgreSQL keeps the offset (``timestamptz``) but answers in the session time zone; SQLite keeps
    no offset at all. Normalising here means no caller ever compares naive and aware datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"refusing to store a naive datetime ({value.isoformat()}); use UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base holding the registry's metadata."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class SqlModel(Base):
    """A model use case; ``latest_version`` is the counter ``create_version`` bumps atomically."""

    __tablename__ = "models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(255))
    latest_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    retired_by: Mapped[str] = mapped_column(String(255), default="", server_default="")
    retire_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    successor: Mapped[str] = mapped_column(String(255), default="", server_default="")

    def to_entity(self) -> ModelRecord:
        return ModelRecord(
            name=self.name,
            created_at=self.created_at,
            created_by=self.created_by,
            latest_version=self.latest_version,
            description=self.description or "",
            retired_at=self.retired_at,
            retired_by=self.retired_by or "",
            retire_reason=self.retire_reason or "",
            successor=self.successor or "",
        )


class SqlCharter(Base):
    """One charter text per distinct hash per model."""

    __tablename__ = "charters"
    __table_args__ = (UniqueConstraint("model_id", "charter_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"))
    charter_hash: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(255))

    model: Mapped[SqlModel] = relationship()

    def to_entity(self) -> CharterRecord:
        return CharterRecord(
            model_name=self.model.name,
            charter_hash=self.charter_hash,
            content=self.content,
            created_at=self.created_at,
            created_by=self.created_by,
        )


class SqlVersion(Base):
    """A registered model version and its lineage."""

    __tablename__ = "versions"
    __table_args__ = (
        UniqueConstraint("model_id", "version"),
        CheckConstraint(f"stage IN ({', '.join(repr(s) for s in STAGES)})", name="stage"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"))
    version: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(32), server_default="candidate")
    flavor: Mapped[str] = mapped_column(String(64))
    artifact_uri: Mapped[str] = mapped_column(Text)
    artifact_sha256: Mapped[str] = mapped_column(String(64))
    artifact_size: Mapped[int] = mapped_column(BigInteger)
    signature: Mapped[dict[str, Any]] = mapped_column(JSON)
    charter_hash: Mapped[str] = mapped_column(String(64))
    training_fingerprint: Mapped[str] = mapped_column(String(255), default="")
    code_version: Mapped[str] = mapped_column(String(255), default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    sample_uri: Mapped[str] = mapped_column(Text, default="")
    sample_sha256: Mapped[str] = mapped_column(String(64), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    registered_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    model: Mapped[SqlModel] = relationship()

    def to_entity(self) -> VersionRecord:
        return VersionRecord(
            model_name=self.model.name,
            version=self.version,
            stage=cast(Stage, self.stage),
            flavor=self.flavor,
            artifact_uri=self.artifact_uri,
            artifact_sha256=self.artifact_sha256,
            artifact_size=self.artifact_size,
            signature=dict(self.signature or {}),
            charter_hash=self.charter_hash,
            registered_by=self.registered_by,
            created_at=self.created_at,
            training_fingerprint=self.training_fingerprint or "",
            code_version=self.code_version or "",
            params=dict(self.params or {}),
            metrics=dict(self.metrics or {}),
            sample_uri=self.sample_uri or "",
            sample_sha256=self.sample_sha256 or "",
            description=self.description or "",
        )


class SqlAlias(Base):
    """A named pointer from a model to one of its versions."""

    __tablename__ = "aliases"
    __table_args__ = (UniqueConstraint("model_id", "alias"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"))
    alias: Mapped[str] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(255))

    model: Mapped[SqlModel] = relationship()

    def to_entity(self) -> AliasRecord:
        return AliasRecord(
            model_name=self.model.name,
            alias=self.alias,
            version=self.version,
            updated_at=self.updated_at,
            updated_by=self.updated_by,
        )


class SqlAuditEvent(Base):
    """One link of the append-only audit chain; ``seq`` is assigned by the appender, not the DB."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64))
    model_name: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    def to_entity(self) -> AuditEventRecord:
        return AuditEventRecord(
            seq=self.seq,
            at=self.at,
            actor=self.actor,
            action=self.action,
            model_name=self.model_name,
            version=self.version,
            before=self.before,
            after=self.after,
            reason=self.reason or "",
            prev_hash=self.prev_hash,
            hash=self.hash,
        )
