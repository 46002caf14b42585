"""Storage: the ports services use and the factories that open a backend from a URL.

``open_registry_store("sqlite:///…" | "postgresql+psycopg://…")`` returns a ``RegistryStore`` whose
schema is already at head; ``open_artifact_store(path_or_fsspec_url)`` returns an
``ArtifactStore``. Only entry points (CLI start-up, ``create_app``) call these factories.
"""

from __future__ import annotations

from charter.store.entities import (
    STAGES,
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
from charter.store.ports import ArtifactStore, RegistryStore, StoredArtifact

__all__ = [
    "STAGES",
    "AliasRecord",
    "ArtifactStore",
    "AuditEventRecord",
    "CharterRecord",
    "ModelRecord",
    "NewValidationRun",
    "NewVersion",
    "RegistryStore",
    "Stage",
    "StoredArtifact",
    "ValidationRunRecord",
    "VersionRecord",
    "open_artifact_store",
    "open_registry_store",
]


def open_registry_store(url: str) -> RegistryStore:
    """Open the registry at ``url``, creating or upgrading its schema first."""
    from charter.store.sql import SqlRegistryStore  # SQLAlchemy loads only when a store opens

    return SqlRegistryStore(url)


def open_artifact_store(url: str) -> ArtifactStore:
    """Open the artifact store rooted at a local folder or an fsspec URL."""
    from charter.store.artifacts import FsspecArtifactStore

    return FsspecArtifactStore(url)
