"""Plain records the registry store hands out; callers never see ORM rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

__all__ = [
    "STAGES",
    "AliasRecord",
    "AuditEventRecord",
    "CharterRecord",
    "ModelRecord",
    "NewValidationRun",
    "NewVersion",
    "Stage",
    "ValidationRunRecord",
    "VersionRecord",
]

Stage = Literal["candidate", "shadow", "production", "archived"]
STAGES: tuple[Stage, ...] = ("candidate", "shadow", "production", "archived")


@dataclass(frozen=True)
class ModelRecord:
    """A model use case: one charter, many versions."""

    name: str
    created_at: datetime
    created_by: str
    latest_version: int
    description: str = ""
    retired_at: datetime | None = None
    retired_by: str = ""
    retire_reason: str = ""
    successor: str = ""

    @property
    def is_retired(self) -> bool:
        """Whether the model was decommissioned (``charter retire``): never served or promoted."""
        return self.retired_at is not None


@dataclass(frozen=True)
class CharterRecord:
    """One version of a model's charter, identified by the sha256 of its canonical JSON."""

    model_name: str
    charter_hash: str
    content: str  # the charter as YAML text, exactly as submitted
    created_at: datetime
    created_by: str


@dataclass(frozen=True)
class NewVersion:
    """Everything needed to record a version; the store assigns the number atomically."""

    model_name: str
    flavor: str
    artifact_uri: str
    artifact_sha256: str
    artifact_size: int
    signature: dict[str, Any]
    charter_hash: str
    charter_content: str
    registered_by: str
    training_fingerprint: str = ""
    code_version: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    sample_uri: str = ""
    sample_sha256: str = ""
    description: str = ""


@dataclass(frozen=True)
class VersionRecord:
    """A registered, immutable model version with its lineage."""

    model_name: str
    version: int
    stage: Stage
    flavor: str
    artifact_uri: str
    artifact_sha256: str
    artifact_size: int
    signature: dict[str, Any]
    charter_hash: str
    registered_by: str
    created_at: datetime
    training_fingerprint: str = ""
    code_version: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    sample_uri: str = ""
    sample_sha256: str = ""
    description: str = ""

    @property
    def ref(self) -> str:
        """``name@version``, the way the CLI names a version."""
        return f"{self.model_name}@{self.version}"


@dataclass(frozen=True)
class AliasRecord:
    """A named pointer to a version (``production``, ``shadow``, ``champion`` …)."""

    model_name: str
    alias: str
    version: int
    updated_at: datetime
    updated_by: str


@dataclass(frozen=True)
class AuditEventRecord:
    """One append-only, hash-chained audit event."""

    seq: int
    at: datetime
    actor: str
    action: str
    model_name: str | None
    version: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class NewValidationRun:
    """A gate run to record against one version and the charter it was judged under."""

    model_name: str
    version: int
    charter_hash: str
    status: Literal["pass", "warn", "fail"]
    report: dict[str, Any]
    data_fingerprint: str
    run_by: str


@dataclass(frozen=True)
class ValidationRunRecord:
    """A stored gate run; ``passed`` is true for ``pass`` and ``warn``."""

    id: int
    model_name: str
    version: int
    charter_hash: str
    status: Literal["pass", "warn", "fail"]
    report: dict[str, Any]
    data_fingerprint: str
    run_by: str
    created_at: datetime

    @property
    def passed(self) -> bool:
        return self.status != "fail"
