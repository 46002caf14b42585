"""Fixtures shared by every test: registry and artifact stores on each backend.

PostgreSQL tests run against the server named by ``CHARTER_TEST_DATABASE_URL`` (start one with
``scripts/start-postgres``); each test gets a fresh database, dropped afterwards. Without the
variable they are skipped locally and fail under CI, so CI can never silently skip PostgreSQL.
The Adult data fixtures (``adult_fixtures.py``) load as a plugin from here.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from charter.store import ArtifactStore, RegistryStore, open_artifact_store, open_registry_store

# pytest-xdist's workers start with COLUMNS=80, and Rich fixes a console's width from COLUMNS
# when the console is made (at import): CLI tests that widen the terminal through CliRunner's env
# would then still see 80 columns. Without it the width is read on each print, as in one process.
os.environ.pop("COLUMNS", None)

pytest_plugins = ["adult_fixtures"]

POSTGRES_ENV = "CHARTER_TEST_DATABASE_URL"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``slow`` first (otherwise in order), so that under ``scripts/test``'s two
    xdist workers the longest files start early instead of finishing alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite URL in a fresh folder (the store creates the file and its parent)."""
    return f"sqlite:///{tmp_path / 'registry' / 'charter.db'}"


def _server_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if url:
        return url
    message = f"{POSTGRES_ENV} is not set; run scripts/start-postgres and export its URL"
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL tests cannot be skipped in CI: {message}")
    pytest.skip(message)


class _PostgresDatabases:
    """Creates and drops the per-test databases on a background thread.

    ``CREATE DATABASE`` and ``DROP DATABASE`` each take a few hundred milliseconds of server I/O;
    preparing the next database (and dropping the last) while a test runs hides that cost. Every
    test still gets a database nobody has used before.
    """

    def __init__(self, server_url: str) -> None:
        self._server = make_url(server_url).set(drivername="postgresql+psycopg")
        self._admin = create_engine(self._server, isolation_level="AUTOCOMMIT")
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="charter-pg")
        self._next: Future[str] = self._executor.submit(self._create)
        self._pending: list[Future[None]] = []

    def _create(self) -> str:
        name = f"charter_test_{uuid.uuid4().hex[:12]}"
        with self._admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        return name

    def _drop(self, name: str) -> None:
        with self._admin.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')

    def take(self) -> str:
        """A fresh database's URL; the next one starts being created at once."""
        name = self._next.result()
        self._next = self._executor.submit(self._create)
        return self._server.set(database=name).render_as_string(hide_password=False)

    def give_back(self, url: str) -> None:
        """Drop the database (in the background), closing any connection a test left open."""
        name = make_url(url).database
        assert name is not None
        self._pending.append(self._executor.submit(self._drop, name))

    def close(self) -> None:
        self._pending.append(self._executor.submit(self._drop, self._next.result()))
        for future in self._pending:
            future.result()
        self._executor.shutdown()
        self._admin.dispose()


@pytest.fixture(scope="session")
def _postgres_databases() -> Iterator[_PostgresDatabases]:
    databases = _PostgresDatabases(_server_url())
    try:
        yield databases
    finally:
        databases.close()


@pytest.fixture
def postgres_url(_postgres_databases: _PostgresDatabases) -> Iterator[str]:
    """A fresh, uniquely named database on the test server; dropped after the test."""
    url = _postgres_databases.take()
    try:
        yield url
    finally:
        _postgres_databases.give_back(url)


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
    ids=["sqlite", "postgres"],
)
def db_url(request: pytest.FixtureRequest) -> str:
    """A fresh registry database URL, once per backend."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(fixture))


@pytest.fixture
def registry_store(db_url: str) -> Iterator[RegistryStore]:
    """An opened (migrated) registry store on each backend, closed afterwards."""
    store = open_registry_store(db_url)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def artifact_store(tmp_path: Path) -> ArtifactStore:
    """A local artifact store in a fresh folder."""
    return open_artifact_store(str(tmp_path / "artifacts"))
