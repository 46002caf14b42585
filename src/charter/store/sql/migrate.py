"""Bring a registry database to the newest schema, safely from many processes at once.

Alembic runs from the package (no ``alembic.ini``): the ``Config`` is built here and the open
connection travels in ``config.attributes["connection"]``. The upgrade runs inside one transaction
that first takes a lock every other opener also takes: SQLite's ``BEGIN IMMEDIATE`` (the database
write lock), PostgreSQL's ``pg_advisory_xact_lock``. The second of two processes opening a fresh
database therefore waits, then finds the schema at head and does nothing.

Opening an up-to-date database is the common case (every CLI command does it), so it is checked
first with one plain query, without the write lock and without importing Alembic at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Connection, Engine

from charter.errors import StorageError
from charter.store.sql.engine import read_only_engine

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "HEAD_REVISION",
    "MIGRATIONS_DIR",
    "MIGRATION_LOCK_KEY",
    "alembic_config",
    "current_revision",
    "head_revision",
    "upgrade",
]

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
MIGRATION_LOCK_KEY = 0x636861727465724D  # "charterM" as a bigint: the advisory lock for upgrades
HEAD_REVISION = "0008"
"""The newest revision under ``migrations/versions``; a test pins it to Alembic's own answer."""


def alembic_config(connection: Connection | None = None) -> Config:
    """An in-memory Alembic config pointing at the packaged migrations."""
    from alembic.config import Config  # Alembic loads only when a schema must change

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    """The newest revision Alembic finds in the packaged scripts."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _is_known(revision: str) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at, or ``None`` for an empty database."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    value = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return None if value is None else str(value)


def upgrade(engine: Engine) -> None:
    """Upgrade ``engine``'s database to head; idempotent and safe under concurrent openers."""
    with read_only_engine(engine).connect() as connection:
        if current_revision(connection) == HEAD_REVISION:
            return
    from alembic import command

    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK_KEY)))
        current = current_revision(connection)
        if current == HEAD_REVISION:
            return
        if current is not None and not _is_known(current):
            raise StorageError(
                f"the registry database is at schema revision {current!r}, which this version "
                f"of Charter does not know (its newest is {HEAD_REVISION!r}); upgrade Charter"
            )
        command.upgrade(alembic_config(connection), "head")
