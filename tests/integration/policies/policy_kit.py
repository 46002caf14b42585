"""Helpers for the policy tests: the Adult charter with chosen policies, versions, points.

A plain module (not ``conftest.py``) so it never shadows another folder's ``conftest``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import charter
from charter.contract import charter_hash, parse_charter
from charter.errors import ContractError
from charter.registry import Registry
from charter.store import NewVersion, RegistryStore, VersionRecord, open_artifact_store
from charter.store.ports_monitoring import MonitoringPoint

MODEL = "adult-income"
DAY0 = datetime(2026, 3, 1, tzinfo=UTC)
DAY = timedelta(days=1)
ADULT = (Path(charter.__file__).parent / "examples" / "adult_charter.yaml").read_text("utf-8")


def charter_text(*policies: str, alerts: str = "") -> str:
    """The Adult charter with its policies replaced by ``policies`` (YAML flow mappings)."""
    head, _, tail = ADULT.partition("policies:\n")
    _, _, rest = tail.partition("\nretraining:")
    lines = "".join(f"  - {policy}\n" for policy in policies)
    return f"{head}policies:\n{lines}\n{alerts}\nretraining:{rest}"


def register_bare(store: RegistryStore, text: str, *, index: int = 1) -> VersionRecord:
    """A version registered under ``text`` without an artifact (enough for policies)."""
    return store.create_version(
        NewVersion(
            model_name=MODEL,
            flavor="sklearn",
            artifact_uri=f"file:///artifacts/{MODEL}/{index}/model.joblib",
            artifact_sha256=f"{index:064x}",
            artifact_size=100 + index,
            signature={"inputs": []},
            charter_hash=_hash(text),
            charter_content=text,
            registered_by="ds@bank.example",
            training_fingerprint=f"fp-{index}",
            code_version="git:abc123",
        )
    )


def _hash(text: str) -> str:
    try:
        return charter_hash(parse_charter(text))
    except ContractError:  # a broken charter, stored as-is to test how it is reported
        return hashlib.sha256(text.encode()).hexdigest()


def bare_registry(store: RegistryStore, tmp_path: Path, text: str) -> Registry:
    """A registry whose ``adult-income@1`` (no artifact) is in production under ``text``."""
    register_bare(store, text)
    store.set_alias(MODEL, "production", 1, actor="test")
    return Registry(store, open_artifact_store(str(tmp_path / "artifacts")))


def points(
    metric: str, values: Sequence[float | None], *, version: int = 1, first_day: int = 0
) -> list[MonitoringPoint]:
    """One daily point per value from ``DAY0 + first_day``."""
    return [
        MonitoringPoint(
            model=MODEL,
            version=version,
            window_start=DAY0 + (first_day + i) * DAY,
            window_end=DAY0 + (first_day + i + 1) * DAY,
            metric=metric,
            value=value,
            status="ok",
        )
        for i, value in enumerate(values)
    ]


def end_of(day: int) -> datetime:
    """The end of daily window ``day`` (when a scheduler would evaluate it)."""
    return DAY0 + (day + 1) * DAY


def events(store: RegistryStore, action: str) -> list[dict[str, Any]]:
    """The ``after`` payloads of the model's audit events named ``action``, oldest first."""
    return [e.after or {} for e in store.list_events(MODEL) if e.action == action]
