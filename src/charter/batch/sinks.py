"""Where batch scoring writes, atomically: files by rename, SQL tables in one transaction.

Files: everything a run writes goes into a hidden work folder beside the output
(``.scores.parquet.<run id>.partial/``) and is renamed into place only when the run succeeds, so a
killed run never leaves a partial file under the final name. The reject file sits beside the output
(``scores.rejects.parquet``). With the Dask engine the output is a folder of one file per partition
plus ``_manifest.json``.

SQL tables: one transaction holds the whole run (``BEGIN IMMEDIATE`` on SQLite, so even the
``CREATE TABLE`` is undone by a kill). A table accumulates runs keyed by ``run_id``: rerunning a
run id deletes that run's rows first, so it replaces and never duplicates; ``--overwrite``
replaces the whole table. Rejects go to ``<table>_rejects`` in the same transaction.
"""

from __future__ import annotations

import abc
import json
import os
import posixpath
from typing import Any

import fsspec
import pyarrow as pa

from charter.batch.files import OutputFormat, TableFileWriter, format_of
from charter.batch.sql import SqlTarget, is_sql_url, parse_sql_target, split_table, sql_errors
from charter.errors import ConflictError, DataError, StorageError

__all__ = ["FileSink", "RunWriter", "Sink", "SqlSink", "open_sink"]


class RunWriter(abc.ABC):
    """Receives one run's score and reject tables; publishes them all or nothing."""

    @abc.abstractmethod
    def write(self, scores: pa.Table, rejects: pa.Table) -> None: ...

    @abc.abstractmethod
    def commit(self, *, publish_scores: bool) -> None:
        """Make the rejects (and the scores, if ``publish_scores``) visible under final names."""

    @abc.abstractmethod
    def abort(self) -> None:
        """Leave nothing behind (safe to call twice, or after a failed commit)."""


class Sink(abc.ABC):
    """A resolved output."""

    uri: str  # for people and run records (no password)
    reject_uri: str

    @abc.abstractmethod
    def preflight(self, *, overwrite: bool, same_run: bool) -> None:
        """Refuse before scoring: an output that exists, an unreachable database."""

    @abc.abstractmethod
    def open(
        self, run_id: str, *, overwrite: bool, scores: pa.Schema, rejects: pa.Schema
    ) -> RunWriter: ...


def open_sink(uri: str, *, default_format: OutputFormat = "parquet") -> Sink:
    """The sink ``uri`` names: a SQL table (``…#table``) or a file path or fsspec URL."""
    if not uri or not uri.strip():
        raise DataError("no output given: pass --output or set delivery.batch.sink in the charter")
    if is_sql_url(uri):
        return SqlSink(parse_sql_target(uri))
    return FileSink(uri, default_format=default_format)


# --- files ----------------------------------------------------------------------------------


def reject_path(path: str) -> str:
    """``scores.parquet`` → ``scores.rejects.parquet`` (same folder, same format)."""
    folder, name = posixpath.split(path.rstrip("/"))
    stem, dot, suffix = name.rpartition(".")
    renamed = f"{stem}.rejects.{suffix}" if dot and stem else f"{name}.rejects"
    return posixpath.join(folder, renamed)


class FileSink(Sink):
    """A file (local engine) or a folder of part files (Dask engine) at a path or fsspec URL."""

    def __init__(self, uri: str, *, default_format: OutputFormat = "parquet") -> None:
        try:
            self.fs, self.path = fsspec.core.url_to_fs(uri)
        except (ValueError, ImportError, OSError) as exc:
            raise DataError(f"cannot open output {uri}: {exc}") from None
        self.path = self.path.rstrip("/")
        self.kind: OutputFormat = format_of(self.path, default_format)
        self.reject_path = reject_path(self.path)
        self.uri = self.fs.unstrip_protocol(self.path)
        self.reject_uri = self.fs.unstrip_protocol(self.reject_path)

    def work_dir(self, run_id: str) -> str:
        folder, name = posixpath.split(self.path)
        return posixpath.join(folder, f".{name}.{run_id}.partial")

    def preflight(self, *, overwrite: bool, same_run: bool) -> None:
        if self.fs.exists(self.path) and not (overwrite or same_run):
            raise ConflictError(
                f"output exists: {self.uri}; pass --overwrite to replace it "
                "(or rerun with the run id that wrote it)"
            )
        folder = posixpath.dirname(self.path)
        try:
            if folder:
                self.fs.makedirs(folder, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create the output folder {folder}: {exc}") from None

    def prepare_work_dir(self, run_id: str) -> str:
        """A clean work folder for the run (a killed attempt's leftovers are removed)."""
        work = self.work_dir(run_id)
        try:
            if self.fs.exists(work):
                self.fs.rm(work, recursive=True)
            self.fs.makedirs(work, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot write next to the output {self.uri}: {exc}") from None
        return work

    def open(
        self, run_id: str, *, overwrite: bool, scores: pa.Schema, rejects: pa.Schema
    ) -> FileRunWriter:
        work = self.prepare_work_dir(run_id)
        return FileRunWriter(self, run_id, work, scores, rejects)

    def part_paths(self, work: str, index: int) -> tuple[str, str]:
        """Where partition ``index`` writes its scores and rejects inside the work folder."""
        name = f"part-{index:05d}.{self.kind}"
        return posixpath.join(work, "scores", name), posixpath.join(work, "rejects", name)

    def publish(self, work: str, run_id: str, *, publish_scores: bool, parts: bool) -> None:
        """Move the work folder's outputs to their final names (the caller discards the rest)."""
        scores = posixpath.join(work, "scores" if parts else f"scores.{self.kind}")
        rejects = posixpath.join(work, "rejects" if parts else f"rejects.{self.kind}")
        try:
            _replace(self.fs, rejects, self.reject_path, run_id)
            if publish_scores:
                _replace(self.fs, scores, self.path, run_id)
        except OSError as exc:
            raise StorageError(f"cannot move the output into place at {self.uri}: {exc}") from None

    def discard(self, work: str) -> None:
        try:
            if self.fs.exists(work):
                self.fs.rm(work, recursive=True)
        except OSError:  # best effort: a hidden leftover never shadows the final name
            pass


def _replace(fs: Any, source: str, target: str, run_id: str) -> None:
    """Rename ``source`` to ``target``; a file replaces a file in one atomic rename locally."""
    local = "file" in (fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,))
    if local and fs.isfile(source) and not fs.isdir(target):
        os.replace(source, target)
        return
    aside = None
    if fs.exists(target):
        aside = f"{target}.replaced-{run_id}"
        fs.mv(target, aside, recursive=True)
    fs.mv(source, target, recursive=True)
    if aside is not None:
        fs.rm(aside, recursive=True)


class FileRunWriter(RunWriter):
    """The local engine's writer: one score file and one reject file in the work folder."""

    def __init__(
        self, sink: FileSink, run_id: str, work: str, scores: pa.Schema, rejects: pa.Schema
    ) -> None:
        self.sink = sink
        self.run_id = run_id
        self.work = work
        kind = sink.kind
        self._scores = TableFileWriter(sink.fs, f"{work}/scores.{kind}", kind, scores)
        self._rejects = TableFileWriter(sink.fs, f"{work}/rejects.{kind}", kind, rejects)

    def write(self, scores: pa.Table, rejects: pa.Table) -> None:
        self._scores.write(scores)
        if rejects.num_rows:
            self._rejects.write(rejects)

    def commit(self, *, publish_scores: bool) -> None:
        self._scores.close()
        self._rejects.close()
        self.sink.publish(self.work, self.run_id, publish_scores=publish_scores, parts=False)
        self.sink.discard(self.work)

    def abort(self) -> None:
        self._scores.discard()
        self._rejects.discard()
        self.sink.discard(self.work)


def write_manifest(sink: FileSink, work: str, manifest: dict[str, Any]) -> None:
    """``_manifest.json`` in the parts folder: pyarrow and DuckDB skip names starting with ``_``."""
    with sink.fs.open(posixpath.join(work, "scores", "_manifest.json"), "w") as handle:
        json.dump(manifest, handle, indent=2, sort_keys=True)


# --- SQL tables -----------------------------------------------------------------------------


def _sql_type(kind: pa.DataType) -> Any:
    import sqlalchemy as sa

    if pa.types.is_boolean(kind):
        return sa.Boolean()
    if pa.types.is_integer(kind):
        return sa.BigInteger()
    if pa.types.is_floating(kind):
        return sa.Double()
    if pa.types.is_timestamp(kind):
        return sa.DateTime(timezone=kind.tz is not None)
    return sa.Text()


class SqlSink(Sink):
    """A table in a SQL database; rejects go to ``<table>_rejects`` beside it."""

    def __init__(self, target: SqlTarget) -> None:
        self.target = target
        self.reject_target = SqlTarget(target.url, f"{target.table}_rejects")
        self.uri = target.display
        self.reject_uri = self.reject_target.display

    def preflight(self, *, overwrite: bool, same_run: bool) -> None:
        from sqlalchemy import inspect

        path = self.target.sqlite_path
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(f"cannot create the folder of {self.uri}: {exc}") from None
        engine = self.target.engine()
        try:
            with sql_errors(self.target, "checking the output table"), engine.connect() as conn:
                schema, name = split_table(self.target.table)
                inspector = inspect(conn)
                if inspector.has_table(name, schema=schema) and not overwrite:
                    columns = {c["name"] for c in inspector.get_columns(name, schema=schema)}
                    if "run_id" not in columns:
                        raise ConflictError(
                            f"output table exists and was not written by charter score: "
                            f"{self.uri}; pass --overwrite to replace it"
                        )
        finally:
            engine.dispose()

    def open(
        self, run_id: str, *, overwrite: bool, scores: pa.Schema, rejects: pa.Schema
    ) -> SqlRunWriter:
        return SqlRunWriter(self, run_id, overwrite=overwrite, scores=scores, rejects=rejects)


class SqlRunWriter(RunWriter):
    """Both tables written in one transaction on one connection."""

    def __init__(
        self,
        sink: SqlSink,
        run_id: str,
        *,
        overwrite: bool,
        scores: pa.Schema,
        rejects: pa.Schema,
    ) -> None:
        import sqlalchemy as sa

        self.sink = sink
        self.run_id = run_id
        self._engine = sink.target.engine()
        self._empty = {"scores": scores, "rejects": rejects}
        self._tables: dict[str, sa.Table | None] = {"scores": None, "rejects": None}
        self._created: set[str] = set()
        self._connection: Any = None
        self._transaction: Any = None
        with sql_errors(sink.target, "opening a transaction on the output table"):
            self._connection = self._engine.connect()
            self._transaction = self._connection.begin()
            for role, target in (("scores", sink.target), ("rejects", sink.reject_target)):
                self._tables[role] = self._existing(target, overwrite)

    def _existing(self, target: SqlTarget, overwrite: bool) -> Any:
        import sqlalchemy as sa

        schema, name = split_table(target.table)
        if not sa.inspect(self._connection).has_table(name, schema=schema):
            return None
        table = sa.Table(name, sa.MetaData(), schema=schema, autoload_with=self._connection)
        if overwrite:
            table.drop(self._connection)
            return None
        if "run_id" in table.c:
            self._connection.execute(table.delete().where(table.c.run_id == self.run_id))
        return table

    def _table(self, role: str, schema: pa.Schema) -> Any:
        import sqlalchemy as sa

        table = self._tables[role]
        if table is None:
            target = self.sink.target if role == "scores" else self.sink.reject_target
            db_schema, name = split_table(target.table)
            columns = [sa.Column(f.name, _sql_type(f.type)) for f in schema]
            table = sa.Table(name, sa.MetaData(), *columns, schema=db_schema)
            table.create(self._connection)
            self._tables[role] = table
            self._created.add(role)
        return table

    def _insert(self, role: str, rows: pa.Table) -> None:
        table = self._table(role, rows.schema)
        if not rows.num_rows:
            return
        unknown = [name for name in rows.column_names if name not in table.c]
        if unknown:
            raise ConflictError(
                f"output table {self.sink.uri} lacks the columns {', '.join(unknown)}; "
                "pass --overwrite to replace it"
            )
        self._connection.execute(table.insert(), rows.to_pylist())

    def write(self, scores: pa.Table, rejects: pa.Table) -> None:
        with sql_errors(self.sink.target, "writing scores"):
            self._insert("scores", scores)
            self._insert("rejects", rejects)

    def commit(self, *, publish_scores: bool) -> None:
        with sql_errors(self.sink.target, "committing the scores"):
            for role in ("scores", "rejects"):
                self._table(role, self._empty[role])
            if not publish_scores:
                table = self._tables["scores"]
                assert table is not None
                if "scores" in self._created:
                    table.drop(self._connection)
                else:
                    self._connection.execute(table.delete().where(table.c.run_id == self.run_id))
            self._transaction.commit()
            self._close()

    def abort(self) -> None:
        try:
            if self._transaction is not None and self._transaction.is_active:
                self._transaction.rollback()
        except Exception:
            pass
        self._close()

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        self._engine.dispose()
