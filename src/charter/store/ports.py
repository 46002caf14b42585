"""The two storage seams services talk to; backends live beside this module.

``RegistryStore`` keeps metadata (models, versions, charters, aliases, audit events) and
``ArtifactStore`` keeps bytes (model files, reference samples). Every backend raises only
``charter.errors`` exceptions: no SQLAlchemy or fsspec error crosses this boundary.
"""

from __future__ import annotations

import abc
from typing import Any

from charter.store.entities import (
    AliasRecord,
    AuditEventRecord,
    CharterRecord,
    ModelRecord,
    NewValidationRun,
    NewVersion,
    Stage,
    ValidationRunRecord,
    VersionRecord,
)
from charter.store.ports_batch import BatchRunPort
from charter.store.ports_governance import GovernancePort
from charter.store.ports_monitoring import MonitoringPort
from charter.store.ports_policies import PoliciesPort
from charter.store.ports_scheduler import SchedulerPort

__all__ = ["ArtifactStore", "RegistryStore", "StoredArtifact"]


class RegistryStore(
    GovernancePort, BatchRunPort, MonitoringPort, PoliciesPort, SchedulerPort, abc.ABC
):
    """Metadata storage. Implementations must make ``create_version`` atomic and race-free."""

    # --- models and versions ---------------------------------------------------------------
    @abc.abstractmethod
    def create_version(self, new: NewVersion) -> VersionRecord:
        """Record a version, creating the model (and its charter row) if needed.

        Assigns the next version number atomically: two processes registering at once get
        distinct numbers and neither errors. One transaction: a crash leaves nothing visible.
        Also appends a ``version.registered`` audit event in the same transaction.
        """

    @abc.abstractmethod
    def get_model(self, name: str) -> ModelRecord:
        """Raise ``NotFoundError`` for an unknown model."""

    @abc.abstractmethod
    def list_models(self) -> list[ModelRecord]: ...

    @abc.abstractmethod
    def get_version(self, name: str, version: int) -> VersionRecord:
        """Raise ``NotFoundError`` naming the model and version when absent."""

    @abc.abstractmethod
    def list_versions(self, name: str) -> list[VersionRecord]:
        """Ascending by version; raise ``NotFoundError`` for an unknown model."""

    @abc.abstractmethod
    def set_stage(
        self, name: str, version: int, stage: Stage, *, actor: str, reason: str = ""
    ) -> VersionRecord: ...

    @abc.abstractmethod
    def update_version_metrics(
        self, name: str, version: int, metrics: dict[str, Any]
    ) -> VersionRecord: ...

    # --- charters ----------------------------------------------------------------------------
    @abc.abstractmethod
    def get_charter(self, name: str, charter_hash: str) -> CharterRecord: ...

    @abc.abstractmethod
    def list_charters(self, name: str) -> list[CharterRecord]:
        """Oldest first."""

    # --- aliases -----------------------------------------------------------------------------
    @abc.abstractmethod
    def set_alias(self, name: str, alias: str, version: int, *, actor: str) -> AliasRecord: ...

    @abc.abstractmethod
    def get_alias(self, name: str, alias: str) -> AliasRecord:
        """Raise ``NotFoundError`` when the alias is not set."""

    @abc.abstractmethod
    def list_aliases(self, name: str) -> list[AliasRecord]: ...

    @abc.abstractmethod
    def delete_alias(self, name: str, alias: str, *, actor: str) -> None: ...

    # --- audit -------------------------------------------------------------------------------
    @abc.abstractmethod
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
        """Append one hash-chained event; concurrent appenders never fork the chain."""

    @abc.abstractmethod
    def list_events(self, model_name: str | None = None) -> list[AuditEventRecord]:
        """Oldest first."""

    # --- validation runs -----------------------------------------------------------------------
    @abc.abstractmethod
    def record_validation_run(self, run: NewValidationRun) -> ValidationRunRecord:
        """Store a gate run and its ``version.validated`` audit event in one transaction."""

    @abc.abstractmethod
    def list_validation_runs(
        self, name: str, version: int | None = None
    ) -> list[ValidationRunRecord]:
        """Oldest first; every version of ``name`` when ``version`` is None."""

    @abc.abstractmethod
    def latest_validation_run(
        self, name: str, version: int, *, charter_hash: str | None = None
    ) -> ValidationRunRecord | None:
        """The newest run of a version (under ``charter_hash`` if given), or None."""

    # --- lifecycle ---------------------------------------------------------------------------
    @abc.abstractmethod
    def close(self) -> None: ...


class StoredArtifact:
    """Where an artifact landed and the fingerprint to check it against later."""

    __slots__ = ("sha256", "size", "uri")

    def __init__(self, uri: str, sha256: str, size: int) -> None:
        self.uri = uri
        self.sha256 = sha256
        self.size = size

    def __repr__(self) -> str:
        return f"StoredArtifact(uri={self.uri!r}, sha256={self.sha256[:12]}…, size={self.size})"


class ArtifactStore(abc.ABC):
    """Byte storage with atomic writes and verified reads."""

    @abc.abstractmethod
    def put(self, key: str, data: bytes) -> StoredArtifact:
        """Write under a temporary name, then rename to ``key``; return its URI and sha256."""

    @abc.abstractmethod
    def get(self, uri: str, *, sha256: str) -> bytes:
        """Read and verify; raise ``ArtifactIntegrityError`` if the bytes changed."""

    @abc.abstractmethod
    def exists(self, uri: str) -> bool: ...

    @abc.abstractmethod
    def delete(self, uri: str) -> None: ...
