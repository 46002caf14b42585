"""Engines per dialect: SQLite tuned for many local processes, PostgreSQL via psycopg 3.

SQLite: WAL (readers never block the writer), a 30 s busy timeout, foreign keys on, and every
write transaction opened with ``BEGIN IMMEDIATE`` so writers queue on the database lock up front
instead of failing later with ``SQLITE_BUSY_SNAPSHOT`` when a read lock cannot be upgraded.
Read-only work (``read_only_engine``) opens a plain deferred ``BEGIN`` and never waits for a writer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool

from charter.config import redact_url
from charter.errors import StorageError

__all__ = ["READ_ONLY", "create_registry_engine", "normalize_url", "read_only_engine"]

READ_ONLY = "charter_read_only"
"""Execution option: the transaction only reads, so SQLite may start it deferred."""

SQLITE_BUSY_TIMEOUT_MS = 30_000
_POSTGRES_ALIASES = ("postgres", "postgresql", "postgresql+psycopg")


def normalize_url(url: str) -> URL:
    """Parse a registry URL; ``postgres://`` and ``postgresql://`` become ``postgresql+psycopg://``."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StorageError(f"cannot parse the registry URL {redact_url(url)!r}") from exc
    if parsed.drivername in _POSTGRES_ALIASES:
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        return parsed
    raise StorageError(
        f"unsupported registry URL scheme {parsed.drivername!r} in {redact_url(url)!r}: "
        "expected sqlite:///path/charter.db or postgresql+psycopg://user:password@host/db"
    )


def _json_dumps(value: Any) -> str:
    # NaN and Infinity are not JSON; PostgreSQL rejects them, so SQLite must too.
    return json.dumps(value, allow_nan=False, ensure_ascii=False)


def create_registry_engine(url: str) -> Engine:
    """An engine for ``url`` with the per-dialect settings Charter relies on."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    try:
        import psycopg  # noqa: F401  (only to give a clear message when it is missing)
    except ImportError as exc:
        raise StorageError(
            "PostgreSQL needs the psycopg driver: pip install 'charter-mlops[postgres]'"
        ) from exc
    return create_engine(
        parsed,
        pool_pre_ping=True,
        json_serializer=_json_dumps,
        connect_args={"application_name": "charter"},
    )


def _sqlite_engine(parsed: URL) -> Engine:
    database = parsed.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
    if in_memory:
        # One shared connection, or every checkout would see its own empty database.
        engine = create_engine(
            parsed,
            json_serializer=_json_dumps,
            poolclass=StaticPool,
            connect_args={"check_same_thread": False},
        )
    else:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed,
            json_serializer=_json_dumps,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN away from the sqlite3 module; the "begin" hook below emits our own.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def read_only_engine(engine: Engine) -> Engine:
    """A view of ``engine`` (same pool) whose transactions only read."""
    return engine.execution_options(**{READ_ONLY: True})
