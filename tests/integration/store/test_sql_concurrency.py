"""Several OS processes racing on one fresh registry: the migration, then one model's numbering."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text

from charter.store import open_registry_store
from charter.store.sql import SqlRegistryStore
from charter.store.sql.migrate import HEAD_REVISION

pytestmark = pytest.mark.slow

Spawn = Callable[..., Any]
Check = Callable[[str, str, int], None]
WORKERS, PER_WORKER = 4, 10


def _schema_state(url: str) -> tuple[set[str], list[str]]:
    store = open_registry_store(url)
    assert isinstance(store, SqlRegistryStore)
    try:
        with store.engine.connect() as connection:
            revisions = connection.execute(text("SELECT version_num FROM alembic_version"))
            return set(inspect(connection).get_table_names()), [row[0] for row in revisions]
    finally:
        store.close()


def test_processes_racing_on_a_fresh_database(
    db_url: str, tmp_path: Path, spawn_worker: Spawn, assert_consistent: Check
) -> None:
    go = tmp_path / "go"
    children = [
        spawn_worker("race", db_url, "brand-new", str(PER_WORKER), str(go)) for _ in range(WORKERS)
    ]

    # Round 1: every child opens the empty database at once; the schema is created exactly once.
    go.touch()
    for child in children:
        assert child.read_line() == "ready"
    tables, revisions = _schema_state(db_url)
    assert {"models", "versions", "charters", "aliases", "audit_events"} <= tables
    assert revisions == [HEAD_REVISION]

    # Round 2: every child registers versions of the same brand-new model at once.
    (tmp_path / "go.2").touch()
    numbers = [n for child in children for n in json.loads(child.finish().splitlines()[-1])]

    assert sorted(numbers) == list(range(1, WORKERS * PER_WORKER + 1))
    assert_consistent(db_url, "brand-new", WORKERS * PER_WORKER)
