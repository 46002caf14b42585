"""Engine set-up per dialect, URL handling and which database errors count as transient."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from charter.errors import StorageError
from charter.store import open_registry_store
from charter.store.sql import SqlRegistryStore
from charter.store.sql.engine import normalize_url
from charter.store.sql.transactions import is_transient


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u:p@h/db", "postgresql+psycopg://u:***@h/db"),
        ("postgresql://u:p@h:5433/db", "postgresql+psycopg://u:***@h:5433/db"),
        ("postgresql+psycopg://u:p@h/db", "postgresql+psycopg://u:***@h/db"),
        ("sqlite:///relative.db", "sqlite:///relative.db"),
        ("sqlite://", "sqlite://"),
    ],
)
def test_urls_are_normalised(url: str, expected: str) -> None:
    assert normalize_url(url).render_as_string(hide_password=True) == expected


def test_unparseable_url_is_refused_without_echoing_the_password() -> None:
    with pytest.raises(StorageError) as info:
        normalize_url("not a url with secret:pw")
    assert "cannot parse the registry URL" in str(info.value)


def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(sqlite_url: str) -> None:
    store = open_registry_store(sqlite_url)
    assert isinstance(store, SqlRegistryStore)
    try:
        with store.engine.connect() as connection:
            pragmas = {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "busy_timeout", "foreign_keys")
            }
        assert pragmas == {"journal_mode": "wal", "busy_timeout": 30000, "foreign_keys": 1}
        assert Path(sqlite_url.removeprefix("sqlite:///")).parent.is_dir()
    finally:
        store.close()


@pytest.mark.postgres
def test_plain_postgres_scheme_opens_with_psycopg(postgres_url: str) -> None:
    store = open_registry_store(postgres_url.replace("postgresql+psycopg://", "postgres://"))
    assert isinstance(store, SqlRegistryStore)
    try:
        assert store.engine.dialect.driver == "psycopg"
        assert store.list_models() == []
    finally:
        store.close()


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("orig", "expected"),
    [
        (sqlite3.OperationalError("database is locked"), True),
        (sqlite3.OperationalError("no such table: models"), False),
        (_PgError("40001"), True),  # serialization_failure
        (_PgError("40P01"), True),  # deadlock_detected
        (_PgError("55P03"), True),  # lock_not_available
        (_PgError("42P01"), False),  # undefined_table
    ],
)
def test_transient_errors_are_recognised(orig: Exception, expected: bool) -> None:
    assert is_transient(OperationalError("SELECT 1", {}, orig)) is expected
