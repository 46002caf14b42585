"""A process killed (SIGKILL) in the middle of a registration leaves nothing half-done behind."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from charter.errors import NotFoundError
from charter.store import NewVersion, RegistryStore, open_registry_store

pytestmark = pytest.mark.slow

Spawn = Callable[..., Any]
Check = Callable[[str, str, int], None]


def _version(model: str) -> NewVersion:
    return NewVersion(
        model_name=model,
        flavor="sklearn",
        artifact_uri="file:///a/model.joblib",
        artifact_sha256="ab" * 32,
        artifact_size=1,
        signature={},
        charter_hash="c1" * 32,
        charter_content="c",
        registered_by="parent",
    )


def _registered_versions(store: RegistryStore, model: str) -> list[int]:
    return sorted(
        e.version or 0 for e in store.list_events(model) if e.action == "version.registered"
    )


def test_kill_inside_the_registration_transaction(
    db_url: str, tmp_path: Path, spawn_worker: Spawn, assert_consistent: Check
) -> None:
    store = open_registry_store(db_url)
    try:
        store.create_version(_version("churn"))
        store.create_version(_version("churn"))

        child = spawn_worker("hang", db_url, "churn", "1", str(tmp_path / "unused"))
        assert child.read_line() == "inside"  # the version and its audit event are written
        # Readers are not blocked by the open write transaction and do not see it.
        assert [v.version for v in store.list_versions("churn")] == [1, 2]
        child.kill()  # SIGKILL: no rollback, no cleanup, the transaction just stops

        started = time.monotonic()
        assert store.create_version(_version("churn")).version == 3
        assert time.monotonic() - started < 10, "the database stayed locked after the kill"
        assert [v.version for v in store.list_versions("churn")] == [1, 2, 3]
    finally:
        store.close()

    assert_consistent(db_url, "churn", 3)


def test_kill_during_the_first_registration_of_a_model(
    db_url: str, tmp_path: Path, spawn_worker: Spawn
) -> None:
    store = open_registry_store(db_url)
    try:
        child = spawn_worker("hang", db_url, "new-model", "1", str(tmp_path / "unused"))
        assert child.read_line() == "inside"
        child.kill()

        with pytest.raises(NotFoundError):
            store.get_model("new-model")
        assert store.list_events() == []
        assert store.create_version(_version("new-model")).version == 1
    finally:
        store.close()


def test_random_kills_keep_the_registry_consistent(
    db_url: str, tmp_path: Path, spawn_worker: Spawn, assert_consistent: Check
) -> None:
    open_registry_store(db_url).close()
    rng = random.Random(20240501)
    committed: list[int] = []
    for _ in range(2):
        child = spawn_worker("loop", db_url, "churn", "0", str(tmp_path / "unused"))
        committed.append(int(child.read_line()))  # at least one commit per round
        time.sleep(rng.uniform(0.0, 0.3))
        child.kill()

    store = open_registry_store(db_url)
    try:
        latest = store.get_model("churn").latest_version
        assert latest >= max(committed)
        assert list(range(1, latest + 1)) == _registered_versions(store, "churn")
    finally:
        store.close()
    assert_consistent(db_url, "churn", latest)
