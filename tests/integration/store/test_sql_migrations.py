"""Schema migrations: opening upgrades to head, idempotently, and the ORM matches the revisions."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from charter.errors import StorageError
from charter.store import open_registry_store
from charter.store.sql import SqlRegistryStore
from charter.store.sql.migrate import (
    HEAD_REVISION,
    alembic_config,
    current_revision,
    head_revision,
)
from charter.store.sql.tables import Base

TABLES = {
    "alembic_version",
    "aliases",
    "api_tokens",
    "approvals",
    "audit_events",
    "batch_runs",
    "charters",
    "labels",
    "models",
    "monitoring_points",
    "policy_states",
    "promotions",
    "scheduler_jobs",
    "validation_runs",
    "versions",
    "webhook_deliveries",
    "webhooks",
}


def _open(url: str) -> SqlRegistryStore:
    store = open_registry_store(url)
    assert isinstance(store, SqlRegistryStore)
    return store


def test_head_revision_constant_matches_the_scripts() -> None:
    assert head_revision() == HEAD_REVISION


def test_opening_creates_every_table_at_head(db_url: str) -> None:
    store = _open(db_url)
    try:
        assert set(inspect(store.engine).get_table_names()) == TABLES
        with store.engine.connect() as connection:
            assert current_revision(connection) == HEAD_REVISION
    finally:
        store.close()


def test_opening_twice_is_idempotent(db_url: str) -> None:
    first = _open(db_url)
    first.close()
    second = _open(db_url)
    try:
        with second.engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        assert [tuple(row) for row in rows] == [(HEAD_REVISION,)]
    finally:
        second.close()


def test_orm_rows_match_the_migrated_schema(db_url: str) -> None:
    store = _open(db_url)
    try:
        with store.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        store.close()


def test_downgrade_to_base_and_reopen(db_url: str) -> None:
    store = _open(db_url)
    try:
        with store.engine.begin() as connection:
            command.downgrade(alembic_config(connection), "base")
        assert {"alembic_version"} == set(inspect(store.engine).get_table_names())
    finally:
        store.close()

    reopened = _open(db_url)
    try:
        assert set(inspect(reopened.engine).get_table_names()) == TABLES
    finally:
        reopened.close()


def test_database_from_a_newer_charter_is_refused(db_url: str) -> None:
    _open(db_url).close()
    store = SqlRegistryStore(db_url, upgrade=False)
    try:
        with store.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    finally:
        store.close()

    with pytest.raises(StorageError) as info:
        open_registry_store(db_url)
    assert (
        "the registry database is at schema revision '9999', which this version of Charter does "
        f"not know (its newest is '{HEAD_REVISION}'); upgrade Charter"
    ) == str(info.value)
