"""The monitoring port on each backend: points replace per key, labels are idempotent."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from charter.errors import DataError, NotFoundError
from charter.store import RegistryStore
from charter.store.entities import NewVersion
from charter.store.ports_monitoring import MonitoringPoint

DAY = datetime(2026, 3, 2, tzinfo=UTC)


def _register(store: RegistryStore, name: str = "churn") -> None:
    store.create_version(
        NewVersion(
            model_name=name,
            flavor="sklearn",
            artifact_uri=f"file:///artifacts/{name}/model.joblib",
            artifact_sha256="ab" * 32,
            artifact_size=1,
            signature={"inputs": [], "outputs": ["score"]},
            charter_hash="c1" * 32,
            charter_content="name: churn\n",
            registered_by="alice@example.com",
            training_fingerprint="fp",
            code_version="git:0",
            params={},
            metrics={},
            sample_uri="",
            sample_sha256="",
            description="",
        )
    )


def _point(metric: str, value: float | None, day: int = 0, status: str = "ok") -> MonitoringPoint:
    start = DAY + timedelta(days=day)
    return MonitoringPoint("churn", 1, start, start + timedelta(days=1), metric, value, status)


def test_points_are_replaced_per_window_and_metric(registry_store: RegistryStore) -> None:
    _register(registry_store)
    assert registry_store.record_points([_point("drift.psi[age]", 0.1), _point("a", None, 1)]) == 2
    registry_store.record_points([_point("drift.psi[age]", 0.4, status="alert")])
    points = registry_store.list_points("churn")
    assert [(p.metric, p.value, p.status) for p in points] == [
        ("drift.psi[age]", 0.4, "alert"),
        ("a", None, "ok"),
    ]
    assert points[0].window_start == DAY and points[0].computed_at is not None
    assert [p.metric for p in registry_store.list_points("churn", metric="a")] == ["a"]
    assert registry_store.list_points("churn", since=DAY + timedelta(days=1))[0].metric == "a"
    with pytest.raises(DataError):
        registry_store.record_points([_point("x", math.nan)])
    with pytest.raises(NotFoundError):
        registry_store.list_points("nobody")


def test_labels_are_idempotent_and_corrections_update(registry_store: RegistryStore) -> None:
    _register(registry_store)
    pairs = [(f"r{i}", "1" if i % 2 else "0") for i in range(1200)]
    assert registry_store.ingest_labels("churn", pairs) == (1200, 0)
    assert registry_store.ingest_labels("churn", pairs) == (0, 0)
    assert registry_store.ingest_labels("churn", [("r0", "1"), ("new", "0")]) == (1, 1)
    found = registry_store.labels_for("churn", ["r0", "r1", "new", "missing"])
    assert {k: v.label for k, v in found.items()} == {"r0": "1", "r1": "1", "new": "0"}
    assert len(registry_store.labels_for("churn", [rid for rid, _ in pairs])) == 1200
    many = [rid for rid, _ in pairs] + [f"unknown{i}" for i in range(6_000)]  # scan branch
    scanned = registry_store.labels_for("churn", many)
    assert len(scanned) == 1200 and scanned["r1"].label == "1"
    assert scanned["r1"].received_at.tzinfo is not None
    assert registry_store.labels_for("churn", []) == {}
