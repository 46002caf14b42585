"""Gate runs stored per version and charter, on both databases."""

from __future__ import annotations

import pytest

from charter.errors import NotFoundError
from charter.store import NewValidationRun, RegistryStore
from charter.store.sql import SqlRegistryStore
from conftest import make_new_version


def _run(status: str = "pass", charter_hash: str = "c1" * 32, version: int = 1) -> NewValidationRun:
    return NewValidationRun(
        model_name="churn",
        version=version,
        charter_hash=charter_hash,
        status=status,  # type: ignore[arg-type]
        report={"checks": [{"name": "roc_auc", "verdict": status}]},
        data_fingerprint="sha256:data",
        run_by="val@bank.example",
    )


def test_runs_are_recorded_listed_and_audited(registry_store: RegistryStore) -> None:
    registry_store.create_version(make_new_version())
    registry_store.create_version(make_new_version())
    first = registry_store.record_validation_run(_run("fail"))
    second = registry_store.record_validation_run(_run("pass"))
    other = registry_store.record_validation_run(_run("warn", version=2))
    assert (first.passed, second.passed, other.passed) == (False, True, True)
    assert [r.id for r in registry_store.list_validation_runs("churn", 1)] == [first.id, second.id]
    assert len(registry_store.list_validation_runs("churn")) == 3
    latest = registry_store.latest_validation_run("churn", 1)
    assert latest is not None and latest.status == "pass"
    assert latest.report["checks"][0]["name"] == "roc_auc"
    assert registry_store.latest_validation_run("churn", 1, charter_hash="ff" * 32) is None
    events = [e for e in registry_store.list_events("churn") if e.action == "version.validated"]
    assert [e.after["status"] for e in events if e.after] == ["fail", "pass", "warn"]
    assert isinstance(registry_store, SqlRegistryStore)
    assert registry_store.verify_chain()[0]


def test_a_run_for_an_unknown_version_is_refused(registry_store: RegistryStore) -> None:
    registry_store.create_version(make_new_version())
    with pytest.raises(NotFoundError, match="no version 9"):
        registry_store.record_validation_run(_run(version=9))
    assert registry_store.list_validation_runs("churn") == []
