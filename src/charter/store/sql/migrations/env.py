"""Alembic environment: runs on the connection ``charter.store.sql.migrate`` hands over.

Charter never reads an ``alembic.ini``: the store builds the ``Config`` in code and passes an open
connection (already inside the transaction that holds the migration lock) through
``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from charter.store.sql.tables import Base

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("charter migrations run only through charter.store.sql.migrate")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
