"""The SQL registry backend (SQLite, PostgreSQL): rows, migrations, audit chain, store."""

from __future__ import annotations

from charter.store.sql.audit import GENESIS_HASH, compute_event_hash
from charter.store.sql.store import SqlRegistryStore

__all__ = ["GENESIS_HASH", "SqlRegistryStore", "compute_event_hash"]
