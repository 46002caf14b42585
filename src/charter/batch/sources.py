"""Where batch scoring reads: files, globs, folders, fsspec URLs and SQL tables, as Arrow batches.

``open_source`` resolves the input once, checks it exists and has rows, and cuts it into
picklable ``Partition``s (a file, a Parquet row group, or a table); ``read_partition`` streams one
partition as ``pyarrow.RecordBatch``es of a bounded size, so memory never depends on input size.

CSV is read with every column as text and JSON Lines chunk by chunk, because their types are
guessed per block: a column that looks numeric in the first block and holds ``"abc"`` later would
otherwise stop the whole run, where the charter check should reject just that row.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, Literal

import fsspec
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from charter.batch.sql import SqlTarget, is_sql_url, parse_sql_target, split_table, sql_errors
from charter.data import MISSING_MARKERS
from charter.errors import DataError

__all__ = [
    "FILE_KINDS",
    "FileKind",
    "Partition",
    "Source",
    "file_kind",
    "open_source",
    "read_partition",
    "with_offsets",
]

FileKind = Literal["csv", "tsv", "parquet", "jsonl"]
FILE_KINDS: dict[str, FileKind] = {
    ".csv": "csv",
    ".csv.gz": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".jsonl.gz": "jsonl",
    ".ndjson": "jsonl",
}
_NULLS = ["", "NA", "N/A", "NaN", "nan", "null", "NULL", "None", *MISSING_MARKERS]
_GLOB_CHARS = frozenset("*?[")


def file_kind(path: str) -> FileKind | None:
    """The format a file name says, or None."""
    name = path.lower()
    for suffix, kind in sorted(FILE_KINDS.items(), key=lambda item: -len(item[0])):
        if name.endswith(suffix):
            return kind
    return None


@dataclass(frozen=True)
class Partition:
    """One unit of work: a file, some row groups of a Parquet file, or a SQL table."""

    index: int
    kind: FileKind | Literal["sql"]
    uri: str
    row_groups: tuple[int, ...] | None = None
    rows: int | None = None  # known in advance for Parquet and SQL
    offset: int | None = None  # global number of this partition's first row


@dataclass(frozen=True)
class Source:
    """A resolved input: its partitions, the columns of the first, and the row count if known."""

    uri: str  # as shown to people (passwords hidden)
    partitions: tuple[Partition, ...]
    columns: tuple[str, ...]
    total_rows: int | None
    is_estimate: bool = False


def _stringify(values: pd.Series) -> pa.Array:
    """Text for a column Arrow cannot type (mixed types), with missing values kept as null."""
    return pa.array([None if _missing(v) else str(v) for v in values], type=pa.string())


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def frame_to_batch(frame: pd.DataFrame) -> pa.RecordBatch:
    """A pandas chunk as one record batch; columns of mixed Python types become text."""
    arrays: list[pa.Array] = []
    for name in frame.columns:
        column = frame[name]
        try:
            arrays.append(pa.array(column, from_pandas=True))
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
            arrays.append(_stringify(column))
    return pa.RecordBatch.from_arrays(arrays, names=[str(c) for c in frame.columns])


# --- resolving ------------------------------------------------------------------------------


def open_source(uri: str, *, split_row_groups: bool = False) -> Source:
    """Resolve ``uri`` into partitions; ``DataError`` for a missing, empty or unreadable input."""
    if not uri or not uri.strip():
        raise DataError("no input given: pass --input or set delivery.batch.source in the charter")
    if is_sql_url(uri):
        return _open_sql(parse_sql_target(uri))
    try:
        fs, path = fsspec.core.url_to_fs(uri)
    except (ValueError, ImportError, OSError) as exc:
        raise DataError(f"cannot open input {uri}: {exc}") from None
    paths = _expand(fs, path, uri)
    partitions: list[Partition] = []
    for path_ in paths:
        kind = file_kind(path_)
        assert kind is not None  # _expand keeps known kinds only
        full = fs.unstrip_protocol(path_)
        if kind == "parquet":
            partitions.extend(
                _parquet_partitions(fs, path_, full, len(partitions), split_row_groups)
            )
        else:
            partitions.append(Partition(len(partitions), kind, full))
    first = partitions[0]
    columns, rows_known = _peek(first, fs)
    total: int | None = None
    is_estimate = False
    if all(p.rows is not None for p in partitions):
        total = sum(p.rows or 0 for p in partitions)
    else:
        total, is_estimate = _estimate_rows(fs, paths), True
    if total == 0 or (not rows_known and len(partitions) == 1):
        raise DataError(f"input has no rows: {uri}")
    return Source(uri, tuple(partitions), columns, total, is_estimate)


def _expand(fs: Any, path: str, uri: str) -> list[str]:
    if any(ch in _GLOB_CHARS for ch in path):
        found = sorted(p for p in fs.glob(path) if fs.isfile(p))
        if not found:
            raise DataError(f"no input files match {uri}")
    elif fs.isdir(path):
        found = sorted(
            p
            for p in fs.find(path)
            if not any(part.startswith((".", "_")) for part in p[len(path) :].split("/") if part)
        )
        if not found:
            raise DataError(f"input folder is empty: {uri}")
    elif fs.exists(path):
        found = [path]
    else:
        raise DataError(f"input not found: {uri}")
    known = [p for p in found if file_kind(p) is not None]
    if not known:
        kinds = ", ".join(sorted(FILE_KINDS))
        raise DataError(f"no readable input files at {uri} (expected names ending {kinds})")
    empty = [p for p in known if fs.size(p) == 0]
    if empty:
        raise DataError(f"input file is empty: {fs.unstrip_protocol(empty[0])}")
    return known


def _parquet_partitions(fs: Any, path: str, full: str, start: int, split: bool) -> list[Partition]:
    try:
        with fs.open(path, "rb") as handle:
            meta = pq.ParquetFile(handle).metadata
    except (OSError, pa.ArrowException) as exc:
        raise DataError(f"cannot read {full} as parquet: {exc}") from None
    if not split or meta.num_row_groups <= 1:
        return [Partition(start, "parquet", full, rows=meta.num_rows)]
    return [
        Partition(start + i, "parquet", full, row_groups=(i,), rows=meta.row_group(i).num_rows)
        for i in range(meta.num_row_groups)
    ]


def _peek(first: Partition, fs: Any) -> tuple[tuple[str, ...], bool]:
    """The first partition's columns, and whether it holds at least one row."""
    if first.kind == "parquet":
        path = fs._strip_protocol(first.uri)
        with fs.open(path, "rb") as handle:
            schema = pq.ParquetFile(handle).schema_arrow
        return tuple(schema.names), bool(first.rows)
    for batch in read_partition(first, batch_rows=1_000):
        return tuple(batch.schema.names), batch.num_rows > 0
    return (), False


def _estimate_rows(fs: Any, paths: list[str]) -> int | None:
    """Rows of text files, guessed from the bytes per line of the first 256 KiB (for an ETA)."""
    first = paths[0]
    if first.endswith(".gz"):
        return None
    with fs.open(first, "rb") as handle:
        head = handle.read(256 * 1024)
    lines = head.count(b"\n")
    if lines == 0:
        return None
    per_line = len(head) / lines
    return max(1, int(sum(fs.size(p) for p in paths) / per_line) - len(paths))


def _open_sql(target: SqlTarget) -> Source:
    from sqlalchemy import func, inspect, select, table

    path = target.sqlite_path
    if target.is_sqlite and (path is None or not path.exists()):
        raise DataError(f"input database not found: {target.display}")
    schema, name = split_table(target.table)
    engine = target.engine()
    try:
        with sql_errors(target, "reading the input table"), engine.connect() as connection:
            if not inspect(connection).has_table(name, schema=schema):
                raise DataError(f"input table not found: {target.display}")
            columns = tuple(
                str(c["name"]) for c in inspect(connection).get_columns(name, schema=schema)
            )
            rows = connection.execute(
                select(func.count()).select_from(table(name, schema=schema))
            ).scalar_one()
    finally:
        engine.dispose()
    if not rows:
        raise DataError(f"input table has no rows: {target.display}")
    partition = Partition(0, "sql", f"{target.url}#{target.table}", rows=int(rows), offset=0)
    return Source(target.display, (partition,), columns, int(rows))


def with_offsets(partitions: tuple[Partition, ...], counts: list[int]) -> tuple[Partition, ...]:
    """Partitions numbered by the global position of their first row."""
    offsets, total = [], 0
    for count in counts:
        offsets.append(total)
        total += count
    return tuple(replace(p, offset=o) for p, o in zip(partitions, offsets, strict=True))


# --- reading --------------------------------------------------------------------------------


def read_partition(partition: Partition, *, batch_rows: int) -> Iterator[pa.RecordBatch]:
    """Stream one partition as record batches of at most about ``batch_rows`` rows."""
    if partition.kind == "sql":
        yield from _read_sql(parse_sql_target(partition.uri), batch_rows)
        return
    try:
        with fsspec.open(partition.uri, "rb", compression="infer") as handle:
            if partition.kind == "parquet":
                yield from _read_parquet(handle, partition, batch_rows)
            elif partition.kind == "jsonl":
                yield from _read_jsonl(handle, batch_rows)
            else:
                yield from _read_csv(handle, "\t" if partition.kind == "tsv" else ",", batch_rows)
    except DataError:
        raise
    except (OSError, ValueError, UnicodeDecodeError, pa.ArrowException) as exc:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"cannot read {partition.uri} as {partition.kind}: {text}") from None


def _read_parquet(handle: Any, partition: Partition, batch_rows: int) -> Iterator[pa.RecordBatch]:
    parquet = pq.ParquetFile(handle)
    groups = list(partition.row_groups) if partition.row_groups is not None else None
    yield from parquet.iter_batches(batch_size=batch_rows, row_groups=groups)


def _read_csv(handle: Any, delimiter: str, batch_rows: int) -> Iterator[pa.RecordBatch]:
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    header = next(csv.reader(text, delimiter=delimiter), None)
    text.detach()  # closing the wrapper would close the file under the Arrow reader
    if not header:
        return
    handle.seek(0)
    reader = pacsv.open_csv(
        handle,
        read_options=pacsv.ReadOptions(block_size=1 << 22),
        parse_options=pacsv.ParseOptions(delimiter=delimiter),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in header},
            null_values=_NULLS,
            strings_can_be_null=True,
        ),
    )
    pending: list[pa.RecordBatch] = []
    size = 0
    for batch in reader:
        # pyarrow cuts CSV by bytes; slice or gather to keep batches near batch_rows.
        for start in range(0, batch.num_rows, batch_rows):
            piece = batch.slice(start, batch_rows)
            pending.append(piece)
            size += piece.num_rows
            if size >= batch_rows:
                yield from _combined(pending)
                pending, size = [], 0
    if pending:
        yield from _combined(pending)


def _combined(pieces: list[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    if len(pieces) == 1:
        yield pieces[0]
    else:
        yield from pa.Table.from_batches(pieces).combine_chunks().to_batches()


def _read_jsonl(handle: Any, batch_rows: int) -> Iterator[pa.RecordBatch]:
    with pd.read_json(handle, lines=True, chunksize=batch_rows, dtype=False) as chunks:
        for chunk in chunks:
            yield frame_to_batch(chunk)


def _read_sql(target: SqlTarget, batch_rows: int) -> Iterator[pa.RecordBatch]:
    from sqlalchemy import column as sql_column
    from sqlalchemy import select, table

    schema, name = split_table(target.table)
    engine = target.engine()
    try:
        with sql_errors(target, "reading the input table"), engine.connect() as connection:
            from sqlalchemy import inspect

            names = [str(c["name"]) for c in inspect(connection).get_columns(name, schema=schema)]
            query: Any = select(*(sql_column(n) for n in names)).select_from(
                table(name, schema=schema)
            )
            result = connection.execution_options(
                stream_results=True, yield_per=batch_rows
            ).execute(query)
            for rows in result.partitions(batch_rows):
                frame = pd.DataFrame.from_records(rows, columns=names)
                yield frame_to_batch(frame)
    finally:
        engine.dispose()
