"""Run units of work in transactions: retry what is transient, translate every database error.

Transient means another writer got in the way and trying again will likely work: SQLite's
"database is locked" (the 30 s busy timeout ran out), PostgreSQL serialization failures,
deadlocks and lock timeouts, and pooled connections the server dropped. Everything else becomes a
``StorageError`` (or a ``ConflictError`` for a constraint a concurrent writer won) whose message
names the database by its redacted URL and never contains the password.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from charter.errors import CharterError, ConflictError, StorageError
from charter.store.sql.engine import read_only_engine

__all__ = ["MAX_ATTEMPTS", "TransactionRunner", "is_transient"]

T = TypeVar("T")

MAX_ATTEMPTS = 4
BACKOFF_BASE_S = 0.05
# PostgreSQL SQLSTATEs worth retrying: serialization failure, deadlock, lock not available.
_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "55P03"})


def is_transient(exc: DBAPIError) -> bool:
    """Whether retrying the whole transaction may succeed."""
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in _TRANSIENT_SQLSTATES:
        return True
    if isinstance(orig, sqlite3.OperationalError):
        message = str(orig).lower()
        return "locked" in message or "busy" in message
    return False


class TransactionRunner:
    """One transaction per unit of work, retried with backoff, with errors translated."""

    def __init__(self, engine: Engine, *, display_url: str, password: str = "") -> None:
        self._engine = engine
        self._reader = read_only_engine(engine)
        self._display_url = display_url
        self._password = password

    def run(
        self,
        doing: str,
        work: Callable[[Session], T],
        *,
        read_only: bool = False,
        retry_conflicts: bool = False,
    ) -> T:
        """Run ``work`` in a transaction of its own; ``doing`` names it in error messages."""
        engine = self._reader if read_only else self._engine

        def attempt() -> T:
            with Session(engine, expire_on_commit=False) as session, session.begin():
                return work(session)

        return self.guard(doing, attempt, retry_conflicts=retry_conflicts)

    def guard(self, doing: str, attempt: Callable[[], T], *, retry_conflicts: bool = False) -> T:
        """Call ``attempt`` (which manages its own transaction) with retries and translation.

        ``retry_conflicts`` also retries integrity errors, for upserts whose loser succeeds on a
        second try once it sees the winner's row.
        """
        for number in range(1, MAX_ATTEMPTS + 1):
            try:
                return attempt()
            except CharterError:
                raise
            except IntegrityError as exc:
                if retry_conflicts and number < MAX_ATTEMPTS:
                    _backoff(number)
                    continue
                raise ConflictError(
                    f"{doing}: a concurrent change conflicted ({self.describe(exc)})"
                ) from exc
            except DBAPIError as exc:
                if is_transient(exc) and number < MAX_ATTEMPTS:
                    _backoff(number)
                    continue
                raise self.storage_error(doing, exc) from exc
            except SQLAlchemyError as exc:
                raise self.storage_error(doing, exc) from exc
        raise AssertionError("unreachable: the last attempt returns or raises")

    def describe(self, exc: SQLAlchemyError) -> str:
        """The driver's error class and first line, without SQL, parameters or password."""
        orig = exc.orig if isinstance(exc, DBAPIError) else exc
        lines = str(orig).strip().splitlines()
        text = f"{type(orig).__name__}: {lines[0] if lines else ''}"
        return text.replace(self._password, "***") if self._password else text

    def storage_error(self, doing: str, exc: SQLAlchemyError) -> StorageError:
        return StorageError(
            f"registry database {self._display_url} failed while {doing}: {self.describe(exc)}"
        )


def _backoff(attempt: int) -> None:
    # Exponential with jitter, so two retrying processes do not collide again in lockstep.
    time.sleep(BACKOFF_BASE_S * 2 ** (attempt - 1) * (1 + random.random()))
