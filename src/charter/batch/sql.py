"""User databases as sources and sinks: ``sqlite:///scores.db#table``, ``postgresql://…#table``.

These are the user's tables, not the registry, so they get their own small engine: SQLite opens
every transaction with ``BEGIN IMMEDIATE`` (the driver would otherwise run ``CREATE TABLE``
outside it, and a killed run could leave an empty table under the final name), and database errors
become ``StorageError`` messages that name the table by a redacted URL and never the password.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from charter.config import redact_url
from charter.errors import CharterError, DataError, StorageError

__all__ = ["SqlTarget", "is_sql_url", "parse_sql_target", "split_table", "sql_errors"]

T = TypeVar("T")

_SCHEMES = ("sqlite", "postgres", "postgresql")


def is_sql_url(uri: str) -> bool:
    """Whether ``uri`` names a database table rather than a file."""
    scheme = uri.split("://", 1)[0].split("+", 1)[0].lower() if "://" in uri else ""
    return scheme in _SCHEMES


@dataclass(frozen=True)
class SqlTarget:
    """A table in a database reached through a SQLAlchemy URL."""

    url: str  # with the password: only ever handed to create_engine
    table: str

    @property
    def display(self) -> str:
        """The URL and table with the password hidden, for messages and run records."""
        return f"{redact_url(self.url)}#{self.table}"

    @property
    def password(self) -> str:
        password = make_url(self.url).password
        return password if isinstance(password, str) else ""

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.url).get_backend_name() == "sqlite"

    @property
    def sqlite_path(self) -> Path | None:
        """The database file of a SQLite URL (``file:`` URI form included), else None."""
        database = make_url(self.url).database
        if not self.is_sqlite or not database or database == ":memory:":
            return None
        if database.startswith("file:"):
            database = database[len("file:") :].split("?", 1)[0]
        return Path(database)

    def engine(self) -> Engine:
        """A fresh engine; NullPool so a finished run keeps no connection open."""
        parsed = make_url(self.url)
        if parsed.drivername in ("postgres", "postgresql"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        if parsed.get_backend_name() != "sqlite":
            return create_engine(parsed, poolclass=NullPool)
        engine = create_engine(parsed, poolclass=NullPool, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_autocommit_driver)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine

    def describe(self, exc: BaseException) -> str:
        orig = exc.orig if isinstance(exc, DBAPIError) else exc
        lines = str(orig).strip().splitlines()
        text = f"{type(orig).__name__}: {lines[0] if lines else ''}"
        return text.replace(self.password, "***") if self.password else text


def _sqlite_autocommit_driver(dbapi_connection: Any, _record: Any) -> None:
    # Hand transaction control to SQLAlchemy's "begin" event below.
    dbapi_connection.isolation_level = None


def _sqlite_begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def parse_sql_target(uri: str) -> SqlTarget:
    """Split ``url#table``; refuse a URL without a table or with a table name SQL cannot quote."""
    url, sep, table = uri.partition("#")
    shown = redact_url(url)
    if not sep or not table:
        raise DataError(f"a database source or sink must name its table: {shown}#TABLE")
    if not all(ch.isalnum() or ch in "_." for ch in table) or table[0].isdigit():
        raise DataError(
            f"table name {table!r} must be letters, digits and underscores, "
            "optionally with a schema ('schema.table')"
        )
    try:
        make_url(url)
    except ArgumentError:
        raise DataError(f"cannot parse the database URL {shown!r}") from None
    return SqlTarget(url=url, table=table)


@contextmanager
def sql_errors(target: SqlTarget, doing: str) -> Iterator[None]:
    """Translate database errors into ``StorageError`` naming the table, never the password."""
    try:
        yield
    except CharterError:
        raise
    except (SQLAlchemyError, OSError) as exc:
        raise StorageError(
            f"database {target.display} failed while {doing}: {target.describe(exc)}"
        ) from None


def split_table(name: str) -> tuple[str | None, str]:
    """``schema.table`` into its parts."""
    schema, _, table = name.rpartition(".")
    return (schema or None), table
