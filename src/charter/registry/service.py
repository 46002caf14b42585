"""The model registry use case: register versions against their charter, find and load them.

``Registry`` is what the CLI, the server and Python users call. It checks a model against its
charter before anything is written, stores the artifact (atomically, with its sha256) and the
reference sample, then records the version in one transaction.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd
import yaml

from charter.config import Settings, current_user
from charter.contract import Charter, charter_hash, load_charter, parse_charter
from charter.contract.changes import classify_change
from charter.data import fingerprint_frame, read_table
from charter.errors import DataError, NotFoundError, SignatureMismatchError
from charter.models import (
    LoadedModel,
    ModelSignature,
    compare_signature,
    deserialize_model,
    detect_flavor,
    infer_signature,
    read_model_file,
    serialize_model,
    wrap_model,
)
from charter.registry.lineage import code_version
from charter.registry.refs import VersionRef, parse_ref
from charter.store import (
    ArtifactStore,
    ModelRecord,
    NewVersion,
    RegistryStore,
    VersionRecord,
    open_artifact_store,
    open_registry_store,
)

__all__ = ["SAMPLE_MAX_ROWS", "ModelSummary", "Registry"]

# The reference sample kept with each version (for monitoring and the gate) is capped so that a
# registration never copies a whole warehouse; 100k rows describe any distribution well enough.
SAMPLE_MAX_ROWS = 100_000
_SAMPLE_SEED = 20_240_601


@dataclass(frozen=True)
class ModelSummary:
    """A model with its latest version and the versions its aliases point at."""

    name: str
    latest_version: int
    created_at: Any
    created_by: str
    aliases: dict[str, int]


def _charter_and_text(charter: Charter | str | Path) -> tuple[Charter, str]:
    if isinstance(charter, Charter):
        text = yaml.safe_dump(charter.model_dump(mode="json"), sort_keys=False)
        return charter, text
    path = Path(charter)
    if isinstance(charter, str) and "\n" in charter:
        return parse_charter(charter), charter
    loaded = load_charter(path)
    return loaded, path.read_text(encoding="utf-8")


def _frame(data: pd.DataFrame | str | Path, what: str) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        if data.empty:
            raise DataError(f"the {what} has no rows")
        return data
    return read_table(data)


def _reference_sample(frame: pd.DataFrame, charter: Charter) -> pd.DataFrame:
    """Features, target and sensitive attributes only: identifiers (PII) never stored."""
    wanted = [*charter.features, charter.target.column, *charter.sensitive]
    columns = [c for c in dict.fromkeys(wanted) if c in frame.columns]
    sample = frame[columns]
    if len(sample) > SAMPLE_MAX_ROWS:
        sample = sample.sample(n=SAMPLE_MAX_ROWS, random_state=_SAMPLE_SEED)
    return sample.reset_index(drop=True)


def _parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


class Registry:
    """Register, list, find and load model versions."""

    def __init__(self, store: RegistryStore, artifacts: ArtifactStore) -> None:
        self.store = store
        self.artifacts = artifacts

    @classmethod
    def open(cls, settings: Settings | None = None, *, home: str | Path | None = None) -> Registry:
        """Open the registry the settings point at (default: ``./.charter`` with SQLite)."""
        resolved = settings or Settings.from_env(home=home)
        return cls(
            open_registry_store(resolved.db_url.reveal()),
            open_artifact_store(resolved.artifacts_url),
        )

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- registration ----------------------------------------------------------------------
    def register(
        self,
        model: object,
        *,
        charter: Charter | str | Path,
        sample: pd.DataFrame | str | Path,
        name: str | None = None,
        registered_by: str | None = None,
        training_data: pd.DataFrame | str | Path | None = None,
        description: str = "",
    ) -> VersionRecord:
        """Check ``model`` against ``charter`` on ``sample`` and record a new version.

        ``model`` is a fitted object, a model file path, or ``"module:function"``. Nothing is
        written unless the model's inputs match the charter and it scores the sample.
        """
        spec, charter_text = _charter_and_text(charter)
        model_name = name or spec.model
        frame = _frame(sample, "sample")
        missing = [c for c in spec.features if c not in frame.columns]
        if missing:
            raise DataError("the sample lacks features the charter declares: " + ", ".join(missing))
        native = read_model_file(model) if isinstance(model, str | Path) else model
        loaded = wrap_model(native)
        signature = infer_signature(loaded, frame, features=spec.features)
        diff = compare_signature(signature, features=spec.features, sensitive=spec.sensitive)
        if not diff.is_empty:
            raise SignatureMismatchError(diff)

        flavor, payload, metadata = serialize_model(native)
        digest = hashlib.sha256(payload).hexdigest()
        extension = str(metadata.get("file_extension", ".bin"))
        stored = self.artifacts.put(f"models/{model_name}/{digest}/model{extension}", payload)

        reference = _reference_sample(frame, spec)
        sample_bytes = _parquet_bytes(reference)
        sample_digest = hashlib.sha256(sample_bytes).hexdigest()
        stored_sample = self.artifacts.put(
            f"samples/{model_name}/{sample_digest}/sample.parquet", sample_bytes
        )
        training = frame if training_data is None else _frame(training_data, "training data")
        signature_dict = signature.to_dict()
        signature_dict["flavor_metadata"] = metadata
        new = NewVersion(
            model_name=model_name,
            flavor=flavor,
            artifact_uri=stored.uri,
            artifact_sha256=stored.sha256,
            artifact_size=stored.size,
            signature=signature_dict,
            charter_hash=charter_hash(spec),
            charter_content=charter_text,
            registered_by=current_user(registered_by),
            training_fingerprint=fingerprint_frame(training),
            code_version=code_version(),
            params=_params_of(native),
            sample_uri=stored_sample.uri,
            sample_sha256=stored_sample.sha256,
            description=description,
        )
        production = self._production(model_name)
        record = self.store.create_version(new)
        if production is not None:
            self._audit_change(production, record, spec)
        return record

    def _production(self, name: str) -> VersionRecord | None:
        try:
            versions = self.store.list_versions(name)
        except NotFoundError:
            return None
        return next((v for v in versions if v.stage == "production"), None)

    def _audit_change(self, production: VersionRecord, new: VersionRecord, spec: Charter) -> None:
        """A new version of a production model is a change: classify it for the audit log."""
        gate = self.store.latest_validation_run(production.model_name, production.version)
        before_hash = gate.charter_hash if gate is not None else production.charter_hash
        before = parse_charter(self.store.get_charter(new.model_name, before_hash).content)
        change = classify_change(before, spec, new_artifact=True)
        self.store.append_event(
            "change.classified",
            actor=new.registered_by,
            model_name=new.model_name,
            version=new.version,
            before={"version": production.version, "charter_hash": before_hash},
            after={**change.to_dict(), "charter_hash": new.charter_hash},
            reason="material: " + "; ".join(change.material),
        )

    # --- queries -----------------------------------------------------------------------------
    def models(self) -> list[ModelSummary]:
        summaries: list[ModelSummary] = []
        for record in self.store.list_models():
            aliases = {a.alias: a.version for a in self.store.list_aliases(record.name)}
            summaries.append(_summary(record, aliases))
        return summaries

    def model(self, name: str) -> ModelRecord:
        return self.store.get_model(name)

    def versions(self, name: str) -> list[VersionRecord]:
        return self.store.list_versions(name)

    def get(self, ref: str | VersionRef) -> VersionRecord:
        """Resolve ``name@3``, ``name@latest`` or ``name@production`` to a version record."""
        parsed = parse_ref(ref) if isinstance(ref, str) else ref
        if parsed.version is not None:
            return self.store.get_version(parsed.name, parsed.version)
        if parsed.alias is None:
            record = self.store.get_model(parsed.name)
            if record.latest_version < 1:
                raise NotFoundError(f"model '{parsed.name}' has no versions yet")
            return self.store.get_version(parsed.name, record.latest_version)
        alias = self.store.get_alias(parsed.name, parsed.alias)
        return self.store.get_version(parsed.name, alias.version)

    def charter_of(self, ref: str | VersionRef | VersionRecord) -> Charter:
        """The charter a version was registered under."""
        version = ref if isinstance(ref, VersionRecord) else self.get(ref)
        record = self.store.get_charter(version.model_name, version.charter_hash)
        return parse_charter(record.content, source=f"{version.ref} charter")

    def signature_of(self, version: VersionRecord) -> ModelSignature:
        return ModelSignature.from_dict(version.signature)

    def load(self, ref: str | VersionRef | VersionRecord) -> LoadedModel:
        """Load a version's model after verifying its artifact's sha256."""
        version = ref if isinstance(ref, VersionRecord) else self.get(ref)
        payload = self.artifacts.get(version.artifact_uri, sha256=version.artifact_sha256)
        metadata = dict(version.signature.get("flavor_metadata") or {})
        return deserialize_model(version.flavor, payload, metadata)

    def load_sample(self, ref: str | VersionRef | VersionRecord) -> pd.DataFrame:
        """The reference sample stored with a version, verified like any artifact."""
        version = ref if isinstance(ref, VersionRecord) else self.get(ref)
        if not version.sample_uri:
            raise NotFoundError(f"{version.ref} has no reference sample")
        payload = self.artifacts.get(version.sample_uri, sha256=version.sample_sha256)
        return pd.read_parquet(io.BytesIO(payload))


def _summary(record: ModelRecord, aliases: dict[str, int]) -> ModelSummary:
    return ModelSummary(
        name=record.name,
        latest_version=record.latest_version,
        created_at=record.created_at,
        created_by=record.created_by,
        aliases=aliases,
    )


def _params_of(native: object) -> dict[str, Any]:
    try:
        return detect_flavor(native).params(native)
    except Exception:  # lineage is best effort: a library's odd params never block registration
        return {}
